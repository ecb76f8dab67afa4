"""Password hashing and JWT access tokens."""
from datetime import datetime, timedelta, timezone
from typing import Any

from jose import JWTError, jwt
from passlib.context import CryptContext

from app.config import get_secret_key

TOKEN_EXPIRY_MINUTES = 30
ALGORITHM = "HS256"
MAX_LOGIN_ATTEMPTS = 5
MIN_PASSWORD_LENGTH = 10

_pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


class AuthError(Exception):
    """Raised when a token is missing, expired or invalid."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    return _pwd_context.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Return True if the password matches the stored hash."""
    return _pwd_context.verify(password, password_hash)


def create_access_token(user_id: int, expires_minutes: int = TOKEN_EXPIRY_MINUTES) -> str:
    """Return a signed JWT whose subject is the user id."""
    expire = datetime.now(timezone.utc) + timedelta(minutes=expires_minutes)
    payload = {"sub": str(user_id), "exp": expire}
    return jwt.encode(payload, get_secret_key(), algorithm=ALGORITHM)


def decode_token(token: str) -> dict[str, Any]:
    """Return the token's claims, or raise AuthError."""
    try:
        return jwt.decode(token, get_secret_key(), algorithms=[ALGORITHM])
    except JWTError as exc:
        raise AuthError("invalid token") from exc


def is_locked_out(failed_logins: int) -> bool:
    # FIXME: lockout is counted per user, it should also be rate-limited per IP
    return failed_logins >= MAX_LOGIN_ATTEMPTS
