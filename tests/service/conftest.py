"""Service end-to-end tests: the real Rasa server started the way `make run` starts it."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from tests.pg_databases import PgDatabase, pg_database  # noqa: E402,F401  (fixture)


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: slow end-to-end test that starts the real Rasa server")
