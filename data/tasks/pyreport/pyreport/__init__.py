"""pyreport: build tabular reports from CSV and JSON exports."""

__version__ = "0.7.3"

__all__ = [
    "__version__",
    "load_source",
    "summarize_by",
    "render_html",
]

from pyreport.aggregate import summarize_by
from pyreport.loader import load_source
from pyreport.render import render_html
