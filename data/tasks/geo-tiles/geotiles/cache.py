"""Disk-backed cache of rendered tiles."""

from __future__ import annotations

import logging
from pathlib import Path

import diskcache

from geotiles.tile import Tile

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 3600


def cache_key(tile: Tile, fmt: str) -> str:
    """Key under which a rendered tile is stored; format is part of the key."""
    return f"{fmt}:{tile.z}:{tile.x}:{tile.y}"


class TileCache:
    def __init__(self, directory: str | Path, size_limit_mb: int = 1024,
                 ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self.directory = Path(directory)
        self.ttl_seconds = ttl_seconds
        self._cache = diskcache.Cache(str(self.directory), size_limit=size_limit_mb * 1024 * 1024)

    def get(self, tile: Tile, fmt: str = "mvt") -> bytes | None:
        value = self._cache.get(cache_key(tile, fmt))
        if value is None:
            log.debug("cache miss %s", tile.path(fmt))
        return value

    def put(self, tile: Tile, data: bytes, fmt: str = "mvt") -> None:
        self._cache.set(cache_key(tile, fmt), data, expire=self.ttl_seconds)

    def invalidate(self, tile: Tile) -> int:
        """Drop a tile in every format; returns how many entries were removed."""
        # TODO: also drop the children of the tile, down to max_zoom
        removed = 0
        for fmt in ("mvt", "geojson"):
            if self._cache.delete(cache_key(tile, fmt)):
                removed += 1
        return removed

    def stats(self) -> dict[str, int]:
        hits, misses = self._cache.stats()
        return {"hits": hits, "misses": misses, "entries": len(self._cache)}

    def close(self) -> None:
        self._cache.close()
