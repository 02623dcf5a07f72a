"""The machine's Redis for tests: a random key prefix per test, deleted afterwards.

Other engineers use the same Redis, so tests only ever delete their own keys
(never FLUSHALL / FLUSHDB)."""

from __future__ import annotations

import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def client():
    import redis

    conn = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        conn.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at 127.0.0.1:6379 ({exc}); start it (service redis-server start)")
    return conn


class RedisPrefix:
    """A unique key prefix; ``keys()`` lists what the test wrote, ``cleanup()`` deletes it."""

    def __init__(self) -> None:
        self.prefix = f"tsunagari-test-{uuid.uuid4().hex[:12]}:"
        self.conn = client()

    def keys(self) -> list[bytes]:
        return list(self.conn.scan_iter(match=f"{self.prefix}*", count=500))

    def cleanup(self) -> None:
        keys = self.keys()
        if keys:
            self.conn.delete(*keys)
        self.conn.close()
