from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def sales_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["north", "south", "north", "east", "south", "north"],
            "amount": [120.0, 80.5, 30.0, 55.25, 19.5, 10.0],
            "date": ["2024-01-03", "2024-01-17", "2024-02-02", "2024-03-11", "2024-03-12", "2024-03-30"],
        }
    )
