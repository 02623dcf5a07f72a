"""Current time in Asia/Tokyo, overridable so demos and tests can pin "now"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .config import ENV_NAMES, settings

TOKYO = ZoneInfo("Asia/Tokyo")
ENV_NOW = ENV_NAMES["now_override"]


class ClockError(ValueError):
    """Raised when TSUNAGARI_NOW cannot be understood."""


def to_tokyo(value: datetime) -> datetime:
    """Return an aware Tokyo datetime; naive values are taken as Tokyo wall time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=TOKYO)
    return value.astimezone(TOKYO)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO datetime (naive = Tokyo time) into an aware Tokyo datetime."""
    raw = text.strip()
    if raw.endswith("Z"):  # accepted by fromisoformat only from 3.11
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ClockError(
            f"Invalid ISO datetime {text!r}; expected e.g. 2026-11-29T23:30 or 2026-11-29T23:30:00+09:00"
        ) from None
    return to_tokyo(parsed)


def now() -> datetime:
    """Aware datetime in Asia/Tokyo; TSUNAGARI_NOW pins it (read on every call)."""
    override = settings().now_override
    if override:
        try:
            return parse_datetime(override)
        except ClockError as exc:
            raise ClockError(f"{ENV_NOW} is malformed: {exc}") from None
    return datetime.now(TOKYO)


def part_of_day(moment: datetime) -> str:
    """Which greeting fits `moment` in Tokyo: late_night, morning, day or evening.

    Late night runs 0:00-4:59 (people who write then have not slept yet, so
    「おはようございます」 would be wrong), morning 5:00-10:59, day
    11:00-17:59, evening 18:00-23:59.
    """
    hour = to_tokyo(moment).hour
    if hour < 5:
        return "late_night"
    if hour < 11:
        return "morning"
    if hour < 18:
        return "day"
    return "evening"
