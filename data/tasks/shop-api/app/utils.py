"""Small helpers shared by the routes."""
import json
import logging
import re
import unicodedata
from decimal import Decimal

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURRENCY_SYMBOL = "$"

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Return a URL-safe slug: 'Blue T-Shirt (XL)' -> 'blue-t-shirt-xl'."""
    normalized = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG_STRIP.sub("-", normalized.lower()).strip("-")


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def paginate(page: int, page_size: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """Return (offset, limit) for a 1-based page number."""
    limit = clamp(page_size, 1, MAX_PAGE_SIZE)
    offset = (max(page, 1) - 1) * limit
    return offset, limit


def format_price(amount: Decimal) -> str:
    """Return a display price like '$12.50'."""
    # TODO: support currencies other than USD (read payments.currency)
    return f"{CURRENCY_SYMBOL}{amount.quantize(Decimal('0.01'))}"


def to_cents(amount: Decimal) -> int:
    """Return the amount in whole cents, as the payment gateway expects."""
    return int((amount * 100).to_integral_value())


class JsonFormatter(logging.Formatter):
    """Log formatter that writes one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
        )
