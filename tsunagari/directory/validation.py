"""Validation of directory records, driven by the field tables in `fields.py`.

Every row is checked and every problem is collected (with the row and the
column named in Japanese) before anything is written: a file is imported
completely or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from . import fields as F
from .fields import Field
from .hours import HoursSpecError, format_hours_spec, parse_hours_spec
from .models import CHANNELS

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_PHONE_RE = re.compile(r"^(?:0\d{1,4}-\d{1,4}-\d{3,4}|0\d{3}-\d{6}|#\d{4}|1\d{2})$")
_LINE_ID_RE = re.compile(r"^@[A-Za-z0-9._-]{2,40}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_DATE_RE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?$")  # Excel users type 2026/11/01
_LIST_SPLIT = re.compile(r"[|,、\s]+")
_TRUE = {"true", "yes", "1", "はい", "あり", "要", "y"}
_FALSE = {"false", "no", "0", "いいえ", "なし", "不要", "n"}
# A raw record may carry where it came from ("12行目", "「窓口」シート 5行目") under this key.
LINE_KEY = "__line__"


# --- errors and results --------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    location: str  # e.g. 「12行目」, 「12行目（kimimamo）」 or 「「窓口」シート 5行目（kimimamo）」
    message: str
    column: str = ""  # Japanese column / item name, when the problem is in one cell

    def __str__(self) -> str:
        column = f"［{self.column}］" if self.column else ""
        return f"{self.location}{column}: {self.message}"


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
        return self.organisations_created + self.organisations_updated + self.services_created + self.services_updated


# --- value parsing ---------------------------------------------------------------------


def parse_source_date(value: Any) -> tuple[date | None, str]:
    """'2024-03-15' | '2024-03' | '2024' | 'undated' | date -> (date, precision)."""
    if isinstance(value, datetime):  # an Excel date cell
        return value.date(), "day"
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


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- validation ------------------------------------------------------------------------


class _Checker:
    """Collects issues instead of stopping at the first one."""

    def __init__(self) -> None:
        self.issues: list[ImportIssue] = []

    def add(self, where: str, message: str, column: str = "") -> None:
        self.issues.append(ImportIssue(where, message, column))

    def run(self, where: str, fn: Callable[[], Any], default: Any = None, column: str = "") -> Any:
        try:
            return fn()
        except ValueError as exc:
            self.add(where, str(exc), column)
            return default


def _where(raw: dict, fallback: str, key: str | None = None) -> str:
    line = raw.get(LINE_KEY)
    loc = (f"{line}行目" if isinstance(line, int) else str(line)) if line else fallback
    return f"{loc}（{key}）" if key else loc


def _unknown_fields(chk: _Checker, where: str, raw: dict, allowed: Iterable[str]) -> None:
    extra = sorted(str(k) for k in raw if k not in allowed and k != LINE_KEY)
    if extra:
        chk.add(where, f"知らない項目があります: {', '.join(extra)}")


def _choice(chk: _Checker, where: str, f: Field, value: Any, say: str | None = None) -> str | None:
    text = str(value).strip()
    text = f.aliases.get(text, text)
    if text not in f.choices:
        chk.add(where, f"{say or f.label}「{value}」は使えません（{' / '.join(f.choices)} のいずれか）", f.ja)
        return None
    return text


def parse_value(chk: _Checker, where: str, f: Field, value: Any, inherit: dict | None = None) -> Any:
    """One cell of a record, checked by its field's kind; problems go to `chk`."""
    if isinstance(value, datetime) and f.kind != "date":
        chk.add(where, f"日付として入力されています（「{value:%Y-%m-%d}」）。文字として入力してください", f.ja)
        return None
    if _empty(value) and f.kind not in ("flag", "languages", "date", "source"):
        if f.required:
            hint = "（分からない場合は spec: unknown）" if f.kind == "hours" else ""
            chk.add(where, f"必須項目「{f.name}」がありません{hint}", f.ja)
        return [] if f.kind == "choices" else f.default
    kind = f.kind
    if kind in ("key", "ref"):
        text = str(value).strip()
        if kind == "key" and not _KEY_RE.match(text):
            chk.add(where, f"key「{text}」は半角の小文字・数字・ハイフンで書いてください", f.ja)
        return text
    if kind in ("text", "line"):
        text = _text(value)
        if kind == "line" and "\n" in text:
            chk.add(where, f"{f.ja}（{f.name}）は1行で書いてください", f.ja)
        return text
    if kind == "choice":
        return _choice(chk, where, f, value)
    if kind == "choices":
        out: list[str] = []
        for item in _as_list(value):
            item = _choice(chk, where, f, item)
            if item and item not in out:
                out.append(item)
        return out
    if kind == "bool":
        return chk.run(where, lambda: _parse_bool(value), column=f.ja)
    if kind == "flag":
        return bool(chk.run(where, lambda: _parse_bool(value), column=f.ja))
    if kind == "int":
        return chk.run(where, lambda: _parse_int(value, f.lo, f.hi, f.ja), column=f.ja)
    if kind == "languages":
        langs: list[str] = []
        for lang in _as_list(value) or list(f.default):
            if not _LANG_RE.match(lang):
                chk.add(where, f"言語「{lang}」は ja, en のような2文字のコードで書いてください", f.ja)
            elif lang not in langs:
                langs.append(lang)
        return langs
    if kind == "source":
        return _text(value) or (inherit or {}).get("source") or ""
    if kind == "date":
        if _empty(value):
            if inherit:
                return inherit.get("verified_on", "undated")
            chk.add(where, "必須項目「verified_on」がありません（日付がない資料は undated）", f.ja)
            return "undated"
        parsed = chk.run(where, lambda: parse_source_date(value), column=f.ja)
        return format_source_date(*parsed) if parsed else "undated"
    if kind == "hours":
        text = str(value).strip()
        try:
            return format_hours_spec(*parse_hours_spec(text))
        except HoursSpecError as exc:
            chk.add(where, f"営業時間: {exc}", f.ja)
            return text
    raise AssertionError(f"unknown field kind {kind}")  # a table bug, not bad input


