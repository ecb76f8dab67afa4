from decimal import Decimal

import pytest

from app.utils import clamp, format_price, paginate, slugify, to_cents


@pytest.mark.parametrize(
    "text,expected",
    [("Blue T-Shirt (XL)", "blue-t-shirt-xl"), ("  Café Crème ", "cafe-creme")],
)
def test_slugify(text, expected):
    assert slugify(text) == expected


def test_clamp():
    assert clamp(5, 1, 10) == 5
    assert clamp(-3, 1, 10) == 1
    assert clamp(99, 1, 10) == 10


def test_paginate_first_page():
    assert paginate(1, 20) == (0, 20)


def test_paginate_caps_page_size():
    assert paginate(2, 1000) == (100, 100)


def test_format_price():
    assert format_price(Decimal("12.5")) == "$12.50"


def test_to_cents():
    assert to_cents(Decimal("19.99")) == 1999
