"""Once-only claims: the in-memory default and the Redis backend shared by instances."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from redis_keys import REDIS_URL, RedisPrefix  # noqa: E402

from tsunagari.claims import MemoryClaims, RedisClaims, claim_store_from_settings  # noqa: E402
from tsunagari.config import ENV_NAMES  # noqa: E402


@pytest.fixture
def redis_prefix():
    prefix = RedisPrefix()
    yield prefix
    prefix.cleanup()


async def test_memory_claim_is_granted_once_until_it_expires():
    claims = MemoryClaims()
    assert await claims.claim("e", "id-1", 60)
    assert not await claims.claim("e", "id-1", 60)
    assert await claims.claim("other", "id-1", 60)  # namespaces are separate
    assert claims.claim_now("e", "short", -1)
    assert claims.claim_now("e", "short", 60)  # the expired claim is free again


def test_memory_claims_are_bounded():
    claims = MemoryClaims(max_entries=5)
    for i in range(50):
        claims.claim_now("e", str(i), 3600)
    assert len(claims) == 5


def test_settings_choose_the_backend():
    assert isinstance(claim_store_from_settings({}), MemoryClaims)
    store = claim_store_from_settings({ENV_NAMES["redis_url"]: REDIS_URL, ENV_NAMES["redis_prefix"]: "p:"})
    assert isinstance(store, RedisClaims) and store.prefix == "p:"


async def test_redis_claim_is_atomic_across_instances(redis_prefix):
    # Two stores = two Rasa instances; 40 concurrent claims of one key: exactly one wins.
    first = RedisClaims(REDIS_URL, redis_prefix.prefix)
    second = RedisClaims(REDIS_URL, redis_prefix.prefix)
    try:
        results = await asyncio.gather(*(s.claim("line-event", "EVT1", 60) for s in [first, second] * 20))
        assert results.count(True) == 1
        assert await first.claim("line-event", "EVT2", 60)
        assert not await second.claim("line-event", "EVT2", 60)
    finally:
        await first.close()
        await second.close()


async def test_redis_keys_expire_and_hide_the_raw_key(redis_prefix):
    store = RedisClaims(REDIS_URL, redis_prefix.prefix)
    try:
        assert await store.claim("line-reply-token", "raw-reply-token-abc", 90)
    finally:
        await store.close()
    [key] = redis_prefix.keys()
    assert b"raw-reply-token-abc" not in key
    assert 0 < redis_prefix.conn.ttl(key) <= 90


async def test_redis_outage_falls_back_to_memory_and_logs_once(caplog, redis_prefix):
    from net_ports import closed_port

    store = RedisClaims(f"redis://127.0.0.1:{closed_port()}/0", redis_prefix.prefix, timeout=0.2)
    caplog.set_level(logging.WARNING, logger="tsunagari.claims")
    try:
        assert await store.claim("line-event", "EVT", 60)  # granted: the resident gets an answer
        assert not await store.claim("line-event", "EVT", 60)  # still caught within this process
        assert await store.claim("line-event", "EVT-2", 60)
    finally:
        await store.close()
    warnings = [r.getMessage() for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1


async def test_a_claim_whose_answer_timed_out_is_read_back_not_given_twice(redis_prefix):
    # Redis applied the SET but the answer came too late (a busy event loop): the claim is
    # still ours, and the other instance's claim of the same key is refused.
    import redis

    first = RedisClaims(REDIS_URL, redis_prefix.prefix)
    second = RedisClaims(REDIS_URL, redis_prefix.prefix)
    real_set = first._redis.set

    def set_then_time_out(*args, **kwargs):
        real_set(*args, **kwargs)
        raise redis.TimeoutError("Timeout reading from socket")

    first._redis.set = set_then_time_out
    assert await first.claim("e", "late-answer", 60)
    assert not first._down  # not taken for an outage
    assert not await second.claim("e", "late-answer", 60)
    await first.close()
    await second.close()


async def test_is_claimed_tells_a_taken_key_from_a_free_one(redis_prefix):
    for claims in (MemoryClaims(), RedisClaims(REDIS_URL, redis_prefix.prefix)):
        assert not await claims.is_claimed("t", "token-1")
        assert await claims.claim("t", "token-1", 60)
        assert await claims.is_claimed("t", "token-1")
        await claims.close()
