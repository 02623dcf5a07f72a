"""The hand-written seed directory (partners.yml), loaded into an empty database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

SEED_PATH = Path(__file__).resolve().parent / "partners.yml"


def load_seed(session: Session):
    """Upsert the seed file (idempotent: a second run reports everything unchanged)."""
    from ..importer import import_file

    return import_file(session, SEED_PATH)


def load_seed_if_empty(session: Session) -> bool:
    """Load the seed only into an empty directory, so staff edits are never overwritten."""
    from ..repository import directory_is_empty

    if not directory_is_empty(session):
        return False
    load_seed(session)
    return True
