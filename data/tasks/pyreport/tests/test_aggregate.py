import pandas as pd
import pytest

from pyreport.aggregate import monthly_totals, share_of_total, summarize_by, top_n


def test_summarize_by_sums_per_key(sales_df):
    assert summarize_by(sales_df, "region") == {"north": 160.0, "south": 100.0, "east": 55.25}


def test_summarize_by_orders_descending(sales_df):
    assert list(summarize_by(sales_df, "region")) == ["north", "south", "east"]


def test_summarize_by_unknown_column(sales_df):
    with pytest.raises(KeyError):
        summarize_by(sales_df, "country")


def test_top_n_limits(sales_df):
    assert top_n(sales_df, "region", n=2) == [("north", 160.0), ("south", 100.0)]


def test_monthly_totals_fills_gaps():
    df = pd.DataFrame({"date": ["2024-01-05", "2024-03-09"], "amount": [10, 5]})
    out = monthly_totals(df)
    assert list(out["month"]) == ["2024-01", "2024-02", "2024-03"]
    assert list(out["amount"]) == [10, 0, 5]


def test_share_of_total_rounds():
    assert share_of_total({"a": 1, "b": 2}) == {"a": 33.3, "b": 66.7}


def test_share_of_total_zero():
    assert share_of_total({"a": 0}) == {"a": 0.0}
