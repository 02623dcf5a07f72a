from datetime import datetime, timezone

import pytest

from tsunagari import clock


def test_now_is_aware_tokyo():
    value = clock.now()
    assert value.tzinfo is not None
    assert value.utcoffset().total_seconds() == 9 * 3600


def test_env_override_naive_means_tokyo(monkeypatch):
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-29T23:30")
    value = clock.now()
    assert (value.year, value.month, value.day, value.hour, value.minute) == (2026, 11, 29, 23, 30)
    assert value.tzinfo == clock.TOKYO


def test_env_override_with_offset_is_converted(monkeypatch):
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-29T14:30:00Z")
    assert clock.now() == datetime(2026, 11, 29, 23, 30, tzinfo=clock.TOKYO)
    assert clock.now().astimezone(timezone.utc).hour == 14


def test_malformed_override_raises_clear_error(monkeypatch):
    monkeypatch.setenv("TSUNAGARI_NOW", "tomorrow evening")
    with pytest.raises(clock.ClockError, match="TSUNAGARI_NOW"):
        clock.now()


def test_empty_override_is_ignored(monkeypatch):
    monkeypatch.setenv("TSUNAGARI_NOW", "  ")
    assert clock.now().tzinfo is not None
