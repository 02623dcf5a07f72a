"""Rasa's Redis lock store with atomic ticket updates, and a local fallback.

Configured in cluster/endpoints.yml as ``lock_store: type: lock_store.AtomicRedisLockStore``;
Redis is TSUNAGARI_REDIS_URL (the same Redis as the LINE channel's shared
state), keys prefixed with TSUNAGARI_REDIS_PREFIX's letters and digits.

Why not Rasa's ``RedisLockStore`` as it is: every change of a conversation's
ticket lock is GET → change in Python → SET. Two instances that take a ticket
for the same conversation at the same moment both read the same lock, both
issue the same ticket number and both think they hold the lock, so two turns
of one conversation run at once (RasaHQ/rasa PR #11256; the fix went only into
Rasa Pro). ``benchmarks/bench_lock_race.py`` measures it. Here each change runs
inside a Redis ``WATCH``/``MULTI`` transaction and is retried when another
instance changed the lock in between, so ticket numbers are unique.

When Redis cannot be reached the lock is taken in this process's memory
(Rasa's InMemoryLockStore), with one clear log line per outage and one when
Redis answers again: a resident still gets an answer (two instances may then
serve one conversation at once, which only matters if the same resident's
messages land on both within the outage).

A lock left by a killed instance. Rasa's ticket expires only after the lock
lifetime (60 s with the cluster's settings), so the next turn of that
conversation would wait that long. Each store has an instance id and a
heartbeat key in Redis (TTL ``HEARTBEAT_TTL_SECONDS``, refreshed five
times per TTL by a daemon thread); each ticket's owner is recorded beside the lock.
A waiting turn whose ticket is blocked by a ticket whose owner's heartbeat
has expired removes that ticket and goes first: the wait after a SIGKILL is
bounded by the heartbeat TTL instead of the lifetime. A ticket without a
recorded owner keeps Rasa's behaviour (it expires with its lifetime).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

from tsunagari.config import settings

logger = logging.getLogger(__name__)

DEFAULT_SOCKET_TIMEOUT_SECONDS = 0.5  # a dead Redis must not hold up a turn for long
# An instance whose heartbeat is older than this is taken for dead. Long enough
# that a busy process (the beat needs the GIL for a moment) is never taken
# for dead; short against the 60 s lock lifetime.
HEARTBEAT_TTL_SECONDS = 5.0
BEATS_PER_TTL = 5  # a beat every TTL/5 seconds: four beats may be late before the key expires


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose read-modify-write steps are Redis transactions."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_SECONDS,
        heartbeat_ttl: float = HEARTBEAT_TTL_SECONDS,
        **kwargs: Any,
    ) -> None:
        """Redis from TSUNAGARI_REDIS_URL (one address for all shared state), else the endpoint's settings.

        Rasa passes a custom lock store its ``endpoint_config``; tests and the
        benchmark pass host/port/db/key_prefix directly.
        """
        import redis

        config = settings()
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        kwargs.setdefault("key_prefix", "".join(ch for ch in config.redis_prefix if ch.isalnum()) or None)
        super().__init__(socket_timeout=socket_timeout, **kwargs)
        if config.redis_url and endpoint_config is not None:
            self.red = redis.StrictRedis.from_url(config.redis_url, socket_timeout=socket_timeout)
        # Rasa's constructor sets no connect timeout: without one a stopped Redis
        # costs a full TCP connect timeout per call.
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = socket_timeout
        self._local = InMemoryLockStore()
        self._down = False
        self.instance_id = uuid.uuid4().hex
        self.heartbeat_ttl = heartbeat_ttl
        base = self.key_prefix[: -len(DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX)]
        self._owner_prefix = base + "lock_owner:"
        self._heartbeat_prefix = base + "lock_heartbeat:"
        self._heartbeat_stop = threading.Event()
        self._heartbeat_thread: threading.Thread | None = None

    # -- instance heartbeat ----------------------------------------------------------
    def _heartbeat_key(self, instance_id: str) -> str:
        return self._heartbeat_prefix + instance_id

    def _owner_key(self, conversation_id: str) -> str:
        return self._owner_prefix + conversation_id

    def beat(self) -> None:
        """Say in Redis that this instance is alive (for ``heartbeat_ttl`` seconds)."""
        self.red.set(self._heartbeat_key(self.instance_id), b"1", px=int(self.heartbeat_ttl * 1000))

    def _ensure_heartbeat(self) -> None:
        """Start the heartbeat thread on first use (nothing runs at construction or import)."""
        if self._heartbeat_thread is not None and self._heartbeat_thread.is_alive():
            return
        self.beat()  # before the first ticket is visible to other instances
        self._heartbeat_stop.clear()
        self._heartbeat_thread = threading.Thread(target=self._heartbeat_loop, name="lock-heartbeat", daemon=True)
        self._heartbeat_thread.start()

    def _heartbeat_loop(self) -> None:
        import redis

        while not self._heartbeat_stop.wait(self.heartbeat_ttl / BEATS_PER_TTL):
            try:
                self.beat()
            except (redis.RedisError, OSError):
                pass  # the outage is logged by the lock calls themselves

    def stop_heartbeat(self) -> None:
        """Stop beating (tests use it to play a killed instance)."""
        self._heartbeat_stop.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(self.heartbeat_ttl)
        self._heartbeat_thread = None

    # -- the transaction helper --------------------------------------------------
    def _transaction(
        self,
        conversation_id: str,
        change: Callable[[TicketLock | None], tuple[Any, TicketLock | None]],
        also: Callable[[Any, Any], None] | None = None,
    ):
        """Apply ``change`` to the stored lock atomically; it returns (result, new lock or None to delete).

        ``also(pipe, result)`` queues further commands in the same transaction.
        """
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    result, new_lock = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key, self._owner_key(conversation_id))
                    else:
                        pipe.set(key, new_lock.dumps())
                    if also is not None:
                        also(pipe, result)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another instance changed the lock first: read it again

    def _redis_call(self, operation: str, call: Callable[[], Any], fallback: Callable[[], Any]) -> Any:
        import redis

        try:
            result = call()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            if not self._down:
                self._down = True
                logger.error(
                    "Lock store: Redis unreachable during %s (%s); conversations are locked in this "
                    "process until it answers again.",
                    operation,
                    type(exc).__name__,
                )
            return fallback()
        if self._down:
            self._down = False
            logger.warning("Lock store: Redis answers again; conversation locks are shared again.")
        return result

    # -- LockStore API -------------------------------------------------------------
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[int, TicketLock]:
            lock = lock or TicketLock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        def record_owner(pipe: Any, ticket: int) -> None:
            owners = self._owner_key(conversation_id)
            pipe.hset(owners, str(ticket), self.instance_id)
            pipe.expire(owners, int(lock_lifetime) + 60)

        def issue() -> int:
            self._ensure_heartbeat()
            return self._transaction(conversation_id, change, record_owner)

        if self._held_locally(conversation_id):
            return self._local.issue_ticket(conversation_id, lock_lifetime)
        try:
            return self._redis_call(
                "issue_ticket",
                issue,
                lambda: self._local.issue_ticket(conversation_id, lock_lifetime),
            )
        except LockError:
            raise
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def _held_locally(self, conversation_id: str) -> bool:
        """True while a ticket issued during an outage is still in memory: it is finished there."""
        return self._local.get_lock(conversation_id) is not None

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        if self._held_locally(conversation_id):
            return self._local.get_lock(conversation_id)
        return self._redis_call(
            "get_lock",
            lambda: super(AtomicRedisLockStore, self).get_lock(conversation_id),
            lambda: self._local.get_lock(conversation_id),
        )

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        if self._held_locally(conversation_id):
            return self._local.update_lock(conversation_id)
        self._redis_call(
            "update_lock",
            lambda: self._transaction(conversation_id, change),
            lambda: self._local.update_lock(conversation_id),
        )

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock when no one else waits, in one transaction."""

        def change(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return None, lock if lock.is_someone_waiting() else None

        if self._held_locally(conversation_id):
            return self._local.cleanup(conversation_id, ticket_number)
        self._redis_call(
            "cleanup",
            lambda: self._transaction(conversation_id, change, self._forget_owner(conversation_id, ticket_number)),
            lambda: self._local.cleanup(conversation_id, ticket_number),
        )

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        if self._held_locally(conversation_id):
            return self._local.finish_serving(conversation_id, ticket_number)
        self._redis_call(
            "finish_serving",
            lambda: self._transaction(conversation_id, change, self._forget_owner(conversation_id, ticket_number)),
            lambda: self._local.finish_serving(conversation_id, ticket_number),
        )

    def _forget_owner(self, conversation_id: str, ticket_number: int) -> Callable[[Any, Any], None]:
        return lambda pipe, _result: pipe.hdel(self._owner_key(conversation_id), str(ticket_number))

    def take_over_from_dead_owner(self, conversation_id: str, ticket: int) -> bool:
        """Remove the ticket served before ``ticket`` if its owner instance's heartbeat expired.

        True when a ticket was removed. The check and the removal are one
        transaction on the lock key, so two waiters cannot both remove it.
        """
        import redis

        key = self.key_prefix + conversation_id
        owners = self._owner_key(conversation_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    if lock is None:
                        return False
                    serving = lock.now_serving
                    if serving == ticket or lock._ticket_for_ticket_number(serving) is None:
                        return False
                    owner = pipe.hget(owners, str(serving))
                    if owner is None:
                        return False  # not recorded: Rasa's lifetime applies
                    owner = owner.decode()
                    if owner == self.instance_id or pipe.exists(self._heartbeat_key(owner)):
                        return False
                    lock.remove_ticket_for(serving)
                    pipe.multi()
                    pipe.set(key, lock.dumps())
                    pipe.hdel(owners, str(serving))
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, except that a ticket which expired while waiting is queued again.

        Rasa's loop waits for ``now_serving == ticket``. When the holder of the
        ticket before ours was killed, its ticket and ours may expire within one
        poll; then no ticket is served and Rasa's loop never ends (measured by
        benchmarks/bench_lock_race.py: the waiting turn was never answered).
        And a ticket held by an instance without a heartbeat is taken over
        (``take_over_from_dead_owner``) instead of waited out.
        """
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if lock is None or lock._ticket_for_ticket_number(ticket) is None:
                    logger.warning(
                        "Lock store: a waiting turn's ticket expired (the turn before it never finished, "
                        "e.g. its instance was killed); queuing it again."
                    )
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                if not lock.is_locked(ticket):
                    break
                if not self._held_locally(conversation_id) and self._redis_call(
                    "take_over", lambda t=ticket: self.take_over_from_dead_owner(conversation_id, t), lambda: False
                ):
                    logger.warning(
                        "Lock store: the instance serving a conversation stopped (no heartbeat); "
                        "the waiting turn takes its place."
                    )
                    continue
                await asyncio.sleep(wait_time_in_seconds)
                self.update_lock(conversation_id)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

    def __repr__(self) -> str:
        return f"AtomicRedisLockStore(prefix={self.key_prefix!r})"
