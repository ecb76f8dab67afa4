"""Load report sources (CSV, JSON, YAML) into pandas DataFrames."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

SUPPORTED_SUFFIXES = (".csv", ".json", ".yaml", ".yml")


class SourceError(ValueError):
    """Raised when a source file cannot be turned into a table."""


def load_csv(path: Path, delimiter: str = ",") -> pd.DataFrame:
    # TODO: sniff the delimiter instead of trusting the caller (semicolon exports from Excel).
    df = pd.read_csv(path, sep=delimiter, skipinitialspace=True)
    df.columns = [c.strip().lower() for c in df.columns]
    return df


def load_json(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if isinstance(data, dict) and "rows" in data:
        data = data["rows"]
    if not isinstance(data, list):
        raise SourceError(f"{path}: expected a list of records")
    return pd.DataFrame.from_records(data)


def load_yaml(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or []
    return pd.DataFrame.from_records(data)


def load_source(path: str | Path) -> pd.DataFrame:
    """Pick a loader from the file suffix and return a DataFrame."""
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{p}: no such file")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return load_csv(p)
    if suffix == ".json":
        return load_json(p)
    if suffix in (".yaml", ".yml"):
        return load_yaml(p)
    raise SourceError(f"{p}: unsupported type {suffix!r}, expected one of {SUPPORTED_SUFFIXES}")
