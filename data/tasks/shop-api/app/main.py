"""Application factory and the ASGI entry point."""
import logging.config
from pathlib import Path

import yaml
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.config import BASE_DIR, load_settings
from app.db import init_db
from app.routes import router

LOGGING_CONFIG = BASE_DIR / "config" / "logging.yaml"


def configure_logging(path: Path = LOGGING_CONFIG) -> None:
    with open(path) as fh:
        logging.config.dictConfig(yaml.safe_load(fh))


def create_app() -> FastAPI:
    """Build the FastAPI application with routes, CORS and the database."""
    settings = load_settings()
    configure_logging()

    application = FastAPI(title="shop-api", version="1.4.2")
    application.add_middleware(
        CORSMiddleware,
        allow_origins=settings["server"]["cors_origins"],
        allow_methods=["*"],
        allow_headers=["*"],
    )
    application.include_router(router)

    @application.on_event("startup")
    def _startup() -> None:
        init_db(settings["database"]["url"])

    return application


app = create_app()
