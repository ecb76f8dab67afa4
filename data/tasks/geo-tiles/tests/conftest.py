from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from geotiles.bbox import BBox
from geotiles.cache import TileCache

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def cities() -> list[dict[str, Any]]:
    with open(FIXTURES / "cities.geojson", encoding="utf-8") as fh:
        return json.load(fh)["features"]


@pytest.fixture
def zoom_levels() -> dict[str, Any]:
    with open(FIXTURES / "zoom_levels.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def swiss_bbox() -> BBox:
    return BBox(5.85, 45.80, 10.55, 47.85)


@pytest.fixture
def tile_cache(tmp_path: Path) -> TileCache:
    cache = TileCache(tmp_path / "tiles", size_limit_mb=8, ttl_seconds=60)
    yield cache
    cache.close()
