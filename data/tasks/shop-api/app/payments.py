"""Client for the PayGate payment gateway."""
import logging
import os
import time

import requests

from app.utils import to_cents

log = logging.getLogger("app.payments")

PAYMENT_API_URL = os.environ.get("PAYMENT_API_URL", "https://api.paygate.example.com/v2")
PAYMENT_TIMEOUT = 12  # seconds
MAX_RETRIES = 3
RETRY_BACKOFF = 0.5


class PaymentError(Exception):
    pass


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ.get('PAYMENT_API_KEY', '')}"}


def charge(order_id: int, amount, payment_token: str) -> str:
    """Charge the customer and return the gateway's transaction id."""
    body = {"order": order_id, "amount": to_cents(amount), "source": payment_token}
    last_error = None
    for attempt in range(1, MAX_RETRIES + 1):
        # FIXME: no idempotency key is sent, so a retry can double-charge
        try:
            resp = requests.post(
                f"{PAYMENT_API_URL}/charges", json=body, headers=_headers(), timeout=PAYMENT_TIMEOUT
            )
            resp.raise_for_status()
            return resp.json()["transaction_id"]
        except requests.RequestException as exc:
            last_error = exc
            log.warning("charge attempt %d failed: %s", attempt, exc)
            time.sleep(RETRY_BACKOFF * attempt)
    raise PaymentError(f"charge failed after {MAX_RETRIES} attempts") from last_error


def refund(transaction_id: str) -> bool:
    """Ask the gateway to refund a charge; return True if it was accepted."""
    resp = requests.post(
        f"{PAYMENT_API_URL}/refunds",
        json={"transaction": transaction_id},
        headers=_headers(),
        timeout=PAYMENT_TIMEOUT,
    )
    return resp.status_code == 201
