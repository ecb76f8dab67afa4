"""Command-line entry point: `pyreport build data.csv --by region`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pyreport import __version__
from pyreport.aggregate import summarize_by
from pyreport.formats import FORMATS, extension_for, write_csv, write_xlsx
from pyreport.loader import SourceError, load_source
from pyreport.render import render_html, render_markdown
from pyreport.settings import DEFAULT_CONFIG, load_settings
from pyreport.utils import slugify


@click.group()
@click.version_option(__version__, prog_name="pyreport")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG)
@click.pass_context
def main(ctx: click.Context, config_path: Path) -> None:
    ctx.obj = load_settings(config_path)


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--by", "key", required=True, help="Column to group by.")
@click.option("--value", default="amount", show_default=True)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None)
@click.option("--title", default=None)
@click.pass_obj
def build(settings, source: Path, key: str, value: str, fmt: str | None, title: str | None) -> None:
    """Aggregate SOURCE and write a report into the output folder."""
    fmt = fmt or settings.default_format
    title = title or f"{source.stem} by {key}"
    try:
        df = load_source(source)
    except SourceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    totals = summarize_by(df, key, value)
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    target = settings.output_dir / (slugify(title) + extension_for(fmt))
    if fmt == "html":
        target.write_text(render_html(title, totals, settings.currency, settings.page_size), encoding="utf-8")
    elif fmt == "markdown":
        target.write_text(render_markdown(title, totals, settings.currency), encoding="utf-8")
    elif fmt == "xlsx":
        write_xlsx(target, totals)
    else:
        write_csv(target, totals)
    # TODO: prune old reports beyond settings.keep_last and send the mail digest.
    click.echo(f"wrote {target}")


@main.command("formats")
def list_formats() -> None:
    """List the output formats."""
    for name, ext in sorted(FORMATS.items()):
        click.echo(f"{name:10} {ext}")


if __name__ == "__main__":
    main()
