"""Clip features to a tile and encode them."""

from __future__ import annotations

from typing import Any

from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from geotiles.formats.geojson import to_feature_collection
from geotiles.formats.mvt import encode_mvt
from geotiles.tile import Tile, tile_bounds

SUPPORTED_FORMATS = ("mvt", "geojson")


def clip_to_tile(geom: BaseGeometry, tile: Tile, buffer_deg: float = 0.0) -> BaseGeometry:
    west, south, east, north = tile_bounds(tile)
    window = box(west - buffer_deg, south - buffer_deg, east + buffer_deg, north + buffer_deg)
    return geom.intersection(window)


def features_for_tile(features: list[dict[str, Any]], tile: Tile) -> list[dict[str, Any]]:
    out = []
    for feature in features:
        clipped = clip_to_tile(shape(feature["geometry"]), tile)
        if clipped.is_empty:
            continue
        out.append({"geometry": clipped, "properties": feature.get("properties", {})})
    return out


def render_tile(tile: Tile, features: list[dict[str, Any]], fmt: str = "mvt",
                layer: str = "default", extent: int = 4096) -> bytes:
    """Render the features that touch `tile` in the requested format."""
    if fmt not in SUPPORTED_FORMATS:
        raise ValueError(f"unsupported format {fmt!r}")
    clipped = features_for_tile(features, tile)
    if fmt == "mvt":
        # FIXME: geometries are in degrees here but encode_mvt expects tile-local coordinates
        return encode_mvt(clipped, tile, layer=layer, extent=extent)
    collection = to_feature_collection(clipped)
    import json

    return json.dumps(collection, separators=(",", ":")).encode("utf-8")
