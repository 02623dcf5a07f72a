"""The lookup core stands alone: no seed, no engine, no cycle; entries cannot change."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from tsunagari.directory.snapshot import get_snapshot


def _modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_lookup_imports_neither_the_seed_nor_the_database_nor_the_repository():
    loaded = _modules_after_import("tsunagari.directory.lookup")
    for module in (
        "tsunagari.db",
        "tsunagari.directory.seed",
        "tsunagari.directory.repository",
        "tsunagari.directory.importer",
    ):
        assert module not in loaded, module


def test_database_module_does_not_import_the_seed():
    assert "tsunagari.directory.seed" not in _modules_after_import("tsunagari.db")


def test_snapshot_entries_are_frozen(session):
    entry = get_snapshot(session).entries[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.name = "changed"  # type: ignore[misc]
    assert isinstance(entry.contacts, tuple) and isinstance(entry.channels, tuple)
