import os

import pytest
from fastapi.testclient import TestClient

os.environ.setdefault("SECRET_KEY", "test-secret")
os.environ.setdefault("DATABASE_URL", "sqlite:///./test.db")


@pytest.fixture()
def client():
    from app.main import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture()
def sample_order_body():
    return {"items": [{"product_id": 1, "quantity": 2}], "payment_token": "tok_test"}