def _record(chk: _Checker, where: str, raw: dict, fields: tuple[Field, ...], inherit: dict | None = None) -> dict:
    rec = {f.name: parse_value(chk, where, f, raw.get(f.name), inherit) for f in fields if f.kind != "contact"}
    if rec.get("confidence") == "verified":
        if not rec.get("source"):
            chk.add(where, "確認済み（verified）の項目には出典（source）が必要です")
        if rec.get("verified_on") == "undated":
            chk.add(where, "確認済み（verified）の項目には日付が必要です（日付のない公式ページは確認した日）")
    return rec


def _inherit(rec: dict) -> dict:
    return {"source": rec["source"], "verified_on": rec["verified_on"]}


def _contacts(chk: _Checker, where: str, items: Any, inherit: dict, owner: str = "") -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        chk.add(where, "contacts はリストで書いてください")
        return []
    value_field = F.by_name(F.CONTACT)["value"]
    out = []
    for i, raw in enumerate(items, 1):
        if not isinstance(raw, dict):
            chk.add(where, f"連絡先{i}の形が正しくありません")
            continue
        label = f"{owner} 連絡先{i}".strip()
        cw = _where(raw, where, label) if raw.get(LINE_KEY) else f"{where} 連絡先{i}"
        _unknown_fields(chk, cw, raw, F.names(F.CONTACT))
        rec = _record(chk, cw, raw, F.CONTACT, inherit)
        value = raw.get("value")
        if _empty(value):
            chk.add(cw, "必須項目「value」がありません", value_field.ja)
            value = None
        elif isinstance(value, datetime):
            parse_value(chk, cw, value_field, value)
            value = None
        elif rec["kind"]:
            value = chk.run(cw, lambda k=rec["kind"], x=value: validate_contact_value(k, x), column=value_field.ja)
        out.append(
            {
                "kind": rec["kind"],
                "value": value,
                "label": rec["label"],
                "source": rec["source"],
                "verified_on": rec["verified_on"],
                "confidence": rec["confidence"],
            }
        )
    return out


