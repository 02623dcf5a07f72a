"""Pseudonymous sender IDs for LINE users.

LINE user IDs (``U`` followed by 32 hex characters) identify a person across
every LINE Official Account of the same provider, so they must never reach the
tracker store or the logs. The LINE channel turns each one into a keyed hash
(HMAC-SHA256 with ``LINE_USER_ID_SECRET``) before it becomes the Rasa sender
ID. The same user always gets the same sender ID while the secret stays the
same; without the secret the hash cannot be linked back to the LINE user ID.

Plain module: no rasa / rasa_sdk imports.
"""

from __future__ import annotations

import hashlib
import hmac

from .config import ENV_NAMES

ENV_VAR = ENV_NAMES["line_user_id_secret"]
SENDER_PREFIX = "line-"


class MissingSecretError(RuntimeError):
    """Raised when no hashing secret is configured."""


def _as_bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def hash_line_user_id(user_id: str, secret: str | bytes) -> str:
    """Return the sender ID for a LINE user ID: ``line-`` + 64 hex characters.

    >>> hash_line_user_id("U0123", "s3cret") == hash_line_user_id("U0123", "s3cret")
    True
    """
    if not user_id:
        raise ValueError("empty LINE user id")
    key = _as_bytes(secret)
    if not key:
        raise MissingSecretError(f"{ENV_VAR} is empty")
    digest = hmac.new(key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest


def is_hashed_sender_id(sender_id: str) -> bool:
    """True if ``sender_id`` has the shape produced by :func:`hash_line_user_id`."""
    rest = sender_id[len(SENDER_PREFIX) :] if sender_id.startswith(SENDER_PREFIX) else ""
    return len(rest) == 64 and all(c in "0123456789abcdef" for c in rest)
