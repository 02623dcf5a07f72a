"""Conversations waiting for the tracker database, shared between Rasa instances.

While PostgreSQL is down, each instance used to keep the turns it could not
write in its own memory. With several instances behind round-robin, a
conversation's next turn often lands on the other instance, which did not
have those turns: it answered from an older state, and the write-back after
the outage could store the turns out of order. An instance killed during the
outage lost its waiting turns for good (``make loadtest`` measured both).

So, when ``TSUNAGARI_REDIS_URL`` is set, a conversation that could not be
written is also put in Redis, as the same redacted events the database
would hold (``tsunagari.privacy.events.storable_event``), under a key of its
own with a TTL. Any instance reads it from there during the outage, and any
instance writes it to the database afterwards: the one that next reads the
conversation, or the watcher thread of the tracker store.

Redis errors never hold up a turn: after one, Redis is not asked again for
``BACKOFF_SECONDS`` and the conversation waits in this process's memory, as
before. Log lines carry neither sender ids nor text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any, Protocol

logger = logging.getLogger(__name__)

TTL_SECONDS = 7 * 24 * 3600  # an outage longer than a week needs a person anyway
REDIS_TIMEOUT_SECONDS = 0.5
BACKOFF_SECONDS = 5.0
NAMESPACE = "pending:"

# Delete the key only if it still holds the value that was written to the
# database: a newer version put meanwhile by another instance must stay.
_DELETE_IF_UNCHANGED = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class Entry:
    """One waiting conversation: its sender id and its events (as stored), with the raw value."""

    __slots__ = ("sender_id", "events", "raw")

    def __init__(self, sender_id: str, events: list[dict[str, Any]], raw: bytes) -> None:
        self.sender_id = sender_id
        self.events = events
        self.raw = raw


class SharedPending(Protocol):
    enabled: bool

    def put(self, sender_id: str, events: list[dict[str, Any]]) -> bool: ...

    def get(self, sender_id: str) -> Entry | None: ...

    def delete(self, sender_id: str, entry: Entry | None = None) -> None: ...

    def entries(self) -> list[Entry]: ...


class NoSharedPending:
    """One process (no Redis): waiting conversations stay in the tracker store's memory only."""

    enabled = False

    def put(self, sender_id: str, events: list[dict[str, Any]]) -> bool:
        return False

    def get(self, sender_id: str) -> Entry | None:
        return None

    def delete(self, sender_id: str, entry: Entry | None = None) -> None:
        return None

    def entries(self) -> list[Entry]:
        return []


def _digest(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:32]


class RedisPending:
    """Waiting conversations in Redis, one key each (``<prefix>pending:<digest of the sender id>``)."""

    enabled = True

    def __init__(self, url: str, prefix: str, timeout: float = REDIS_TIMEOUT_SECONDS) -> None:
        import redis  # imported here: the embedded default needs no Redis

        self.prefix = prefix + NAMESPACE
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._delete_if_unchanged = self._redis.register_script(_DELETE_IF_UNCHANGED)
        self._resting_until = 0.0
        self._down = False

    def key(self, sender_id: str) -> str:
        return self.prefix + _digest(sender_id)

    # -- outage bookkeeping --------------------------------------------------
    def _available(self) -> bool:
        return time.monotonic() >= self._resting_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        self._resting_until = time.monotonic() + BACKOFF_SECONDS
        if not self._down:
            logger.warning(
                "Shared waiting conversations: Redis unreachable during %s (%s); waiting turns stay in "
                "this instance's memory.",
                operation,
                type(exc).__name__,
            )
        self._down = True

    def _answered(self) -> None:
        if self._down:
            logger.info("Shared waiting conversations: Redis answers again.")
        self._down = False

    # -- operations ------------------------------------------------------------
    def put(self, sender_id: str, events: list[dict[str, Any]]) -> bool:
        """Store the conversation's events; False when Redis could not take them."""
        if not self._available():
            return False
        value = json.dumps({"sender_id": sender_id, "events": events}, ensure_ascii=False)
        try:
            self._redis.set(self.key(sender_id), value.encode("utf-8"), ex=TTL_SECONDS)
        except Exception as exc:  # noqa: BLE001 - any client error is an outage here
            self._failed("put", exc)
            return False
        self._answered()
        return True

    def get(self, sender_id: str) -> Entry | None:
        if not self._available():
            return None
        try:
            raw = self._redis.get(self.key(sender_id))
        except Exception as exc:  # noqa: BLE001
            self._failed("read", exc)
            return None
        self._answered()
        return _decode(raw)

    def delete(self, sender_id: str, entry: Entry | None = None) -> None:
        """Remove the conversation; with ``entry``, only if nobody stored a newer version since."""
        if not self._available():
            return
        try:
            if entry is None:
                self._redis.delete(self.key(sender_id))
            else:
                self._delete_if_unchanged(keys=[self.key(sender_id)], args=[entry.raw])
        except Exception as exc:  # noqa: BLE001
            self._failed("delete", exc)
            return
        self._answered()

    def entries(self) -> list[Entry]:
        """Every waiting conversation (for the write-back after an outage)."""
        if not self._available():
            return []
        try:
            found = []
            for key in self._redis.scan_iter(match=self.prefix + "*", count=200):
                entry = _decode(self._redis.get(key))
                if entry is not None:
                    found.append(entry)
        except Exception as exc:  # noqa: BLE001
            self._failed("listing", exc)
            return []
        self._answered()
        return found


def _decode(raw: bytes | None) -> Entry | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Entry(str(data["sender_id"]), list(data["events"]), raw)
    except (ValueError, KeyError, TypeError):
        logger.warning("Shared waiting conversations: an unreadable entry was skipped.")
        return None


def shared_pending(url: str, prefix: str) -> SharedPending:
    """Redis when a URL is configured, else nothing shared."""
    return RedisPending(url, prefix) if url else NoSharedPending()
