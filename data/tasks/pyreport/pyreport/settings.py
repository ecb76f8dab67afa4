"""Read conf/report.ini into a Settings object."""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG = Path("conf/report.ini")
DEFAULT_PAGE_SIZE = 25
DEFAULT_FORMAT = "markdown"


@dataclass
class Settings:
    default_format: str = DEFAULT_FORMAT
    page_size: int = DEFAULT_PAGE_SIZE
    currency: str = "USD"
    timezone: str = "UTC"
    output_dir: Path = Path("output")
    keep_last: int = 5
    mail_to: list[str] = field(default_factory=list)
    smtp_host: str = "localhost"
    smtp_port: int = 25


def load_settings(path: Path | str = DEFAULT_CONFIG) -> Settings:
    """Return Settings from an INI file; missing keys fall back to defaults."""
    parser = configparser.ConfigParser()
    if not parser.read(path):
        return Settings()
    report = parser["report"] if parser.has_section("report") else {}
    output = parser["output"] if parser.has_section("output") else {}
    mail = parser["mail"] if parser.has_section("mail") else {}
    return Settings(
        default_format=report.get("default_format", DEFAULT_FORMAT),
        page_size=int(report.get("page_size", DEFAULT_PAGE_SIZE)),
        currency=report.get("currency", "USD"),
        timezone=report.get("timezone", "UTC"),
        output_dir=Path(output.get("dir", "output")),
        keep_last=int(output.get("keep_last", 5)),
        mail_to=[a.strip() for a in mail.get("recipients", "").split(",") if a.strip()],
        smtp_host=mail.get("smtp_host", "localhost"),
        smtp_port=int(mail.get("smtp_port", 25)),
    )
