"""Rasa adapter: the conversation lock store for several instances (see lock_store/atomic_redis.py)."""

from lock_store.atomic_redis import AtomicRedisLockStore

__all__ = ["AtomicRedisLockStore"]
