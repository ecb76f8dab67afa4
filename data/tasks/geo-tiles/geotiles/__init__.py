"""geo-tiles: Web-Mercator tile math, caching and rendering.

The public API re-exports the tile and projection helpers; rendering and
caching live in their own modules and are imported explicitly.
"""

from geotiles.bbox import BBox, tiles_in_bbox
from geotiles.projection import lonlat_to_meters, meters_to_lonlat
from geotiles.tile import Tile, quadkey, tile_for_lonlat

__version__ = "0.8.2"

__all__ = [
    "BBox",
    "Tile",
    "lonlat_to_meters",
    "meters_to_lonlat",
    "quadkey",
    "tile_for_lonlat",
    "tiles_in_bbox",
    "__version__",
]
