"""Make a directory database ready: migrate it, and load the seed into an empty one.

Kept apart from tsunagari.db (engines and sessions only) so that the core
never imports the seed; the bot, the CLI and the tests call it.
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .. import db
from .seed import load_seed_if_empty

_lock = threading.Lock()
_ensured: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_directory(engine: Engine | None = None) -> bool:
    """Migrate to head and load the seed when the directory is empty.

    Idempotent and cheap after the first call in a process. Returns True when the
    seed was loaded by this call.
    """
    engine = engine or db.get_engine()
    with _lock:
        if engine in _ensured:
            return False
        db.upgrade_schema(engine)
        factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
        with factory.begin() as session:
            db.advisory_lock(session)
            seeded = load_seed_if_empty(session)
        _ensured.add(engine)
        return seeded


def _forget() -> None:
    with _lock:
        _ensured.clear()


db._reset_hooks.append(_forget)
