import pytest

from geotiles.tile import Tile, quadkey, tile_bounds, tile_for_lonlat


def test_root_tile_has_no_parent():
    with pytest.raises(ValueError):
        Tile(0, 0, 0).parent()


def test_parent_and_children_round_trip():
    tile = Tile(12, 2145, 1434)
    assert all(child.parent() == tile for child in tile.children())


def test_children_count():
    assert len(Tile(3, 2, 5).children()) == 4


def test_out_of_grid_rejected():
    with pytest.raises(ValueError):
        Tile(2, 4, 0)


def test_tile_for_lonlat_zurich(zoom_levels):
    expected = zoom_levels["zurich"]["12"]
    assert tile_for_lonlat(8.5417, 47.3769, 12) == Tile(12, *expected)


def test_quadkey():
    assert quadkey(Tile(3, 3, 5)) == "213"


def test_tile_bounds_of_root():
    west, south, east, north = tile_bounds(Tile(0, 0, 0))
    assert (west, east) == (-180.0, 180.0)
    assert north == pytest.approx(85.0511, abs=1e-4)
    assert south == pytest.approx(-85.0511, abs=1e-4)


def test_path():
    assert Tile(5, 16, 11).path("geojson") == "5/16/11.geojson"
