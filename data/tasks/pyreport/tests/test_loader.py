import pytest

from pyreport.loader import SourceError, load_csv, load_json, load_source


def test_load_csv_lowercases_headers(fixtures_dir):
    df = load_csv(fixtures_dir / "sales_q1.csv")
    assert list(df.columns) == ["date", "region", "product", "amount"]


def test_load_csv_semicolon(fixtures_dir):
    df = load_csv(fixtures_dir / "sales_semicolon.csv", delimiter=";")
    assert "amount" in df.columns


def test_load_json_rows_key(fixtures_dir):
    df = load_json(fixtures_dir / "orders_wrapped.json")
    assert len(df) == 10


def test_load_json_rejects_scalar(fixtures_dir):
    with pytest.raises(SourceError):
        load_json(fixtures_dir / "not_a_list.json")


def test_load_source_yaml(fixtures_dir):
    df = load_source(fixtures_dir / "budget.yaml")
    assert {"team", "amount"} <= set(df.columns)


def test_load_source_missing_file(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        load_source(tmp_path / "nope.csv")
