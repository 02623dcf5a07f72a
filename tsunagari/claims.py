"""Once-only claims shared between processes: "was this already handled?".

The LINE connector uses a claim for each ``webhookEventId`` (a redelivery is
answered once) and for each reply token (a reply token is used once). With one
process the claims live in memory (``MemoryClaims``, the embedded default);
with several Rasa instances behind a load balancer they live in Redis
(``RedisClaims``, when ``TSUNAGARI_REDIS_URL`` is set), where ``SET key 1 NX EX
ttl`` makes the claim atomic: of two instances racing for the same key,
exactly one gets it.

If Redis cannot be reached the claim falls back to this process's memory
(fail open across instances) and one warning per outage is logged: answering
a redelivered message twice is better than leaving a resident without an
answer. The next successful call logs the
recovery. Keys are hashed, so no reply token or event id is stored in clear.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from .config import settings

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "tsunagari:"
REDIS_TIMEOUT_SECONDS = 0.5  # a claim must never hold up a turn for long (calls run in threads: see below)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class ClaimStore(Protocol):
    async def claim(self, namespace: str, key: str, ttl_seconds: float) -> bool:
        """True for the first caller of (namespace, key) within ``ttl_seconds``."""
        ...

    async def is_claimed(self, namespace: str, key: str) -> bool:
        """True while (namespace, key) is claimed; False also when that cannot be known."""
        ...

    async def close(self) -> None: ...


class MemoryClaims:
    """Bounded in-memory TTL set of claims (one process only)."""

    def __init__(self, max_entries: int = 10000) -> None:
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def _purge(self, now: float) -> None:
        # Entries are kept in insertion order; drop expired ones from the front and
        # the oldest ones beyond max_entries.
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) <= self.max_entries:
                break
            self._seen.popitem(last=False)

    def claim_now(self, namespace: str, key: str, ttl_seconds: float) -> bool:
        now = time.monotonic()
        self._purge(now)
        full = f"{namespace}:{key}"
        expires = self._seen.get(full)
        if expires is not None and expires > now:
            return False
        self._seen.pop(full, None)
        self._seen[full] = now + ttl_seconds
        self._purge(now)
        return True

    async def claim(self, namespace: str, key: str, ttl_seconds: float) -> bool:
        return self.claim_now(namespace, key, ttl_seconds)

    async def is_claimed(self, namespace: str, key: str) -> bool:
        expires = self._seen.get(f"{namespace}:{key}")
        return expires is not None and expires > time.monotonic()

    async def close(self) -> None:
        return None

    def __len__(self) -> int:
        return len(self._seen)

    def __repr__(self) -> str:
        return "MemoryClaims()"


def redis_worker_pool(name: str) -> ThreadPoolExecutor:
    """Threads for Redis calls made from the event loop.

    The client's socket timeout then measures Redis, not the event loop: with
    an asyncio client the timeout also ran while the loop was busy with other
    turns' NLU, and a loaded instance took a healthy Redis for down many times
    a minute (measured by make loadtest), answering redeliveries twice.
    """
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix=name)


class RedisClaims:
    """Claims in Redis with ``SET NX EX``; shared by every instance using the same prefix."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, timeout: float = REDIS_TIMEOUT_SECONDS) -> None:
        import redis  # imported here: the embedded default needs no Redis

        self.prefix = prefix
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self._pool = redis_worker_pool("claims")
        self._down = False
        self._local = MemoryClaims()  # used only while Redis is unreachable

    def key(self, namespace: str, key: str) -> str:
        return f"{self.prefix}{namespace}:{_digest(key)}"

    def _set_once(self, full_key: str, ttl_seconds: float) -> bool:
        """SET NX with a value of our own, asked again once if the first answer did not come back.

        A timeout does not say whether Redis applied the SET. Reading the key
        back tells: our value means the claim is ours, another value means
        another caller had it first. Falling back to memory there would answer
        a redelivery twice.
        """
        mine = uuid.uuid4().hex.encode()
        ttl = max(1, int(ttl_seconds))
        try:
            return bool(self._redis.set(full_key, mine, nx=True, ex=ttl))
        except Exception:  # noqa: BLE001 - asked again below; a second failure counts as an outage
            current = self._redis.get(full_key)
            if current is None:
                return bool(self._redis.set(full_key, mine, nx=True, ex=ttl))
            return current == mine

    async def claim(self, namespace: str, key: str, ttl_seconds: float) -> bool:
        try:
            loop = asyncio.get_running_loop()
            granted = await loop.run_in_executor(self._pool, self._set_once, self.key(namespace, key), ttl_seconds)
        except Exception as exc:  # redis.RedisError, OSError, timeouts: all mean "Redis is not there"
            if not self._down:
                self._down = True
                logger.warning(
                    "Shared state: Redis unreachable (%s); claims are kept in this process until it is back",
                    type(exc).__name__,
                )
            return self._local.claim_now(namespace, key, ttl_seconds)
        if self._down:
            self._down = False
            logger.warning("Shared state: Redis reachable again; claims are shared again")
        return bool(granted)

    async def is_claimed(self, namespace: str, key: str) -> bool:
        try:
            loop = asyncio.get_running_loop()
            return bool(await loop.run_in_executor(self._pool, self._redis.exists, self.key(namespace, key)))
        except Exception:  # noqa: BLE001 - unknown: the caller treats it as not claimed
            return await self._local.is_claimed(namespace, key)

    async def close(self) -> None:
        try:
            self._redis.close()
        except Exception:  # closing a dead connection is not an error worth raising
            pass
        self._pool.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"RedisClaims(prefix={self.prefix!r})"


def claim_store_from_settings(environ=None, max_entries: int = 10000) -> ClaimStore:
    """RedisClaims when TSUNAGARI_REDIS_URL is set, else MemoryClaims."""
    config = settings(environ)
    if config.redis_url:
        return RedisClaims(config.redis_url, config.redis_prefix)
    return MemoryClaims(max_entries)
