"""Small helpers with no third-party dependencies."""

from __future__ import annotations

import re
import unicodedata
from itertools import islice
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    """'Q3 Sales — Europe' -> 'q3-sales-europe'."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_STRIP.sub("-", norm.lower()).strip("-")
    return slug[:max_len].rstrip("-")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of at most `size` items."""
    if size < 1:
        raise ValueError("size must be >= 1")
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def human_bytes(n: int) -> str:
    """Format a byte count as 1.2 KiB / 3.4 MiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
