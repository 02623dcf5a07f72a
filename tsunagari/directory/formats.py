"""Directory files: YAML, CSV (UTF-8 or CP932) and Excel, to and from raw records.

Readers return raw records (dicts keyed by the field names of `fields.py`, with
their location under `LINE_KEY`) for `validation.validate_records`; writers take
the records of `sync.export_records`. Columns come from the field tables.

YAML is the format of ``tsunagari/directory/seed/partners.yml``::

    version: 1
    organisations: [{key, name, kind, confidence, ..., contacts: [...]}]
    services: [{key, organisation, name, category, description, confidence,
                hours: {spec, holidays, confidence, ...}, contacts: [...], ...}]

CSV has one row per service (header row required): the organisation columns
(``org_*``) repeat on every row of that organisation and must be identical; a
row with an empty ``service_key`` only defines an organisation; contacts are
numbered columns ``contactN_*`` / ``org_contactN_*``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

from . import fields as F
from .validation import LINE_KEY, ImportBatch, ImportIssue, ImportValidationError

RawRecords = tuple[list[dict], list[dict]]

# --- YAML -------------------------------------------------------------------------------


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text so that "2026-13-01" becomes a row error instead of a crash.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def parse_yaml(text: str) -> RawRecords:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark else "ファイル"
        raise ImportValidationError(
            [ImportIssue(where, f"YAMLとして読めません: {getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(data, dict):
        raise ImportValidationError([ImportIssue("ファイル", "organisations と services を持つYAMLにしてください")])
    unknown = sorted(k for k in data if k not in ("version", "organisations", "services", LINE_KEY))
    if unknown:
        raise ImportValidationError([ImportIssue("ファイル", f"知らない項目があります: {', '.join(unknown)}")])
    orgs, services = data.get("organisations") or [], data.get("services") or []
    if not isinstance(orgs, list) or not isinstance(services, list):
        raise ImportValidationError([ImportIssue("ファイル", "organisations と services はリストで書いてください")])
    return orgs, services


def _compact(value: Any) -> Any:
    """Drop empty/default fields so exported YAML stays readable."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _compact(v)
            if v in (None, "", [], {}) or (k in ("hidden", "emergency") and v is False) or (k == "priority" and v == 0):
                continue
            if k == "languages" and v == ["ja"]:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def write_yaml(batch: ImportBatch) -> str:
    data = {
        "version": 1,
        "organisations": [_compact(o) for o in batch.organisations],
        "services": [_compact(s) for s in batch.services],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


# --- CSV --------------------------------------------------------------------------------

_ORG_COLUMNS = {f.column: f.name for f in F.ORGANISATION}
_SERVICE_COLUMNS = {f.column: f.name for f in F.SERVICE if f.column}
_HOURS_COLUMNS = {f.column: f.name for f in F.HOURS}
_CONTACT_COL = re.compile(rf"^(org_)?contact(\d+)_({'|'.join(F.names(F.CONTACT))})$")


def csv_columns(org_contacts: int = 1, service_contacts: int = 3) -> list[str]:
    cols = list(_ORG_COLUMNS)
    for n in range(1, org_contacts + 1):
        cols += [f"org_contact{n}_{f.column}" for f in F.CONTACT]
    cols += list(_SERVICE_COLUMNS) + list(_HOURS_COLUMNS)
    for n in range(1, service_contacts + 1):
        cols += [f"contact{n}_{f.column}" for f in F.CONTACT]
    return cols


def _nonempty(row: dict, columns: dict[str, str]) -> dict:
    return {name: row[col] for col, name in columns.items() if row.get(col, "") != ""}


def parse_csv(text: str) -> RawRecords:
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    required = {"org_key", "service_key"}
    missing = required - set(header)
    known = set(csv_columns(0, 0))
    unknown = [h for h in header if h not in known and not _CONTACT_COL.match(h or "")]
    issues = []
    if missing:
        issues.append(ImportIssue("1行目", f"見出しに必須の列がありません: {', '.join(sorted(missing))}"))
    if unknown:
        issues.append(ImportIssue("1行目", f"知らない列があります: {', '.join(map(str, unknown))}"))
    if issues:
        raise ImportValidationError(issues)
    orgs: dict[str, dict] = {}
    org_rows: dict[str, int] = {}
    services: list[dict] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            issues.append(ImportIssue(f"{line}行目", "列の数が見出しより多くなっています"))
            continue
        row = {k: (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        org = _nonempty(row, _ORG_COLUMNS)
        org["contacts"] = _csv_contacts(row, "org_")
        org[LINE_KEY] = line
        key = org.get("key", "")
        if key in orgs:
            previous = {k: v for k, v in orgs[key].items() if k != LINE_KEY}
            current = {k: v for k, v in org.items() if k != LINE_KEY}
            if previous != current:
                issues.append(ImportIssue(f"{line}行目", f"団体「{key}」の列が{org_rows[key]}行目と違います"))
        else:
            orgs[key] = org
            org_rows[key] = line
        if not row.get("service_key"):
            continue
        svc = _nonempty(row, _SERVICE_COLUMNS)
        svc["organisation"] = key
        svc["hours"] = _nonempty(row, _HOURS_COLUMNS) if row.get("hours") else None
        svc["contacts"] = _csv_contacts(row, "")
        svc[LINE_KEY] = line
        services.append(svc)
    if issues:
        raise ImportValidationError(issues)
    return list(orgs.values()), services


def _csv_contacts(row: dict, prefix: str) -> list[dict]:
    slots: dict[int, dict] = {}
    for col, value in row.items():
        m = _CONTACT_COL.match(col or "")
        if not m or (m.group(1) or "") != prefix or value == "":
            continue
        slots.setdefault(int(m.group(2)), {})[m.group(3)] = value
    return [slots[n] for n in sorted(slots)]


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "|".join(v)
    return str(v)


def write_csv(batch: ImportBatch) -> str:
    n_org = max([len(o["contacts"]) for o in batch.organisations] + [1])
    n_svc = max([len(s["contacts"]) for s in batch.services] + [1])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(n_org, n_svc), lineterminator="\n")
    writer.writeheader()
    by_org: dict[str, list[dict]] = {}
    for s in batch.services:
        by_org.setdefault(s["organisation"], []).append(s)
    for org in batch.organisations:
        base = {col: cell_text(org[name]) for col, name in _ORG_COLUMNS.items()}
        for n, c in enumerate(org["contacts"], 1):
            base.update({f"org_contact{n}_{f.column}": cell_text(c[f.name]) for f in F.CONTACT})
        for s in by_org.get(org["key"]) or [None]:
            row = dict(base)
            if s is not None:
                row.update({col: cell_text(s[name]) for col, name in _SERVICE_COLUMNS.items()})
                row.update({col: cell_text(s["hours"][name]) for col, name in _HOURS_COLUMNS.items()})
                for n, c in enumerate(s["contacts"], 1):
                    row.update({f"contact{n}_{f.column}": cell_text(c[f.name]) for f in F.CONTACT})
            writer.writerow(row)
    return out.getvalue()


ENCODINGS = ("utf-8", "utf-8-sig", "cp932")
# Characters CP932 (Shift_JIS on Windows) lacks, written as their nearest CP932 form.
CP932_SUBSTITUTES = {
    "\u2013": "-",
    "\u2014": "\u2015",
    "\u2248": "\u2252",
    "\u301c": "\uff5e",
    "\u2212": "\uff0d",
    "\u00a0": " ",
}


def encode_text(text: str, encoding: str) -> tuple[bytes, int]:
    """Text as bytes; for CP932 the few characters it lacks are substituted (returns how many).

    Anything else CP932 cannot hold is an error naming the character, never a silent 「?」.
    """
    if encoding != "cp932":
        return text.encode(encoding), 0
    replaced = sum(text.count(c) for c in CP932_SUBSTITUTES)
    for char, substitute in CP932_SUBSTITUTES.items():
        text = text.replace(char, substitute)
    try:
        return text.encode("cp932"), replaced
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise ValueError(
            f"{line}行目の「{exc.object[exc.start : exc.end]}」は Shift_JIS（CP932）で書けません。"
            "xlsx か UTF-8 で書き出してください"
        ) from None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932, as Excel on Japanese Windows saves CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise ImportValidationError(
            [ImportIssue("ファイル", "文字コードが読めません（UTF-8 か Shift_JIS（CP932）で保存してください）")]
        ) from None


# --- any file ---------------------------------------------------------------------------

FORMATS = ("yaml", "csv", "xlsx")


def read_file(path: str | Path, fmt: str | None = None) -> RawRecords:
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "yml":
        fmt = "yaml"
    if fmt not in FORMATS:
        raise ImportValidationError([ImportIssue("ファイル", f"形式「{fmt}」は読めません（yaml、csv、xlsx）")])
    if fmt == "xlsx":
        from .workbook import parse_xlsx

        return parse_xlsx(path)
    data = path.read_bytes()
    if fmt == "yaml":
        try:
            return parse_yaml(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ImportValidationError([ImportIssue("ファイル", "UTF-8で保存してください")]) from None
    return parse_csv(decode_text(data))
