"""LINE events in flight, handed over when the instance handling them dies.

The LINE channel answers a webhook with 200 at once and handles its events
afterwards, and it claims each ``webhookEventId`` so that a redelivery is
answered once (tsunagari.claims). When a Rasa instance is killed between the
200 and its reply, LINE does not redeliver (it saw the 200), and a
redelivery would be dropped anyway (the dead instance holds the claim): the
resident never gets an answer. ``make loadtest`` measured exactly that.

So, with several instances (``TSUNAGARI_REDIS_URL`` set), each instance keeps
the events it is handling in a Redis hash of its own, beside a heartbeat key
with a short TTL. Every instance looks for hashes whose owner's heartbeat has
expired, takes one over with an atomic ``RENAME`` (of two instances racing,
exactly one gets it) and handles its events. An event is thus answered once
even when its instance dies, unless the instance dies in the few milliseconds
between sending the reply and removing the event (then it is answered twice).

What is kept: the LINE event as received (the raw LINE user id, the text and
the reply token), in Redis memory only, for the duration of the turn, with a
TTL of ``INFLIGHT_TTL_SECONDS`` as a bound. It is needed to answer the
resident; nothing is written to disk by this module.

With one process (no Redis) there is nobody to hand over to: ``NoInflight``.
Redis errors never hold up a turn: the event is then handled without a
safety net, and the outage is logged once by the claims store.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from typing import Any, Protocol

from .claims import redis_worker_pool
from .config import settings

logger = logging.getLogger(__name__)

HEARTBEAT_TTL_SECONDS = 5.0  # an instance silent this long is taken for dead
BEATS_PER_TTL = 5
INFLIGHT_TTL_SECONDS = 120  # a reply token is valid for about a minute; after that only a push helps
REDIS_TIMEOUT_SECONDS = 0.5


class InflightStore(Protocol):
    async def begin(self, event_id: str, event: dict[str, Any]) -> None: ...

    async def done(self, event_id: str) -> None: ...

    async def orphans(self) -> list[dict[str, Any]]:
        """Events of dead instances, each returned to exactly one caller."""
        ...

    async def close(self) -> None: ...


class NoInflight:
    """One process: nothing to hand over."""

    async def begin(self, event_id: str, event: dict[str, Any]) -> None:
        return None

    async def done(self, event_id: str) -> None:
        return None

    async def orphans(self) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return "NoInflight()"


class RedisInflight:
    """Events in flight per instance in Redis, with a heartbeat; see the module docstring.

    Redis calls run in threads (``tsunagari.claims.redis_worker_pool``), and the
    heartbeat in a thread of its own: a busy event loop must neither time out
    a healthy Redis nor make a live instance look dead (both measured by
    make loadtest).
    """

    def __init__(
        self,
        url: str,
        prefix: str = "tsunagari:",
        heartbeat_ttl: float = HEARTBEAT_TTL_SECONDS,
        timeout: float = REDIS_TIMEOUT_SECONDS,
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._pool = redis_worker_pool("inflight")
        self.prefix = prefix
        self.instance_id = uuid.uuid4().hex
        self.heartbeat_ttl = heartbeat_ttl
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def _events_key(self, instance_id: str) -> str:
        return f"{self.prefix}line-inflight:{instance_id}"

    def _alive_key(self, instance_id: str) -> str:
        return f"{self.prefix}line-alive:{instance_id}"

    def beat(self) -> None:
        self._redis.set(self._alive_key(self.instance_id), b"1", px=int(self.heartbeat_ttl * 1000))

    def _beat_forever(self) -> None:
        while not self._stop.wait(self.heartbeat_ttl / BEATS_PER_TTL):
            try:
                self.beat()
            except Exception:  # Redis down: the claims store logs the outage
                pass

    def start(self) -> None:
        """Start the heartbeat thread on first use (nothing runs at construction)."""
        if self._beating is None or not self._beating.is_alive():
            self.beat()
            self._stop.clear()
            self._beating = threading.Thread(target=self._beat_forever, name="line-inflight-heartbeat", daemon=True)
            self._beating.start()

    def stop_heartbeat(self) -> None:
        """Stop beating, as a killed instance does (tests; close)."""
        self._stop.set()
        if self._beating is not None:
            self._beating.join(self.heartbeat_ttl)
        self._beating = None

    async def _off_loop(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    def _begin_sync(self, event_id: str, event: dict[str, Any]) -> None:
        if self._beating is None:
            self.start()
        key = self._events_key(self.instance_id)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, event_id, json.dumps(event, ensure_ascii=False))
            pipe.expire(key, INFLIGHT_TTL_SECONDS)
            pipe.execute()

    async def begin(self, event_id: str, event: dict[str, Any]) -> None:
        try:
            await self._off_loop(self._begin_sync, event_id, event)
        except Exception as exc:
            logger.debug("LINE: event not registered in flight (%s)", type(exc).__name__)

    async def done(self, event_id: str) -> None:
        try:
            await self._off_loop(self._redis.hdel, self._events_key(self.instance_id), event_id)
        except Exception as exc:
            logger.debug("LINE: in-flight event not removed (%s)", type(exc).__name__)

    def _orphans_sync(self) -> list[dict[str, Any]]:
        import redis

        found: list[dict[str, Any]] = []
        for raw_key in self._redis.scan_iter(match=self._events_key("*"), count=200):
            key = raw_key.decode()
            owner = key.rsplit(":", 1)[1]
            if owner == self.instance_id or self._redis.exists(self._alive_key(owner)):
                continue
            taken = f"{self.prefix}line-recovering:{self.instance_id}:{uuid.uuid4().hex}"
            try:
                self._redis.rename(key, taken)
            except redis.ResponseError:
                continue  # another instance took it first
            events = self._redis.hgetall(taken)
            self._redis.delete(taken)
            found.extend(json.loads(v) for v in events.values())
        return found

    async def orphans(self) -> list[dict[str, Any]]:
        try:
            return await self._off_loop(self._orphans_sync)
        except Exception as exc:
            logger.warning("LINE: in-flight scan failed (%s)", type(exc).__name__)
            return []

    async def close(self) -> None:
        self.stop_heartbeat()
        try:
            self._redis.close()
        except Exception:
            pass
        self._pool.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"RedisInflight(prefix={self.prefix!r})"


def inflight_store_from_settings(environ=None) -> InflightStore:
    """RedisInflight when TSUNAGARI_REDIS_URL is set, else NoInflight."""
    config = settings(environ)
    if config.redis_url:
        return RedisInflight(config.redis_url, config.redis_prefix)
    return NoInflight()
