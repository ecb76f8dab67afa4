"""Grouping and totals used by every report."""

from __future__ import annotations

import pandas as pd

MONTH_FORMAT = "%Y-%m"


def summarize_by(df: pd.DataFrame, key: str, value: str = "amount") -> dict[str, float]:
    """Sum `value` per distinct `key`, largest first, as a plain dict."""
    if key not in df.columns:
        raise KeyError(f"unknown column {key!r}")
    totals = df.groupby(key, dropna=False)[value].sum().sort_values(ascending=False)
    return {str(k): float(v) for k, v in totals.items()}


def top_n(df: pd.DataFrame, key: str, value: str = "amount", n: int = 10) -> list[tuple[str, float]]:
    """Return the n largest groups as (key, total) pairs."""
    return list(summarize_by(df, key, value).items())[:n]


def monthly_totals(df: pd.DataFrame, date_col: str = "date", value: str = "amount") -> pd.DataFrame:
    """Total `value` per calendar month; months without rows are filled with 0."""
    dates = pd.to_datetime(df[date_col], utc=True)
    months = dates.dt.strftime(MONTH_FORMAT)
    out = df.assign(month=months).groupby("month")[value].sum().reset_index()
    full = pd.period_range(dates.min(), dates.max(), freq="M").strftime(MONTH_FORMAT)
    return out.set_index("month").reindex(full, fill_value=0).rename_axis("month").reset_index()


def share_of_total(totals: dict[str, float]) -> dict[str, float]:
    """Turn absolute totals into percentages rounded to one decimal."""
    grand = sum(totals.values())
    if grand == 0:
        return {k: 0.0 for k in totals}
    return {k: round(100 * v / grand, 1) for k, v in totals.items()}
