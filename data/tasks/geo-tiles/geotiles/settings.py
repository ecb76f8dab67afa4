"""Load config/tiles.yaml into typed settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "tiles.yaml"


@dataclass
class Source:
    name: str
    path: str
    layer: str


@dataclass
class Settings:
    min_zoom: int = 0
    max_zoom: int = 14
    tile_size: int = 256
    extent: int = 4096
    buffer: int = 0
    cache_dir: str = "cache"
    cache_size_limit_mb: int = 1024
    cache_ttl_seconds: int = 3600
    sources: list[Source] = field(default_factory=list)


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name) or {}
    if not isinstance(value, dict):
        raise ValueError(f"section {name!r} must be a mapping")
    return value


def load_settings(path: str | Path = DEFAULT_CONFIG_PATH) -> Settings:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    tiles = _section(raw, "tiles")
    cache = _section(raw, "cache")
    return Settings(
        min_zoom=tiles.get("min_zoom", 0),
        max_zoom=tiles.get("max_zoom", 14),
        tile_size=tiles.get("tile_size", 256),
        extent=tiles.get("extent", 4096),
        buffer=tiles.get("buffer", 0),
        cache_dir=cache.get("directory", "cache"),
        cache_size_limit_mb=cache.get("size_limit_mb", 1024),
        cache_ttl_seconds=cache.get("ttl_seconds", 3600),
        sources=[Source(**s) for s in raw.get("sources", [])],
    )
