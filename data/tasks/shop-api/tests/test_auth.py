import pytest

from app import auth


def test_hash_and_verify_roundtrip():
    hashed = auth.hash_password("correct horse battery")
    assert auth.verify_password("correct horse battery", hashed)
    assert not auth.verify_password("wrong password!", hashed)


def test_short_password_rejected():
    with pytest.raises(ValueError):
        auth.hash_password("short")


def test_token_roundtrip():
    token = auth.create_access_token(42)
    claims = auth.decode_token(token)
    assert claims["sub"] == "42"


def test_lockout_after_max_attempts():
    assert not auth.is_locked_out(auth.MAX_LOGIN_ATTEMPTS - 1)
    assert auth.is_locked_out(auth.MAX_LOGIN_ATTEMPTS)
