"""Conversions between WGS84 longitude/latitude and Web-Mercator metres."""

from __future__ import annotations

import math

from pyproj import Transformer

EARTH_RADIUS_M = 6378137.0
ORIGIN_SHIFT = math.pi * EARTH_RADIUS_M
MAX_LATITUDE = 85.05112878

_to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
_to_wgs84 = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


def clamp_latitude(lat: float) -> float:
    """Keep a latitude inside the range Web-Mercator can represent."""
    return max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))


def lonlat_to_meters(lon: float, lat: float) -> tuple[float, float]:
    """Project a WGS84 point to EPSG:3857 metres."""
    x, y = _to_mercator.transform(lon, clamp_latitude(lat))
    return float(x), float(y)


def meters_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Inverse of lonlat_to_meters."""
    lon, lat = _to_wgs84.transform(x, y)
    return float(lon), float(lat)


def resolution(zoom: int, tile_size: int = 512) -> float:
    """Metres per pixel at the equator for a zoom level."""
    return (2 * ORIGIN_SHIFT) / (tile_size * 2**zoom)


def meters_to_pixels(x: float, y: float, zoom: int, tile_size: int = 512) -> tuple[int, int]:
    res = resolution(zoom, tile_size)
    px = (x + ORIGIN_SHIFT) / res
    py = (ORIGIN_SHIFT - y) / res
    return int(px), int(py)
