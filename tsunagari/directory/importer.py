"""Import and export of the partner directory (YAML or CSV), validated as a whole.

A file is either imported completely or not at all: every row is validated
first and all problems are reported together, with row numbers and Japanese
reasons, before anything is written. Writes happen in the caller's single
transaction and are idempotent upserts keyed by the stable `key` of each
organisation and service (rows that did not change are counted as unchanged).

YAML format: the same as ``tsunagari/directory/seed/partners.yml``::

    version: 1
    organisations: [{key, name, kind, confidence, ..., contacts: [...]}]
    services: [{key, organisation, name, category, description, confidence,
                hours: {spec, holidays, confidence, ...}, contacts: [...], ...}]

CSV format: UTF-8 (a BOM is accepted), one row per service, header row
required. Organisation columns repeat on every row of that organisation and
must be identical; a row with an empty ``service_key`` only defines an
organisation. Columns (* = required on rows that use that part):

=========================  ==========================================================
org_key*                   stable key: lower-case letters, digits, hyphens
org_name*, org_kind*       kind: 区 / 社会福祉協議会 / NPO / 企業 / 東京都 / 国
org_description            free text
org_district               品川 / 大崎 / 大井 / 荏原 / 八潮 (empty = outside or ward-wide)
org_source, org_verified_on, org_confidence*
org_hidden, org_hidden_reason, org_staff_notes
org_contactN_*             N = 1, 2, ...: kind, value, label, source, verified_on, confidence
service_key*, service_name*
category*                  counseling / free_space / career / crisis_line / community_event
also_categories            further categories, separated by "|"
description*               one line of plain Japanese
operated_by                contracted operator, if different from the organisation
age_min, age_max           whole years
eligibility                resident / work_study / anyone (or 区民 / 在勤・在学 / 誰でも)
eligibility_area           品川区 / 東京都 / 全国
channels                   in_person|phone|chat|line|online (or 対面|電話|チャット|LINE|オンライン)
languages                  ISO codes, e.g. ja|en
cost, cost_free, reservation_required, anonymous
priority                   integer tie-break (higher first); emergency: true for 110/119-type numbers
notes                      resident-facing extra line; staff_notes: never shown
source*, verified_on*, confidence*
hidden, hidden_reason
hours*                     "mon-fri 10:00-17:00; sat 12:00-翌5:30; day10 8:00-翌8:00;
                           holiday 10:00-15:00" or 24h / appointment / web / unknown
holidays                   closed / as_usual / special / unknown (special needs "holiday" spans)
hours_note, hours_source, hours_verified_on, hours_confidence*
contactN_kind              phone / url / line / address, then contactN_value*,
                           contactN_label, contactN_source, contactN_verified_on,
                           contactN_confidence*
=========================  ==========================================================

Values: dates are YYYY-MM-DD, YYYY-MM, YYYY or "undated"; booleans true/false
(also yes/no, はい/いいえ, 1/0; empty = unknown); phone numbers like 03-3264-4343,
0120-783-556, 0570-087478, #7119 or 110; URLs start with http:// or https://;
LINE is a line.me URL, an @ID or the account name. Contact and hours sources
and dates default to the service's own when left empty.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlparse

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .hours import HoursSpecError, format_hours_spec, parse_hours_spec
from .models import (
    CATEGORIES,
    CHANNELS,
    CONFIDENCE,
    CONTACT_KINDS,
    ELIGIBILITY,
    HOLIDAY_RULES,
    ORG_KINDS,
    Contact,
    OpeningHours,
    Organisation,
    Service,
    ServiceCategory,
    ServiceChannel,
)
from .repository import bump_revision, refresh_visibility

Progress = Callable[[int, int], None]

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_PHONE_RE = re.compile(r"^(?:0\d{1,4}-\d{1,4}-\d{3,4}|0\d{3}-\d{6}|#\d{4}|1\d{2})$")
_LINE_ID_RE = re.compile(r"^@[A-Za-z0-9._-]{2,40}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_LIST_SPLIT = re.compile(r"[|,、\s]+")
DISTRICTS = ("品川", "大崎", "大井", "荏原", "八潮")
CHANNEL_ALIASES = {"対面": "in_person", "電話": "phone", "チャット": "chat", "line": "line",
                   "LINE": "line", "オンライン": "online", "来所": "in_person"}
ELIGIBILITY_ALIASES = {"区民": "resident", "在勤・在学": "work_study", "在住・在勤・在学": "work_study",
                       "誰でも": "anyone", "だれでも": "anyone"}
_TRUE = {"true", "yes", "1", "はい", "あり", "要", "y"}
_FALSE = {"false", "no", "0", "いいえ", "なし", "不要", "n"}

ORG_FIELDS = ("key", "name", "kind", "description", "district", "source", "verified_on",
              "confidence", "hidden", "hidden_reason", "staff_notes", "contacts")
SERVICE_FIELDS = ("key", "organisation", "name", "category", "also", "description", "operated_by",
                  "age_min", "age_max", "eligibility", "eligibility_area", "channels", "languages",
                  "cost", "cost_free", "reservation_required", "anonymous", "priority", "emergency",
                  "notes", "staff_notes", "source", "verified_on", "confidence", "hidden",
                  "hidden_reason", "hours", "contacts")
HOURS_FIELDS = ("spec", "holidays", "note", "source", "verified_on", "confidence")
CONTACT_FIELDS = ("kind", "value", "label", "source", "verified_on", "confidence")
_LINE_KEY = "__line__"


# --- errors and results --------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    location: str  # e.g. 「12行目」 or 「12行目（services: kimimamo）」
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ImportValidationError(ValueError):
    """The whole file is rejected; `issues` lists every problem found."""

    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class ImportBatch:
    organisations: list[dict]
    services: list[dict]


@dataclass
class ImportSummary:
    organisations_created: int = 0
    organisations_updated: int = 0
    organisations_unchanged: int = 0
    services_created: int = 0
    services_updated: int = 0
    services_unchanged: int = 0
    public_services: int = 0
    hidden_keys: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return (self.organisations_created + self.organisations_updated
                + self.services_created + self.services_updated)


# --- value parsing ---------------------------------------------------------------------


def parse_source_date(value: Any) -> tuple[date | None, str]:
    """'2024-03-15' | '2024-03' | '2024' | 'undated' | date -> (date, precision)."""
    if isinstance(value, date):
        return value, "day"
    text = str(value if value is not None else "").strip()
    if text.lower() in ("", "undated", "日付なし", "none"):
        return None, "day"
    m = _DATE_RE.match(text)
    if not m:
        raise ValueError(f"日付「{text}」は YYYY-MM-DD、YYYY-MM、YYYY、undated のいずれかで書いてください")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day is not None:
            return date(year, int(month), int(day)), "day"
        if month is not None:
            return date(year, int(month), 1), "month"
        return date(year, 1, 1), "year"
    except ValueError:
        raise ValueError(f"日付「{text}」は存在しない日付です") from None


def format_source_date(value: date | None, precision: str) -> str:
    if value is None:
        return "undated"
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def validate_phone(value: str) -> str:
    text = str(value).strip().replace("－", "-").replace("ー", "-")
    if not _PHONE_RE.match(text):
        raise ValueError(
            f"電話番号「{value}」の形が正しくありません（例: 03-3264-4343、0120-783-556、0570-087478、#7119、110）"
        )
    digits = re.sub(r"\D", "", text)
    if text[0] == "0" and len(digits) not in (10, 11):
        raise ValueError(f"電話番号「{value}」の桁数が正しくありません")
    return text


def validate_url(value: str) -> str:
    text = str(value).strip()
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or "." not in parsed.netloc or " " in text:
        raise ValueError(f"URL「{value}」は http:// または https:// で始まる正しいアドレスにしてください")
    return text


def validate_line(value: str) -> str:
    text = str(value).strip()
    if text.startswith(("http://", "https://")):
        url = validate_url(text)
        if not urlparse(url).netloc.endswith("line.me"):
            raise ValueError(f"LINEのURL「{value}」は line.me のアドレスにしてください")
        return url
    if text.startswith("@"):
        if not _LINE_ID_RE.match(text):
            raise ValueError(f"LINE ID「{value}」の形が正しくありません（例: @abc123）")
        return text
    if not text or len(text) > 60 or re.search(r"\s", text):
        raise ValueError(f"LINE「{value}」は line.me のURL、@ID、またはアカウント名にしてください")
    return text


def validate_contact_value(kind: str, value: str) -> str:
    if kind == "phone":
        return validate_phone(value)
    if kind == "url":
        return validate_url(value)
    if kind == "line":
        return validate_line(value)
    text = str(value).strip()
    if not text:
        raise ValueError("住所が空です")
    return text


def _parse_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"「{value}」は true / false（はい / いいえ）で書いてください")


def _parse_int(value: Any, lo: int, hi: int, what: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{what}「{value}」は整数で書いてください") from None
    if not lo <= number <= hi:
        raise ValueError(f"{what}「{value}」は{lo}〜{hi}の範囲にしてください")
    return number


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in _LIST_SPLIT.split(str(value).strip()) if v]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --- validation ------------------------------------------------------------------------


class _Checker:
    """Collects issues instead of stopping at the first one."""

    def __init__(self) -> None:
        self.issues: list[ImportIssue] = []

    def add(self, where: str, message: str) -> None:
        self.issues.append(ImportIssue(where, message))

    def run(self, where: str, fn: Callable[[], Any], default: Any = None) -> Any:
        try:
            return fn()
        except ValueError as exc:
            self.add(where, str(exc))
            return default


def _where(raw: dict, fallback: str, key: str | None = None) -> str:
    line = raw.get(_LINE_KEY)
    loc = f"{line}行目" if line else fallback
    return f"{loc}（{key}）" if key else loc


def _require(chk: _Checker, where: str, raw: dict, name: str) -> Any:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        chk.add(where, f"必須項目「{name}」がありません")
        return None
    return value


def _choice(chk: _Checker, where: str, value: Any, allowed: Iterable[str], name: str,
            aliases: dict[str, str] | None = None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    text = (aliases or {}).get(text, text)
    allowed = tuple(allowed)
    if text not in allowed:
        chk.add(where, f"{name}「{value}」は使えません（{' / '.join(allowed)} のいずれか）")
        return None
    return text


def _unknown_fields(chk: _Checker, where: str, raw: dict, allowed: Iterable[str]) -> None:
    extra = sorted(k for k in raw if k not in allowed and k != _LINE_KEY)
    if extra:
        chk.add(where, f"知らない項目があります: {', '.join(map(str, extra))}")


def _provenance(chk: _Checker, where: str, raw: dict, inherit: dict | None = None) -> dict:
    inherit = inherit or {}
    confidence = _choice(chk, where, _require(chk, where, raw, "confidence"), CONFIDENCE, "confidence")
    source = _text(raw.get("source")) or inherit.get("source") or ""
    raw_date = raw.get("verified_on")
    if raw_date is None or (isinstance(raw_date, str) and not raw_date.strip()):
        if inherit:
            verified_on = inherit.get("verified_on", "undated")
        else:
            chk.add(where, "必須項目「verified_on」がありません（日付がない資料は undated）")
            verified_on = "undated"
    else:
        parsed = chk.run(where, lambda: parse_source_date(raw_date))
        verified_on = format_source_date(*parsed) if parsed else "undated"
    if confidence == "verified" and not source:
        chk.add(where, "確認済み（verified）の項目には出典（source）が必要です")
    if confidence == "verified" and verified_on == "undated":
        chk.add(where, "確認済み（verified）の項目には日付が必要です（日付のない公式ページは確認した日）")
    return {"source": source, "verified_on": verified_on, "confidence": confidence}


def _contacts(chk: _Checker, where: str, items: Any, inherit: dict | None, owner: str = "") -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        chk.add(where, "contacts はリストで書いてください")
        return []
    out = []
    for i, raw in enumerate(items, 1):
        if not isinstance(raw, dict):
            chk.add(where, f"連絡先{i}の形が正しくありません")
            continue
        label = f"{owner} 連絡先{i}".strip()
        cw = _where(raw, where, label) if raw.get(_LINE_KEY) else f"{where} 連絡先{i}"
        _unknown_fields(chk, cw, raw, CONTACT_FIELDS)
        kind = _choice(chk, cw, _require(chk, cw, raw, "kind"), CONTACT_KINDS, "連絡先の種類")
        value = _require(chk, cw, raw, "value")
        if kind and value is not None:
            value = chk.run(cw, lambda: validate_contact_value(kind, value))
        prov = _provenance(chk, cw, raw, inherit)
        out.append({"kind": kind, "value": value, "label": _text(raw.get("label")), **prov})
    return out


def _validate_org(chk: _Checker, raw: dict, where: str) -> dict:
    _unknown_fields(chk, where, raw, ORG_FIELDS)
    key = _require(chk, where, raw, "key")
    if key is not None and not _KEY_RE.match(str(key)):
        chk.add(where, f"key「{key}」は半角の小文字・数字・ハイフンで書いてください")
    name = _require(chk, where, raw, "name")
    kind = _choice(chk, where, _require(chk, where, raw, "kind"), ORG_KINDS, "団体の種類")
    district = _text(raw.get("district"))
    if district is not None and district not in DISTRICTS:
        chk.add(where, f"地区「{district}」は使えません（{' / '.join(DISTRICTS)}、または空欄）")
    prov = _provenance(chk, where, raw)
    hidden = chk.run(where, lambda: _parse_bool(raw.get("hidden")))
    return {
        "key": str(key) if key is not None else None,
        "name": _text(name),
        "kind": kind,
        "description": _text(raw.get("description")) or "",
        "district": district,
        **prov,
        "hidden": bool(hidden),
        "hidden_reason": _text(raw.get("hidden_reason")),
        "staff_notes": _text(raw.get("staff_notes")),
        "contacts": _contacts(chk, where, raw.get("contacts"),
                              {"source": prov["source"], "verified_on": prov["verified_on"]}, str(key or "")),
    }


def _validate_hours(chk: _Checker, where: str, raw: Any, inherit: dict) -> dict | None:
    if raw is None:
        chk.add(where, "必須項目「hours」がありません（分からない場合は spec: unknown）")
        return None
    if isinstance(raw, str):
        raw = {"spec": raw}
    if not isinstance(raw, dict):
        chk.add(where, "hours の形が正しくありません")
        return None
    _unknown_fields(chk, where, raw, HOURS_FIELDS)
    spec_text = str(_require(chk, where, raw, "spec") or "")
    parsed = None
    if spec_text:
        try:
            parsed = parse_hours_spec(spec_text)
        except HoursSpecError as exc:
            chk.add(where, f"営業時間: {exc}")
    holidays = _choice(chk, where, _text(raw.get("holidays")) or "unknown", HOLIDAY_RULES, "祝日の扱い")
    if parsed:
        has_holiday_rows = any(kind == "holiday" for kind, *_ in parsed[1])
        if holidays == "special" and not has_holiday_rows:
            chk.add(where, "祝日が special のときは「holiday 10:00-15:00」のように祝日の時間を書いてください")
        if has_holiday_rows and holidays != "special":
            chk.add(where, "祝日の時間（holiday ...）を書くときは holidays: special にしてください")
    prov = _provenance(chk, where, raw, inherit)
    return {
        "spec": format_hours_spec(*parsed) if parsed else spec_text,
        "holidays": holidays,
        "note": _text(raw.get("note")),
        **prov,
    }


def _validate_service(chk: _Checker, raw: dict, where: str) -> dict:
    _unknown_fields(chk, where, raw, SERVICE_FIELDS)
    key = _require(chk, where, raw, "key")
    if key is not None and not _KEY_RE.match(str(key)):
        chk.add(where, f"key「{key}」は半角の小文字・数字・ハイフンで書いてください")
    org = _require(chk, where, raw, "organisation")
    name = _require(chk, where, raw, "name")
    category = _choice(chk, where, _require(chk, where, raw, "category"), CATEGORIES, "カテゴリ")
    also = []
    for c in _as_list(raw.get("also")):
        c = _choice(chk, where, c, CATEGORIES, "追加カテゴリ")
        if c and c != category and c not in also:
            also.append(c)
    description = _require(chk, where, raw, "description")
    if description is not None and "\n" in str(description).strip():
        chk.add(where, "説明（description）は1行で書いてください")
    channels = []
    for c in _as_list(raw.get("channels")):
        c = _choice(chk, where, c, CHANNELS, "相談方法", CHANNEL_ALIASES)
        if c and c not in channels:
            channels.append(c)
    languages = []
    for lang in _as_list(raw.get("languages")) or ["ja"]:
        if not _LANG_RE.match(lang):
            chk.add(where, f"言語「{lang}」は ja, en のような2文字のコードで書いてください")
        elif lang not in languages:
            languages.append(lang)
    age_min = chk.run(where, lambda: _parse_int(raw.get("age_min"), 0, 120, "対象年齢（下限）"))
    age_max = chk.run(where, lambda: _parse_int(raw.get("age_max"), 0, 120, "対象年齢（上限）"))
    if age_min is not None and age_max is not None and age_min > age_max:
        chk.add(where, f"対象年齢の下限（{age_min}）が上限（{age_max}）より大きくなっています")
    eligibility = _choice(chk, where, _text(raw.get("eligibility")) or "anyone", ELIGIBILITY, "対象",
                          ELIGIBILITY_ALIASES)
    prov = _provenance(chk, where, raw)
    inherit = {"source": prov["source"], "verified_on": prov["verified_on"]}
    bools = {}
    for name_ in ("cost_free", "reservation_required", "anonymous", "emergency", "hidden"):
        bools[name_] = chk.run(where, lambda n=name_: _parse_bool(raw.get(n)))
    priority = chk.run(where, lambda: _parse_int(raw.get("priority"), -1000, 1000, "優先度")) or 0
    return {
        "key": str(key) if key is not None else None,
        "organisation": str(org) if org is not None else None,
        "name": _text(name),
        "category": category,
        "also": sorted(also),
        "description": _text(description),
        "operated_by": _text(raw.get("operated_by")),
        "age_min": age_min,
        "age_max": age_max,
        "eligibility": eligibility,
        "eligibility_area": _text(raw.get("eligibility_area")),
        "channels": sorted(channels, key=CHANNELS.index),
        "languages": languages,
        "cost": _text(raw.get("cost")),
        "cost_free": bools["cost_free"],
        "reservation_required": bools["reservation_required"],
        "anonymous": bools["anonymous"],
        "priority": priority,
        "emergency": bool(bools["emergency"]),
        "notes": _text(raw.get("notes")),
        "staff_notes": _text(raw.get("staff_notes")),
        **prov,
        "hidden": bool(bools["hidden"]),
        "hidden_reason": _text(raw.get("hidden_reason")),
        "hours": _validate_hours(chk, where, raw.get("hours"), inherit),
        "contacts": _contacts(chk, where, raw.get("contacts"), inherit, str(key or "")),
    }


def _validate_rows(chk: "_Checker", raws: list, section: str, noun: str, validate) -> list[tuple[dict, str]]:
    """Validate one section's rows; each valid-shaped row comes back with its location.

    A row that is not a mapping (e.g. a YAML list) is reported, never read.
    """
    out: list[tuple[dict, str]] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(raws, 1):
        if not isinstance(raw, dict):
            chk.add(f"{section} {i}件目", "形が正しくありません")
            continue
        where = _where(raw, f"{section} {i}件目", str(raw.get("key") or ""))
        rec = validate(chk, raw, where)
        if rec["key"] in seen:
            chk.add(where, f"{noun}のkey「{rec['key']}」が重複しています（{seen[rec['key']]}）")
        elif rec["key"]:
            seen[rec["key"]] = where
        out.append((rec, where))
    return out


def validate_records(raw_orgs: list[dict], raw_services: list[dict],
                     known_org_keys: Iterable[str] = ()) -> ImportBatch:
    """Validate raw records; raises ImportValidationError listing every problem."""
    chk = _Checker()
    orgs = _validate_rows(chk, raw_orgs, "organisations", "団体", _validate_org)
    org_keys = {rec["key"] for rec, _ in orgs if rec["key"]} | set(known_org_keys)
    services = _validate_rows(chk, raw_services, "services", "窓口", _validate_service)
    for rec, where in services:
        if rec["organisation"] and rec["organisation"] not in org_keys:
            chk.add(where, f"団体「{rec['organisation']}」がファイルにもデータベースにもありません")
    orgs = [rec for rec, _ in orgs]
    services = [rec for rec, _ in services]
    if not orgs and not services:
        chk.add("ファイル", "団体も窓口も入っていません")
    if chk.issues:
        raise ImportValidationError(chk.issues)
    return ImportBatch(orgs, services)


# --- file formats --------------------------------------------------------------------


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text so that "2026-13-01" becomes a row error instead of a crash.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def parse_yaml(text: str) -> tuple[list[dict], list[dict]]:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark else "ファイル"
        raise ImportValidationError([ImportIssue(where, f"YAMLとして読めません: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise ImportValidationError([ImportIssue("ファイル", "organisations と services を持つYAMLにしてください")])
    unknown = sorted(k for k in data if k not in ("version", "organisations", "services", _LINE_KEY))
    if unknown:
        raise ImportValidationError([ImportIssue("ファイル", f"知らない項目があります: {', '.join(unknown)}")])
    orgs, services = data.get("organisations") or [], data.get("services") or []
    if not isinstance(orgs, list) or not isinstance(services, list):
        raise ImportValidationError([ImportIssue("ファイル", "organisations と services はリストで書いてください")])
    return orgs, services


_ORG_COLUMNS = ("key", "name", "kind", "description", "district", "source", "verified_on",
                "confidence", "hidden", "hidden_reason", "staff_notes")
_SERVICE_SCALARS = ("category", "description", "operated_by", "age_min", "age_max", "eligibility",
                    "eligibility_area", "channels", "languages", "cost", "cost_free",
                    "reservation_required", "anonymous", "priority", "emergency", "notes",
                    "staff_notes", "source", "verified_on", "confidence", "hidden", "hidden_reason")
_CONTACT_COL = re.compile(r"^(org_)?contact(\d+)_(kind|value|label|source|verified_on|confidence)$")


def csv_columns(org_contacts: int = 1, service_contacts: int = 3) -> list[str]:
    cols = [f"org_{c}" for c in _ORG_COLUMNS]
    for n in range(1, org_contacts + 1):
        cols += [f"org_contact{n}_{f}" for f in CONTACT_FIELDS]
    cols += ["service_key", "service_name", "category", "also_categories"]
    cols += [c for c in _SERVICE_SCALARS if c != "category"]
    cols += ["hours", "holidays", "hours_note", "hours_source", "hours_verified_on", "hours_confidence"]
    for n in range(1, service_contacts + 1):
        cols += [f"contact{n}_{f}" for f in CONTACT_FIELDS]
    return cols


def parse_csv(text: str) -> tuple[list[dict], list[dict]]:
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
        org = {c: row.get(f"org_{c}", "") for c in _ORG_COLUMNS}
        org = {k: v for k, v in org.items() if v != ""}
        org["contacts"] = _csv_contacts(row, "org_")
        org[_LINE_KEY] = line
        key = org.get("key", "")
        if key in orgs:
            previous = {k: v for k, v in orgs[key].items() if k != _LINE_KEY}
            current = {k: v for k, v in org.items() if k != _LINE_KEY}
            if previous != current:
                issues.append(ImportIssue(f"{line}行目", f"団体「{key}」の列が{org_rows[key]}行目と違います"))
        else:
            orgs[key] = org
            org_rows[key] = line
        if not row.get("service_key"):
            continue
        svc: dict[str, Any] = {c: row.get(c, "") for c in _SERVICE_SCALARS}
        svc = {k: v for k, v in svc.items() if v != ""}
        svc.update(key=row["service_key"], organisation=key, name=row.get("service_name", ""),
                   also=row.get("also_categories", ""))
        hours = {"spec": row.get("hours", ""), "holidays": row.get("holidays", ""),
                 "note": row.get("hours_note", ""), "source": row.get("hours_source", ""),
                 "verified_on": row.get("hours_verified_on", ""),
                 "confidence": row.get("hours_confidence", "")}
        svc["hours"] = {k: v for k, v in hours.items() if v != ""} if row.get("hours") else None
        svc["contacts"] = _csv_contacts(row, "")
        svc[_LINE_KEY] = line
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


def read_file(path: str | Path, fmt: str | None = None) -> tuple[list[dict], list[dict]]:
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportValidationError([ImportIssue("ファイル", "UTF-8で保存してください")]) from None
    if fmt in ("yml", "yaml"):
        return parse_yaml(text)
    if fmt == "csv":
        return parse_csv(text)
    raise ImportValidationError([ImportIssue("ファイル", f"形式「{fmt}」は読めません（yaml か csv）")])


# --- database <-> records --------------------------------------------------------------


def _contact_record(c: Contact) -> dict:
    return {"kind": c.kind, "value": c.value, "label": c.label, "source": c.source,
            "verified_on": format_source_date(c.verified_on, c.verified_precision),
            "confidence": c.confidence}


def organisation_to_record(org: Organisation) -> dict:
    return {
        "key": org.key, "name": org.name, "kind": org.kind, "description": org.description or "",
        "district": org.district, "source": org.source,
        "verified_on": format_source_date(org.verified_on, org.verified_precision),
        "confidence": org.confidence, "hidden": bool(org.hidden), "hidden_reason": org.hidden_reason,
        "staff_notes": org.staff_notes, "contacts": [_contact_record(c) for c in org.contacts],
    }


def service_to_record(s: Service) -> dict:
    rows = [(h.day_kind, h.day, h.opens_min, h.closes_min) for h in s.hours]
    return {
        "key": s.key, "organisation": s.organisation.key, "name": s.name, "category": s.category,
        "also": sorted(c.category for c in s.categories if c.category != s.category),
        "description": s.description, "operated_by": s.operated_by,
        "age_min": s.age_min, "age_max": s.age_max, "eligibility": s.eligibility,
        "eligibility_area": s.eligibility_area, "channels": s.channel_codes,
        "languages": [lang for lang in (s.languages or "ja").split(",") if lang],
        "cost": s.cost, "cost_free": s.cost_free, "reservation_required": s.reservation_required,
        "anonymous": s.anonymous, "priority": s.priority or 0, "emergency": bool(s.emergency),
        "notes": s.notes, "staff_notes": s.staff_notes, "source": s.source,
        "verified_on": format_source_date(s.verified_on, s.verified_precision),
        "confidence": s.confidence, "hidden": bool(s.hidden), "hidden_reason": s.hidden_reason,
        "hours": {
            "spec": format_hours_spec(s.hours_type, rows), "holidays": s.holiday_rule,
            "note": s.hours_note, "source": s.hours_source,
            "verified_on": format_source_date(s.hours_verified_on, s.hours_precision),
            "confidence": s.hours_confidence,
        },
        "contacts": [_contact_record(c) for c in s.contacts],
    }


def _new_contacts(items: list[dict]) -> list[Contact]:
    out = []
    for pos, c in enumerate(items):
        verified_on, precision = parse_source_date(c["verified_on"])
        out.append(Contact(position=pos, kind=c["kind"], value=c["value"], label=c["label"],
                           source=c["source"], verified_on=verified_on,
                           verified_precision=precision, confidence=c["confidence"]))
    return out


def _apply_org(org: Organisation, rec: dict) -> None:
    verified_on, precision = parse_source_date(rec["verified_on"])
    for name in ("key", "name", "kind", "description", "district", "source", "confidence",
                 "hidden", "hidden_reason", "staff_notes"):
        setattr(org, name, rec[name])
    org.verified_on, org.verified_precision = verified_on, precision
    org.contacts = _new_contacts(rec["contacts"])


def _apply_service(s: Service, rec: dict, org: Organisation) -> None:
    for name in ("key", "name", "category", "description", "operated_by", "age_min", "age_max",
                 "eligibility", "eligibility_area", "cost", "cost_free", "reservation_required",
                 "anonymous", "priority", "emergency", "notes", "staff_notes", "source",
                 "confidence", "hidden", "hidden_reason"):
        setattr(s, name, rec[name])
    s.organisation = org
    s.verified_on, s.verified_precision = parse_source_date(rec["verified_on"])
    s.languages = ",".join(rec["languages"])
    # Association rows have natural keys: sync them instead of delete+insert of the same key.
    wanted = {rec["category"], *rec["also"]}
    s.categories = [c for c in s.categories if c.category in wanted] + [
        ServiceCategory(category=c) for c in sorted(wanted - {c.category for c in s.categories})
    ]
    wanted = set(rec["channels"])
    s.channels = [c for c in s.channels if c.channel in wanted] + [
        ServiceChannel(channel=c) for c in sorted(wanted - {c.channel for c in s.channels})
    ]
    hours = rec["hours"]
    hours_type, rows = parse_hours_spec(hours["spec"])
    s.hours_type, s.holiday_rule, s.hours_note = hours_type, hours["holidays"], hours["note"]
    s.hours_source, s.hours_confidence = hours["source"], hours["confidence"]
    s.hours_verified_on, s.hours_precision = parse_source_date(hours["verified_on"])
    s.hours = [OpeningHours(day_kind=k, day=d, opens_min=o, closes_min=c) for k, d, o, c in rows]
    s.contacts = _new_contacts(rec["contacts"])


def import_batch(session: Session, batch: ImportBatch, progress: Progress | None = None) -> ImportSummary:
    """Upsert a validated batch inside the caller's transaction."""
    summary = ImportSummary()
    org_keys = {o["key"] for o in batch.organisations} | {s["organisation"] for s in batch.services}
    orgs = {
        o.key: o
        for o in session.execute(
            select(Organisation).where(Organisation.key.in_(org_keys)).options(selectinload(Organisation.contacts))
        ).scalars()
    }
    missing = sorted({s["organisation"] for s in batch.services} - set(orgs) - {o["key"] for o in batch.organisations})
    if missing:
        raise ImportValidationError([ImportIssue("ファイル", f"団体がありません: {', '.join(missing)}")])
    service_keys = [s["key"] for s in batch.services]
    existing = {
        s.key: s
        for s in session.execute(
            select(Service).where(Service.key.in_(service_keys)).options(
                selectinload(Service.organisation), selectinload(Service.categories),
                selectinload(Service.channels), selectinload(Service.hours), selectinload(Service.contacts),
            )
        ).scalars()
    }
    total = len(batch.organisations) + len(batch.services)
    done = 0
    for rec in batch.organisations:
        org = orgs.get(rec["key"])
        if org is None:
            org = Organisation()
            _apply_org(org, rec)
            session.add(org)
            orgs[rec["key"]] = org
            summary.organisations_created += 1
        elif organisation_to_record(org) == rec:
            summary.organisations_unchanged += 1
        else:
            _apply_org(org, rec)
            summary.organisations_updated += 1
        done += 1
        if progress:
            progress(done, total)
    session.flush()
    for rec in batch.services:
        service = existing.get(rec["key"])
        org = orgs[rec["organisation"]]
        if service is None:
            service = Service(categories=[], channels=[])
            _apply_service(service, rec, org)
            session.add(service)
            summary.services_created += 1
        elif service_to_record(service) == rec:
            summary.services_unchanged += 1
        else:
            _apply_service(service, rec, org)
            summary.services_updated += 1
        done += 1
        if progress:
            progress(done, total)
        if done % 200 == 0:
            session.flush()
    session.flush()
    _, summary.public_services = refresh_visibility(session, bump=False)
    if summary.changed:
        bump_revision(session)
    return summary


