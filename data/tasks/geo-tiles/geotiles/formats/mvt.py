"""Mapbox Vector Tile encoding."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile

from geotiles.tile import Tile

DEFAULT_EXTENT = 4096


def _layer(name: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "features": [
            {"geometry": f["geometry"].wkt, "properties": f.get("properties", {})}
            for f in features
        ],
    }


def encode_mvt(features: list[dict[str, Any]], tile: Tile, layer: str = "default",
               extent: int = DEFAULT_EXTENT) -> bytes:
    """Encode features for one tile as a protobuf MVT blob."""
    if not features:
        return b""
    data = mapbox_vector_tile.encode(
        [_layer(layer, features)],
        default_options={"extents": extent, "y_coord_down": True},
    )
    return bytes(data)


def decode_mvt(blob: bytes) -> dict[str, Any]:
    """Decode an MVT blob; used by tests and debugging tools."""
    if not blob:
        return {}
    return dict(mapbox_vector_tile.decode(blob))
