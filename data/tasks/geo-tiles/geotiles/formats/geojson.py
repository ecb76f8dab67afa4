"""GeoJSON output for tiles, mostly for debugging in a browser."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping

COORD_PRECISION = 6


def _round(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(coords, COORD_PRECISION)
    return [_round(c) for c in coords]


def to_feature(feature: dict[str, Any]) -> dict[str, Any]:
    geom = mapping(feature["geometry"])
    return {
        "type": "Feature",
        "geometry": {"type": geom["type"], "coordinates": _round(geom["coordinates"])},
        "properties": dict(feature.get("properties", {})),
    }


def to_feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Wrap features into a GeoJSON FeatureCollection."""
    return {
        "type": "FeatureCollection",
        "features": [to_feature(f) for f in features],
    }
