import pytest

from geotiles.projection import (
    EARTH_RADIUS_M,
    MAX_LATITUDE,
    clamp_latitude,
    lonlat_to_meters,
    meters_to_lonlat,
    resolution,
)


def test_origin_maps_to_zero():
    x, y = lonlat_to_meters(0.0, 0.0)
    assert x == pytest.approx(0.0, abs=1e-6)
    assert y == pytest.approx(0.0, abs=1e-6)


def test_round_trip():
    x, y = lonlat_to_meters(8.5417, 47.3769)
    lon, lat = meters_to_lonlat(x, y)
    assert lon == pytest.approx(8.5417, abs=1e-9)
    assert lat == pytest.approx(47.3769, abs=1e-9)


def test_clamp_latitude():
    assert clamp_latitude(89.9) == MAX_LATITUDE
    assert clamp_latitude(-89.9) == -MAX_LATITUDE
    assert clamp_latitude(12.0) == 12.0


def test_resolution_halves_per_zoom():
    assert resolution(1) == pytest.approx(resolution(0) / 2)


def test_earth_radius_constant():
    assert EARTH_RADIUS_M == 6378137.0
