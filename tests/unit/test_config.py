"""tsunagari.config is the only place that reads the environment."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from tsunagari.config import DEFAULT_LINE_API_BASE, ENV_NAMES, Settings, settings

ROOT = Path(__file__).resolve().parents[2]
# Runtime code (tests and tools may set up environments for subprocesses).
RUNTIME_DIRS = ("tsunagari", "actions", "channels", "components")
ENV_READ = re.compile(r"os\.environ|os\.getenv|getenv\(")


def test_every_field_has_one_environment_variable():
    assert sorted(ENV_NAMES) == sorted(f.name for f in fields(Settings))
    assert len(set(ENV_NAMES.values())) == len(ENV_NAMES)


def test_values_come_from_the_given_environment_and_blank_means_default():
    config = settings({"TSUNAGARI_DATABASE_URL": " sqlite:///x.db ", "LINE_API_BASE": "   "})
    assert config.database_url == "sqlite:///x.db"
    assert config.line_api_base == DEFAULT_LINE_API_BASE
    with pytest.raises(FrozenInstanceError):
        config.database_url = "other"  # type: ignore[misc]


def test_settings_are_read_fresh_so_monkeypatch_works(monkeypatch):
    monkeypatch.setenv("TSUNAGARI_NOW", "2026-11-29T23:30")
    assert settings().now_override == "2026-11-29T23:30"
    monkeypatch.delenv("TSUNAGARI_NOW")
    assert settings().now_override == ""


def test_no_runtime_module_reads_the_environment_itself():
    offenders = []
    for folder in RUNTIME_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "tsunagari" / "config.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ENV_READ.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "read the environment through tsunagari.config.settings():\n" + "\n".join(offenders)
