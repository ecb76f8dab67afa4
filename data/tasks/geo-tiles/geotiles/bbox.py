"""Bounding boxes and the tiles that cover them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from shapely.geometry import Polygon, box

from geotiles.tile import Tile, tile_for_lonlat


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """Parse "west,south,east,north"."""
        parts = [float(p) for p in text.split(",")]
        if len(parts) != 4:
            raise ValueError(f"expected 4 numbers, got {len(parts)}")
        return cls(*parts)

    def to_polygon(self) -> Polygon:
        return box(self.west, self.south, self.east, self.north)

    def crosses_antimeridian(self) -> bool:
        # TODO: split boxes that cross the antimeridian instead of rejecting them
        return self.west > self.east


def bbox_area(bbox: BBox) -> float:
    """Area in square degrees; only used to sanity-check seed requests."""
    return float(bbox.to_polygon().area)


def tiles_in_bbox(bbox: BBox, zoom: int) -> Iterator[Tile]:
    """Yield every tile at `zoom` that intersects the box."""
    if bbox.crosses_antimeridian():
        raise ValueError("bbox crosses the antimeridian")
    top_left = tile_for_lonlat(bbox.west, bbox.north, zoom)
    bottom_right = tile_for_lonlat(bbox.east, bbox.south, zoom)
    for x in range(top_left.x, bottom_right.x + 1):
        for y in range(top_left.y, bottom_right.y + 1):
            yield Tile(zoom, x, y)


def count_tiles(bbox: BBox, min_zoom: int, max_zoom: int) -> int:
    return sum(1 for z in range(min_zoom, max_zoom + 1) for _ in tiles_in_bbox(bbox, z))
