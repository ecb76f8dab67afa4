"""Render aggregated data as HTML (Jinja2) or Markdown (tabulate)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Mapping

from jinja2 import Environment, PackageLoader, select_autoescape
from tabulate import tabulate

from pyreport.utils import chunked

_env = Environment(
    loader=PackageLoader("pyreport", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fmt_money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


_env.filters["money"] = _fmt_money


def render_html(title: str, totals: Mapping[str, float], currency: str = "USD", page_size: int = 25) -> str:
    """Return a complete HTML page with one table per page of rows."""
    # FIXME: timestamps are always UTC; settings.timezone is ignored here.
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    pages = list(chunked(list(totals.items()), page_size))
    template = _env.get_template("report.html.j2")
    return template.render(title=title, pages=pages, currency=currency, generated=generated)


def render_markdown(title: str, totals: Mapping[str, float], currency: str = "USD") -> str:
    """Return a Markdown document with a pipe table."""
    rows = [(k, _fmt_money(v, currency)) for k, v in totals.items()]
    table = tabulate(rows, headers=["Group", "Total"], tablefmt="github")
    template = _env.get_template("summary.md.j2")
    return template.render(title=title, table=table)


def render_rows(rows: Iterable[Iterable[object]], headers: list[str]) -> str:
    """Plain-text table for terminal output."""
    return tabulate(list(rows), headers=headers, tablefmt="simple")
