"""shop-api: REST API for the online shop."""

__version__ = "1.4.2"
__all__ = ["create_app", "__version__"]

from app.main import create_app
