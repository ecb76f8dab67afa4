"""Command line entry point: `geotiles`."""

from __future__ import annotations

import logging.config
from pathlib import Path

import click

from geotiles import __version__
from geotiles.bbox import BBox, count_tiles, tiles_in_bbox
from geotiles.cache import TileCache
from geotiles.settings import load_settings
from geotiles.tile import Tile, quadkey, tile_bounds

LOGGING_INI = Path(__file__).resolve().parent.parent / "config" / "logging.ini"


@click.group()
@click.version_option(__version__)
@click.option("--config", "config_path", type=click.Path(exists=True), default=None)
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    if LOGGING_INI.exists():
        logging.config.fileConfig(LOGGING_INI, disable_existing_loggers=False)
    ctx.obj = load_settings(config_path) if config_path else load_settings()


@main.command()
@click.argument("z", type=int)
@click.argument("x", type=int)
@click.argument("y", type=int)
def info(z: int, x: int, y: int) -> None:
    """Print bounds and quadkey of a tile."""
    tile = Tile(z, x, y)
    click.echo(f"tile     {tile.path()}")
    click.echo(f"bounds   {tile_bounds(tile)}")
    click.echo(f"quadkey  {quadkey(tile)}")


@main.command()
@click.option("--bbox", required=True, help="west,south,east,north")
@click.option("--zoom", type=int, required=True)
@click.option("--dry-run", is_flag=True)
@click.pass_obj
def seed(settings, bbox: str, zoom: int, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    """Pre-render every tile of a box at one zoom level."""
    box = BBox.parse(bbox)
    total = count_tiles(box, zoom, zoom)
    click.echo(f"{total} tiles at z{zoom}")
    if dry_run:
        return
    cache = TileCache(settings.cache_dir, settings.cache_size_limit_mb, settings.cache_ttl_seconds)
    for tile in tiles_in_bbox(box, zoom):
        cache.put(tile, b"")
    cache.close()


if __name__ == "__main__":
    main()
