#!/usr/bin/env bash
# Rough timing of tile rendering for the fixtures, at a few zoom levels.
set -euo pipefail

ZOOMS="${ZOOMS:-8 10 12}"
BBOX="${BBOX:-5.85,45.80,10.55,47.85}"
OUT_DIR="$(mktemp -d)"
trap 'rm -rf "$OUT_DIR"' EXIT

echo "benchmarking zooms: $ZOOMS"
for z in $ZOOMS; do
  start=$(date +%s.%N)
  python3 scripts/seed_cache.py --zoom "$z" --bbox "$BBOX" > "$OUT_DIR/z$z.log"
  end=$(date +%s.%N)
  printf 'z%-3s %8.2fs  %s\n' "$z" "$(echo "$end - $start" | bc)" "$(tail -n 1 "$OUT_DIR/z$z.log")"
done

python3 - <<'PY'
from geotiles.cache import TileCache
from geotiles.settings import load_settings

s = load_settings()
c = TileCache(s.cache_dir, s.cache_size_limit_mb, s.cache_ttl_seconds)
print("cache stats:", c.stats())
c.close()
PY
