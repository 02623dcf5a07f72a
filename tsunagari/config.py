"""Settings from the environment, in one place.

Every environment variable the project reads is a field here, with its
documented default. Modules call ``settings()`` (read fresh on every call, so
tests and the CLI can change the environment) instead of ``os.environ``.
Secrets are only ever read from the environment, never from files in git.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

DEFAULT_LINE_API_BASE = "https://api.line.me"


@dataclass(frozen=True)
class Settings:
    """One immutable snapshot of the environment.

    Each field's metadata is not used at run time; the names of the variables
    are the field names upper-cased with the ``env`` prefix shown in ENV_NAMES.
    """

    # Directory database (SQLAlchemy URL); empty means SQLite under var/.
    database_url: str = ""
    # ISO datetime that pins the clock (tests, replays); empty means real time.
    now_override: str = ""
    # LINE Messaging API; the channel is enabled only when both are set.
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    # HMAC key that turns LINE user IDs into anonymous sender IDs.
    line_user_id_secret: str = ""
    line_api_base: str = DEFAULT_LINE_API_BASE
    # Conversation (tracker) store, SQLAlchemy URL; empty means SQLite var/tracker.sqlite3.
    tracker_url: str = ""
    # What of the residents' text is stored: "redacted" (default) or "none".
    store_text: str = "redacted"
    # Conversations whose last event is older than this many days are deleted.
    retention_days: str = "30"
    # Token for Rasa's HTTP API (--auth-token); empty means var/api_token.
    api_token: str = ""
    # Comma-separated CORS origins; empty means the server's own origin only.
    allowed_origins: str = ""
    # "1" lets `make run` pass --debug (which logs message text) to Rasa.
    allow_debug_logs: str = ""
    # Redis for state shared by several Rasa instances (LINE dedup, reply tokens);
    # empty means in memory (one process). e.g. redis://127.0.0.1:6379/0
    redis_url: str = ""
    # Prefix of every key this deployment writes to Redis.
    redis_prefix: str = "tsunagari:"
    # Seconds Rasa waits for one custom action; the lock lifetime follows from it
    # (tsunagari.cluster.turn_bounds), so no turn outlives its conversation lock.
    action_timeout: str = "5"
    # SQLAlchemy pool of the tracker store on PostgreSQL, per Rasa process
    # (instances x (size + overflow) must stay under max_connections; see make cluster).
    tracker_pool_size: str = "5"
    tracker_max_overflow: str = "10"


# Field name -> environment variable. One table, so the README can list it.
ENV_NAMES: dict[str, str] = {
    "database_url": "TSUNAGARI_DATABASE_URL",
    "now_override": "TSUNAGARI_NOW",
    "line_channel_secret": "LINE_CHANNEL_SECRET",
    "line_channel_access_token": "LINE_CHANNEL_ACCESS_TOKEN",
    "line_user_id_secret": "LINE_USER_ID_SECRET",
    "line_api_base": "LINE_API_BASE",
    "tracker_url": "TSUNAGARI_TRACKER_URL",
    "store_text": "TSUNAGARI_STORE_TEXT",
    "retention_days": "TSUNAGARI_RETENTION_DAYS",
    "api_token": "TSUNAGARI_API_TOKEN",
    "allowed_origins": "TSUNAGARI_ALLOWED_ORIGINS",
    "allow_debug_logs": "TSUNAGARI_ALLOW_DEBUG_LOGS",
    "redis_url": "TSUNAGARI_REDIS_URL",
    "redis_prefix": "TSUNAGARI_REDIS_PREFIX",
    "action_timeout": "TSUNAGARI_ACTION_TIMEOUT",
    "tracker_pool_size": "TSUNAGARI_TRACKER_POOL_SIZE",
    "tracker_max_overflow": "TSUNAGARI_TRACKER_MAX_OVERFLOW",
}


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings read from ``environ`` (default: the process environment).

    Empty or whitespace-only values count as unset and give the default.
    """
    env = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        raw = env.get(ENV_NAMES[f.name], "")
        raw = raw.strip() if isinstance(raw, str) else ""
        if raw:
            values[f.name] = raw
    return Settings(**values)


def export(values: Mapping[str, str]) -> None:
    """Set variables in this process's environment (seen by Rasa and child processes).

    The one place that writes the environment, as settings() is the one that reads it.
    """
    os.environ.update(values)
