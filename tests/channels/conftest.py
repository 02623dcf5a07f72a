"""Shared setup for channel tests (and the `stack` fixture for the real Rasa stack).

Registers the ``e2e`` marker (slow tests that start the real Rasa stack; they
still run in ``make test``) and makes the repository root and this folder
importable whatever pytest import mode is used."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "e2e: slow end-to-end test that starts the real Rasa server, action server "
        "and fakes of external services (runs in `make test`; deselect with -m 'not e2e')",
    )


@pytest.fixture(scope="module")
def stack():
    import rasa_stack

    try:
        return rasa_stack.shared_stack()
    except FileNotFoundError as exc:  # `make test-e2e` trains first: a missing model is a failure
        pytest.fail(str(exc))
