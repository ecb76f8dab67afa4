"""Output encoders for rendered tiles."""

from geotiles.formats.geojson import to_feature_collection
from geotiles.formats.mvt import encode_mvt

ENCODERS = {
    "mvt": encode_mvt,
    "geojson": to_feature_collection,
}

CONTENT_TYPES = {
    "mvt": "application/vnd.mapbox-vector-tile",
    "geojson": "application/geo+json",
}


def content_type(fmt: str) -> str:
    """MIME type served for a tile format."""
    try:
        return CONTENT_TYPES[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}") from None


__all__ = ["CONTENT_TYPES", "ENCODERS", "content_type", "encode_mvt", "to_feature_collection"]
