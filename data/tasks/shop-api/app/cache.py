"""Tiny Redis-backed cache for product listings."""
import json
import os
from typing import Any

import redis

CACHE_TTL_SECONDS = 300
KEY_PREFIX = "shop:"

_client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


def cache_key(*parts: object) -> str:
    return KEY_PREFIX + ":".join(str(p) for p in parts)


def get_cached(key: str) -> Any | None:
    """Return the cached value, or None on a miss."""
    raw = _client.get(key)
    return json.loads(raw) if raw is not None else None


def set_cached(key: str, value: Any, ttl: int = CACHE_TTL_SECONDS) -> None:
    _client.setex(key, ttl, json.dumps(value, default=str))


def invalidate(prefix: str) -> int:
    """Delete every key under the prefix and return how many were removed."""
    keys = list(_client.scan_iter(match=KEY_PREFIX + prefix + "*"))
    return _client.delete(*keys) if keys else 0
