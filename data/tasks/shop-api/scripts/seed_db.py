#!/usr/bin/env python3
"""Fill a development database with a handful of products and one admin user.

Usage: python scripts/seed_db.py [--reset]
"""
import argparse
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.auth import hash_password  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.db import SessionLocal, get_engine, init_db  # noqa: E402
from app.models import Base, Product, User  # noqa: E402
from app.utils import slugify  # noqa: E402

SAMPLE_PRODUCTS = [
    ("Blue T-Shirt", Decimal("19.99"), 40),
    ("Canvas Tote Bag", Decimal("12.50"), 25),
    ("Ceramic Mug", Decimal("9.00"), 60),
    ("Wool Beanie", Decimal("22.00"), 15),
    ("Sticker Pack", Decimal("4.99"), 200),
]
ADMIN_EMAIL = "admin@shop.example.com"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reset", action="store_true", help="drop all tables first")
    args = parser.parse_args()

    url = load_settings()["database"]["url"]
    if args.reset:
        Base.metadata.drop_all(get_engine(url))
    init_db(url)

    with SessionLocal() as session:
        for name, price, stock in SAMPLE_PRODUCTS:
            session.add(Product(slug=slugify(name), name=name, price=price, stock=stock))
        session.add(User(email=ADMIN_EMAIL, password_hash=hash_password("admin-password"),
                         is_admin=True))
        session.commit()
    print(f"seeded {len(SAMPLE_PRODUCTS)} products and 1 admin user")
    return 0


if __name__ == "__main__":
    sys.exit(main())
