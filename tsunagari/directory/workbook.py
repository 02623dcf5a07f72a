"""The directory as an Excel workbook (openpyxl), for staff who keep it in Excel.

One sheet per part (団体, 窓口, 営業時間, 連絡先) with Japanese headers taken
from the field tables, drop-down lists for every fixed choice and yes/no, and
a 説明 sheet explaining each column. Reading checks the workbook's shape
(sheets, headers, merged cells) before any value, and names the sheet, row
and column of every problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from . import fields as F
from .fields import Field
from .validation import LINE_KEY, ImportBatch, ImportIssue, ImportValidationError

ORG_SHEET, SERVICE_SHEET, HOURS_SHEET, CONTACT_SHEET, NOTES_SHEET = "団体", "窓口", "営業時間", "連絡先", "説明"
_SERVICE_KEY = F.by_name(F.SERVICE)["key"]
_ORG_KEY = F.by_name(F.ORGANISATION)["key"]
_OWNER_ORG = Field("organisation", "団体キー", "ref", None, note="団体の連絡先なら団体キー（窓口キーは空欄）")
_OWNER_SERVICE = Field("service", "窓口キー", "ref", None, note="窓口の連絡先なら窓口キー（団体キーは空欄）")

# sheet -> its columns, in order
SHEETS: dict[str, tuple[Field, ...]] = {
    ORG_SHEET: F.ORGANISATION,
    SERVICE_SHEET: F.SERVICE,
    HOURS_SHEET: (_SERVICE_KEY, *F.HOURS),
    CONTACT_SHEET: (_OWNER_ORG, _OWNER_SERVICE, *F.CONTACT),
}
_SHEET_PURPOSE = {
    ORG_SHEET: "団体（1行に1団体）",
    SERVICE_SHEET: "窓口（1行に1窓口）",
    HOURS_SHEET: "窓口ごとの営業時間（1行に1窓口）",
    CONTACT_SHEET: "連絡先（1行に1件。上から順に表示）",
}


def _cell(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.kind in ("bool", "flag"):
        return F.YES_NO[0] if value else F.YES_NO[1]
    if isinstance(value, (list, tuple)):
        return "|".join(value)
    return value


def _rows(batch: ImportBatch) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    for org in batch.organisations:
        out[ORG_SHEET].append([_cell(f, org[f.name]) for f in F.ORGANISATION])
        for c in org["contacts"]:
            out[CONTACT_SHEET].append([org["key"], None, *(_cell(f, c[f.name]) for f in F.CONTACT)])
    for s in batch.services:
        out[SERVICE_SHEET].append([_cell(f, s[f.name]) for f in F.SERVICE])
        out[HOURS_SHEET].append([s["key"], *(_cell(f, s["hours"][f.name]) for f in F.HOURS)])
        for c in s["contacts"]:
            out[CONTACT_SHEET].append([None, s["key"], *(_cell(f, c[f.name]) for f in F.CONTACT)])
    return out


def _dropdown(f: Field) -> tuple[str, ...]:
    if f.kind in ("bool", "flag"):
        return F.YES_NO
    if f.kind == "choice":
        return f.choices
    return ()


def write_xlsx(batch: ImportBatch, path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for (name, columns), rows in zip(SHEETS.items(), _rows(batch).values(), strict=True):
        ws = wb.create_sheet(name)
        ws.append([f.ja for f in columns])
        for row in rows:
            ws.append(row)
        last = max(len(rows) + 1, 2) + 500  # room for new rows keeps the drop-downs
        for i, f in enumerate(columns, 1):
            letter = get_column_letter(i)
            cell = ws.cell(row=1, column=i)
            cell.font, cell.fill = header_font, header_fill
            ws.column_dimensions[letter].width = max(12, min(40, len(f.ja) * 2 + 4))
            if f.kind != "int":  # text stays text: Excel must not turn 2024-03 or 03-... into a date
                for (c,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=i, max_col=i):
                    c.number_format = "@"
            options = _dropdown(f)
            if options:
                dv = DataValidation(
                    type="list",
                    formula1='"' + ",".join(options) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="選べない値です",
                    error=f"{f.ja}: {' / '.join(options)} から選んでください",
                )
                dv.add(f"{letter}2:{letter}{last}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["シート", "列", "必須", "書き方"])
    for name, columns in SHEETS.items():
        notes.append([name, "（このシート）", "", _SHEET_PURPOSE[name]])
        for f in columns:
            options = _dropdown(f)
            listed = all(o in f.note for o in options)
            text = f.note + (f"（一覧から選べます: {' / '.join(options)}）" if options and not listed else "")
            notes.append([name, f.ja, "必須" if f.required else "", text])
    notes.append(
        [
            "",
            "",
            "",
            (
                "日付は 2026-11-01、2026-11、2026、undated のいずれか（文字として入力）。"
                "セルの結合はしないでください。1件でも問題があると全体を取り込みません。"
            ),
        ]
    )
    for letter, width in zip("ABCD", (10, 24, 6, 100), strict=True):
        notes.column_dimensions[letter].width = width
    for (c,) in notes.iter_rows(min_col=4, max_col=4):
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for c in notes[1]:
        c.font, c.fill = header_font, header_fill
    wb.save(path)


# --- reading ----------------------------------------------------------------------------


def _value(v: Any) -> Any:
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, datetime) or v is None or isinstance(v, (bool, int)):
        return v
    return str(v)


def _where(sheet: str, row: int) -> str:
    return f"「{sheet}」シート {row}行目"


def _read_sheet(ws, columns: tuple[Field, ...], issues: list[ImportIssue]) -> list[tuple[int, dict]]:
    sheet = ws.title
    for merged in ws.merged_cells.ranges:
        issues.append(
            ImportIssue(
                f"「{sheet}」シート {merged.coord}",
                "セルが結合されています。結合を解除して1つのセルに1つの値を書いてください",
            )
        )
    rows = ws.iter_rows(values_only=True)
    header = [(_value(h) or "") for h in next(rows, ())]
    while header and header[-1] == "":
        header.pop()
    by_ja = {f.ja: f for f in columns}
    unknown = [str(h) for h in header if h not in by_ja]
    missing = [f.ja for f in columns if f.ja not in header and (f.required or f in (_OWNER_ORG, _OWNER_SERVICE))]
    if unknown:
        issues.append(ImportIssue(_where(sheet, 1), f"知らない見出しがあります: {', '.join(unknown) or '（空欄）'}"))
    if missing:
        issues.append(ImportIssue(_where(sheet, 1), f"見出しに必須の列がありません: {', '.join(missing)}"))
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        issues.append(ImportIssue(_where(sheet, 1), f"同じ見出しが2回あります: {', '.join(map(str, duplicated))}"))
    if unknown or missing or duplicated:
        return []
    out = []
    for n, values in enumerate(rows, 2):
        values = [_value(v) for v in values]
        if not any(v not in (None, "") for v in values):
            continue
        if any(v not in (None, "") for v in values[len(header) :]):
            issues.append(
                ImportIssue(_where(sheet, n), "見出しのない列に値があります（見出しをつけるか、値を消してください）")
            )
        record = {by_ja[h].name: v for h, v in zip(header, values, strict=False) if v not in (None, "")}
        record[LINE_KEY] = _where(sheet, n)
        out.append((n, record))
    return out


def parse_xlsx(path: str | Path) -> tuple[list[dict], list[dict]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportValidationError(
            [ImportIssue("ファイル", f"Excelファイル（.xlsx）として読めません: {exc}")]
        ) from None
    issues: list[ImportIssue] = []
    missing = [name for name in SHEETS if name not in wb.sheetnames]
    if missing:
        issues.append(
            ImportIssue(
                "ファイル",
                f"シートがありません: {'、'.join(missing)}（書き出したファイルのシート名のままにしてください）",
            )
        )
    sheets = {name: _read_sheet(wb[name], columns, issues) for name, columns in SHEETS.items() if name in wb.sheetnames}
    if issues:
        raise ImportValidationError(issues)
    orgs = {r["key"]: r for _, r in sheets[ORG_SHEET] if r.get("key")}
    org_list = [r for _, r in sheets[ORG_SHEET]]
    services = {r["key"]: r for _, r in sheets[SERVICE_SHEET] if r.get("key")}
    service_list = [r for _, r in sheets[SERVICE_SHEET]]
    for r in org_list:
        r["contacts"] = []
    for r in service_list:
        r.setdefault("hours", None)
        r["contacts"] = []
    for _, hours in sheets[HOURS_SHEET]:
        key = hours.pop("key", None)
        target = services.get(str(key)) if key is not None else None
        if target is None:
            issues.append(
                ImportIssue(
                    hours[LINE_KEY],
                    f"窓口キー「{key or ''}」の窓口が「{SERVICE_SHEET}」シートにありません",
                    _SERVICE_KEY.ja,
                )
            )
        elif target["hours"] is not None:
            issues.append(ImportIssue(hours[LINE_KEY], f"窓口「{key}」の営業時間が2行あります", _SERVICE_KEY.ja))
        else:
            target["hours"] = hours
    for _, contact in sheets[CONTACT_SHEET]:
        org_key, service_key = contact.pop("organisation", None), contact.pop("service", None)
        if (org_key is None) == (service_key is None):
            issues.append(ImportIssue(contact[LINE_KEY], "団体キーか窓口キーのどちらか一方を書いてください"))
            continue
        owner = orgs.get(str(org_key)) if org_key is not None else services.get(str(service_key))
        if owner is None:
            issues.append(
                ImportIssue(contact[LINE_KEY], f"「{org_key or service_key}」が団体・窓口のシートにありません")
            )
            continue
        owner["contacts"].append(contact)
    if issues:
        raise ImportValidationError(issues)
    return org_list, service_list


def sheet_names() -> Iterable[str]:
    return (*SHEETS, NOTES_SHEET)
