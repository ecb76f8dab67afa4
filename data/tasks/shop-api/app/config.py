"""Loading of config/settings.toml with environment overrides."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_PATH = BASE_DIR / "config" / "settings.toml"

# Environment variables that override a key in settings.toml.
ENV_OVERRIDES = {
    "DATABASE_URL": ("database", "url"),
    "JWT_EXPIRY_MINUTES": ("auth", "token_expiry_minutes"),
    "PAYMENT_API_URL": ("payments", "api_url"),
    "UPLOAD_DIR": ("uploads", "directory"),
}


def load_settings(path: Path = SETTINGS_PATH) -> dict[str, Any]:
    """Read the TOML settings file and apply environment overrides.

    Returns the settings as a nested dict, one table per section.
    """
    with open(path, "rb") as fh:
        settings = tomllib.load(fh)
    for env_name, (section, key) in ENV_OVERRIDES.items():
        value = os.environ.get(env_name)
        if value is not None:
            settings.setdefault(section, {})[key] = value
    return settings


def get_secret_key() -> str:
    """Return the signing key for tokens; fail loudly if it is missing."""
    key = os.environ.get("SECRET_KEY")
    if not key:
        raise RuntimeError("SECRET_KEY is not set")
    return key
