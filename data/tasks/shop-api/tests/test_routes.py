from unittest.mock import patch


def test_health(client):
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_list_products_default_page(client):
    resp = client.get("/products")
    assert resp.status_code == 200
    assert resp.json()["page_size"] == 20


def test_list_products_page_size_is_capped(client):
    resp = client.get("/products", params={"page_size": 500})
    assert resp.json()["page_size"] == 100


def test_unknown_product_is_404(client):
    assert client.get("/products/999999").status_code == 404


@patch("app.payments.charge", return_value="txn_123")
def test_create_order(mock_charge, client, sample_order_body):
    resp = client.post("/orders", json=sample_order_body)
    assert resp.status_code == 201
    assert resp.json()["transaction_id"] == "txn_123"
    mock_charge.assert_called_once()
