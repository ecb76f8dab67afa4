import pytest

from pyreport.utils import chunked, human_bytes, slugify


def test_slugify_basic():
    assert slugify("Q3 Sales — Europe") == "q3-sales-europe"


def test_slugify_truncates():
    assert len(slugify("x" * 200, max_len=20)) == 20


def test_chunked_sizes():
    assert [len(c) for c in chunked(range(7), 3)] == [3, 3, 1]


def test_chunked_rejects_zero():
    with pytest.raises(ValueError):
        list(chunked([1], 0))


def test_human_bytes_small():
    assert human_bytes(512) == "512 B"


@pytest.mark.parametrize("n,expected", [(2048, "2.0 KiB"), (5 * 1024**2, "5.0 MiB")])
def test_human_bytes_units(n, expected):
    assert human_bytes(n) == expected