def _validate_org(chk: _Checker, raw: dict, where: str) -> dict:
    _unknown_fields(chk, where, raw, F.names(F.ORGANISATION) + F.ORG_NESTED)
    rec = _record(chk, where, raw, F.ORGANISATION)
    rec["contacts"] = _contacts(chk, where, raw.get("contacts"), _inherit(rec), rec["key"] or "")
    return rec


def _validate_hours(chk: _Checker, where: str, raw: Any, inherit: dict) -> dict | None:
    if raw is None:
        chk.add(where, "必須項目「hours」がありません（分からない場合は spec: unknown）", F.HOURS[0].ja)
        return None
    if isinstance(raw, str):
        raw = {"spec": raw}
    if not isinstance(raw, dict):
        chk.add(where, "hours の形が正しくありません")
        return None
    if raw.get(LINE_KEY):
        where = _where(raw, where)
    _unknown_fields(chk, where, raw, F.names(F.HOURS))
    rec = _record(chk, where, raw, F.HOURS, inherit)
    if rec["spec"] and rec["holidays"]:
        try:
            has_holiday_rows = any(kind == "holiday" for kind, *_ in parse_hours_spec(rec["spec"])[1])
        except HoursSpecError:
            return rec  # already reported
        if rec["holidays"] == "special" and not has_holiday_rows:
            chk.add(where, "祝日が special のときは「holiday 10:00-15:00」のように祝日の時間を書いてください")
        if has_holiday_rows and rec["holidays"] != "special":
            chk.add(where, "祝日の時間（holiday ...）を書くときは holidays: special にしてください")
    return rec


def _validate_service(chk: _Checker, raw: dict, where: str) -> dict:
    _unknown_fields(chk, where, raw, F.names(F.SERVICE) + F.SERVICE_NESTED)
    rec = _record(chk, where, raw, F.SERVICE)
    rec["also"] = sorted(c for c in rec["also"] if c != rec["category"])
    rec["channels"] = sorted(rec["channels"], key=CHANNELS.index)
    if rec["priority"] is None:
        rec["priority"] = 0
    if rec["age_min"] is not None and rec["age_max"] is not None and rec["age_min"] > rec["age_max"]:
        chk.add(where, f"対象年齢の下限（{rec['age_min']}）が上限（{rec['age_max']}）より大きくなっています")
    rec["hours"] = _validate_hours(chk, where, raw.get("hours"), _inherit(rec))
    rec["contacts"] = _contacts(chk, where, raw.get("contacts"), _inherit(rec), rec["key"] or "")
    return rec


def _validate_rows(chk: _Checker, raws: list, section: str, noun: str, validate) -> list[tuple[dict, str]]:
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


def validate_records(raw_orgs: list[dict], raw_services: list[dict], known_org_keys: Iterable[str] = ()) -> ImportBatch:
    """Validate raw records; raises ImportValidationError listing every problem."""
    chk = _Checker()
    orgs = _validate_rows(chk, raw_orgs, "organisations", "団体", _validate_org)
    org_keys = {rec["key"] for rec, _ in orgs if rec["key"]} | set(known_org_keys)
    services = _validate_rows(chk, raw_services, "services", "窓口", _validate_service)
    for rec, where in services:
        if rec["organisation"] and rec["organisation"] not in org_keys:
            chk.add(where, f"団体「{rec['organisation']}」がファイルにもデータベースにもありません")
    if not orgs and not services:
        chk.add("ファイル", "団体も窓口も入っていません")
    if chk.issues:
        raise ImportValidationError(chk.issues)
    return ImportBatch([rec for rec, _ in orgs], [rec for rec, _ in services])
