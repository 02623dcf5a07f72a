"""Cluster sizing: no turn outlives its lock, and the pools fit PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tsunagari.cluster import TURN_MARGIN_SECONDS, connection_budget, turn_bounds

ROOT = Path(__file__).resolve().parents[2]


def test_lock_lifetime_exceeds_the_longest_possible_turn():
    bounds = turn_bounds(5)
    assert bounds.lock_lifetime == 60  # Rasa's default lifetime, now with a reason
    for timeout in (0.5, 2, 5, 7.3, 30):
        b = turn_bounds(timeout)
        assert b.lock_lifetime >= b.max_predictions * timeout + TURN_MARGIN_SECONDS
    with pytest.raises(ValueError):
        turn_bounds(0)


def test_connection_budget():
    budget = connection_budget(100, 3, 10, processes=4, pool_size=5, max_overflow=10)
    assert budget.needed == 60 and budget.available == 87 and budget.fits
    too_many = connection_budget(100, 3, 10, processes=7, pool_size=5, max_overflow=10)
    assert not too_many.fits and "needed at most 105" in too_many.describe()


def test_rasa_server_applies_the_bounds_before_rasa_reads_them():
    code = (
        "import sys; sys.path.insert(0, 'scripts'); import rasa_server; rasa_server.apply_turn_bounds();"
        "import rasa.core.actions.action as a, rasa.core.lock_store as l;"
        "print(a.DEFAULT_REQUEST_TIMEOUT, l.LOCK_LIFETIME)"
    )
    env = {"PATH": "/usr/bin:/bin", "TSUNAGARI_ACTION_TIMEOUT": "2", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["2.0", "30"]
