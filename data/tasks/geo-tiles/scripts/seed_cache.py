#!/usr/bin/env python3
"""Pre-render tiles for a bounding box into the disk cache.

Usage: python scripts/seed_cache.py --zoom 12 --bbox 5.85,45.80,10.55,47.85
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from geotiles.bbox import BBox, count_tiles, tiles_in_bbox
from geotiles.cache import TileCache
from geotiles.render import render_tile
from geotiles.settings import load_settings

MAX_TILES_PER_RUN = 250_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bbox", required=True)
    parser.add_argument("--zoom", type=int, required=True)
    parser.add_argument("--source", default="cities")
    parser.add_argument("--format", default="mvt", choices=["mvt", "geojson"])
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    settings = load_settings()
    bbox = BBox.parse(args.bbox)
    total = count_tiles(bbox, args.zoom, args.zoom)
    if total > MAX_TILES_PER_RUN:
        print(f"refusing to seed {total} tiles (limit {MAX_TILES_PER_RUN})", file=sys.stderr)
        return 2

    source = next(s for s in settings.sources if s.name == args.source)
    with open(source.path, encoding="utf-8") as fh:
        features = json.load(fh)["features"]

    cache = TileCache(settings.cache_dir, settings.cache_size_limit_mb, settings.cache_ttl_seconds)
    started = time.monotonic()
    for done, tile in enumerate(tiles_in_bbox(bbox, args.zoom), start=1):
        cache.put(tile, render_tile(tile, features, args.format, layer=source.layer), args.format)
        if done % 500 == 0:
            print(f"{done}/{total}")
    cache.close()
    print(f"seeded {total} tiles in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