def import_file(session: Session, path: str | Path, fmt: str | None = None,
                progress: Progress | None = None) -> ImportSummary:
    """Read, validate and upsert a YAML/CSV file; nothing is written if any row is bad."""
    raw_orgs, raw_services = read_file(path, fmt)
    known = set(session.execute(select(Organisation.key)).scalars())
    batch = validate_records(raw_orgs, raw_services, known)
    return import_batch(session, batch, progress)


def export_records(session: Session) -> ImportBatch:
    orgs = session.execute(
        select(Organisation).options(selectinload(Organisation.contacts)).order_by(Organisation.key)
    ).scalars().all()
    services = session.execute(
        select(Service).join(Service.organisation).options(
            selectinload(Service.organisation), selectinload(Service.categories),
            selectinload(Service.channels), selectinload(Service.hours), selectinload(Service.contacts),
        ).order_by(Organisation.key, Service.key)
    ).scalars().all()
    return ImportBatch([organisation_to_record(o) for o in orgs], [service_to_record(s) for s in services])


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


def export_yaml(session: Session) -> str:
    batch = export_records(session)
    data = {"version": 1,
            "organisations": [_compact(o) for o in batch.organisations],
            "services": [_compact(s) for s in batch.services]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def export_csv(session: Session) -> str:
    batch = export_records(session)
    n_org = max([len(o["contacts"]) for o in batch.organisations] + [1])
    n_svc = max([len(s["contacts"]) for s in batch.services] + [1])
    columns = csv_columns(n_org, n_svc)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    by_org: dict[str, list[dict]] = {}
    for s in batch.services:
        by_org.setdefault(s["organisation"], []).append(s)

    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "|".join(v)
        return str(v)

    for org in batch.organisations:
        base = {f"org_{c}": cell(org[c]) for c in _ORG_COLUMNS}
        for n, c in enumerate(org["contacts"], 1):
            base.update({f"org_contact{n}_{f}": cell(c[f]) for f in CONTACT_FIELDS})
        services = by_org.get(org["key"]) or [None]
        for s in services:
            row = dict(base)
            if s is not None:
                row.update({c: cell(s[c]) for c in _SERVICE_SCALARS})
                row.update(service_key=s["key"], service_name=s["name"], also_categories=cell(s["also"]),
                           hours=s["hours"]["spec"], holidays=s["hours"]["holidays"],
                           hours_note=cell(s["hours"]["note"]), hours_source=cell(s["hours"]["source"]),
                           hours_verified_on=s["hours"]["verified_on"],
                           hours_confidence=s["hours"]["confidence"])
                for n, c in enumerate(s["contacts"], 1):
                    row.update({f"contact{n}_{f}": cell(c[f]) for f in CONTACT_FIELDS})
            writer.writerow(row)
    return out.getvalue()
