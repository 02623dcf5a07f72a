"""Rasa adapter: the conversation store (see tracker_store/private_sql.py)."""

from tracker_store.private_sql import PrivateSQLTrackerStore

__all__ = ["PrivateSQLTrackerStore"]
