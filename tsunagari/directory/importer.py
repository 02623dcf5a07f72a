"""Import and export of the partner directory, validated as a whole.

A file is either imported completely or not at all: every row is validated
first and all problems are reported together, with row numbers and Japanese
reasons, before anything is written. The pieces:

- `fields.py`: the schema, one table per part (organisations, services, hours,
  contacts): the name of every column in YAML, CSV and Excel, its parser, and
  the explanation on the Excel notes sheet;
- `validation.py`: values and records checked against those tables;
- `formats.py` (YAML, CSV in UTF-8 or CP932) and `workbook.py` (Excel);
- `sync.py`: records to and from the database (idempotent upserts by key).

Values: dates are YYYY-MM-DD, YYYY-MM, YYYY or "undated"; booleans true/false
(also yes/no, はい/いいえ, 1/0; empty = unknown); phone numbers like 03-3264-4343,
0120-783-556, 0570-087478, #7119 or 110; URLs start with http:// or https://;
LINE is a line.me URL, an @ID or the account name. Contact and hours sources
and dates default to the service's own when left empty.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .formats import (
    csv_columns,
    parse_csv,
    parse_yaml,
    read_file,
    write_csv,
    write_yaml,
)
from .models import Organisation
from .sync import (
    Progress,
    export_records,
    import_batch,
    organisation_to_record,
    service_to_record,
)
from .validation import (
    ImportBatch,
    ImportIssue,
    ImportSummary,
    ImportValidationError,
    format_source_date,
    parse_source_date,
    validate_contact_value,
    validate_line,
    validate_phone,
    validate_records,
    validate_url,
)

__all__ = [
    "ImportBatch",
    "ImportIssue",
    "ImportSummary",
    "ImportValidationError",
    "Progress",
    "csv_columns",
    "export_csv",
    "export_records",
    "export_xlsx",
    "export_yaml",
    "format_source_date",
    "import_batch",
    "import_file",
    "organisation_to_record",
    "parse_csv",
    "parse_source_date",
    "parse_yaml",
    "read_file",
    "service_to_record",
    "validate_contact_value",
    "validate_file",
    "validate_line",
    "validate_phone",
    "validate_records",
    "validate_url",
]


def validate_file(session: Session, path: str | Path, fmt: str | None = None) -> ImportBatch:
    """Read and validate a YAML/CSV/Excel file without writing; raises ImportValidationError."""
    raw_orgs, raw_services = read_file(path, fmt)
    known = set(session.execute(select(Organisation.key)).scalars())
    return validate_records(raw_orgs, raw_services, known)


def import_file(
    session: Session, path: str | Path, fmt: str | None = None, progress: Progress | None = None
) -> ImportSummary:
    """Read, validate and upsert a file; nothing is written if any row is bad."""
    return import_batch(session, validate_file(session, path, fmt), progress)


def export_yaml(session: Session) -> str:
    return write_yaml(export_records(session))


def export_csv(session: Session) -> str:
    return write_csv(export_records(session))


def export_xlsx(session: Session, path: str | Path) -> ImportBatch:
    from .workbook import write_xlsx

    batch = export_records(session)
    write_xlsx(batch, path)
    return batch
