"""Output formats and the Excel writer."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

FORMATS = {
    "html": ".html",
    "markdown": ".md",
    "xlsx": ".xlsx",
    "csv": ".csv",
}

HEADER_FONT = Font(bold=True)


def extension_for(fmt: str) -> str:
    """Map a format name to its file extension; raises on unknown formats."""
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}") from None


def write_xlsx(path: Path, totals: Mapping[str, float], sheet: str = "Summary") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(["Group", "Total"])
    for cell in ws[1]:
        cell.font = HEADER_FONT
    for key, value in totals.items():
        ws.append([key, value])
    ws.column_dimensions["A"].width = 32
    wb.save(path)
    return path


def write_csv(path: Path, totals: Mapping[str, float]) -> Path:
    pd.Series(totals, name="total").rename_axis("group").to_csv(path)
    return path
