"""The Tile value type and helpers for XYZ addressing."""

from __future__ import annotations

import math
from dataclasses import dataclass

from geotiles.projection import clamp_latitude

MAX_ZOOM = 24


@dataclass(frozen=True, order=True)
class Tile:
    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise ValueError(f"zoom {self.z} out of range")
        limit = 2**self.z
        if not (0 <= self.x < limit and 0 <= self.y < limit):
            raise ValueError(f"tile {self} outside the grid")

    def parent(self) -> Tile:
        if self.z == 0:
            raise ValueError("the root tile has no parent")
        return Tile(self.z - 1, self.x // 2, self.y // 2)

    def children(self) -> list[Tile]:
        z, x, y = self.z + 1, self.x * 2, self.y * 2
        return [Tile(z, x, y), Tile(z, x + 1, y), Tile(z, x, y + 1), Tile(z, x + 1, y + 1)]

    def path(self, ext: str = "mvt") -> str:
        return f"{self.z}/{self.x}/{self.y}.{ext}"


def tile_for_lonlat(lon: float, lat: float, zoom: int) -> Tile:
    """Return the tile at `zoom` containing the given point."""
    lat_rad = math.radians(clamp_latitude(lat))
    n = 2**zoom
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * n)
    return Tile(zoom, min(x, n - 1), min(max(y, 0), n - 1))


def tile_bounds(tile: Tile) -> tuple[float, float, float, float]:
    """West, south, east, north of a tile in degrees."""
    n = 2**tile.z
    west = tile.x / n * 360.0 - 180.0
    east = (tile.x + 1) / n * 360.0 - 180.0
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * tile.y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (tile.y + 1) / n))))
    return west, south, east, north


def quadkey(tile: Tile) -> str:
    """Bing-style quadkey for a tile."""
    digits = []
    for i in range(tile.z, 0, -1):
        digit = 0
        mask = 1 << (i - 1)
        if tile.x & mask:
            digit += 1
        if tile.y & mask:
            digit += 2
        digits.append(str(digit))
    return "".join(digits)
