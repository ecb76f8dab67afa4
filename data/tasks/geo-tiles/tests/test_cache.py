import pytest

from geotiles.cache import cache_key
from geotiles.tile import Tile

pytestmark = pytest.mark.slow


def test_cache_key_includes_format():
    tile = Tile(4, 8, 5)
    assert cache_key(tile, "mvt") != cache_key(tile, "geojson")


def test_put_then_get(tile_cache):
    tile = Tile(10, 536, 358)
    tile_cache.put(tile, b"\x1a\x02")
    assert tile_cache.get(tile) == b"\x1a\x02"


def test_miss_returns_none(tile_cache):
    assert tile_cache.get(Tile(1, 0, 0)) is None


def test_invalidate_counts_removed(tile_cache):
    tile = Tile(6, 33, 22)
    tile_cache.put(tile, b"a", fmt="mvt")
    tile_cache.put(tile, b"b", fmt="geojson")
    assert tile_cache.invalidate(tile) == 2
