"""The directory's import/export schema: one table per part, read by every format.

Each `Field` row says how a value is named in a YAML record, a CSV column and
an Excel header, how it is parsed and checked, which model attribute holds it
and what staff should write there. Validation (`validation.py`), the YAML/CSV/
Excel formats (`formats.py`) and the database sync (`sync.py`) all iterate
these tables, so adding a directory field takes the model, a migration, one
row here and the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import (
    CATEGORIES,
    CHANNELS,
    CONFIDENCE,
    CONTACT_KINDS,
    ELIGIBILITY,
    HOLIDAY_RULES,
    ORG_KINDS,
)

DISTRICTS = ("品川", "大崎", "大井", "荏原", "八潮")
ELIGIBILITY_AREAS = ("品川区", "東京都", "全国")
CHANNEL_ALIASES = {
    "対面": "in_person",
    "電話": "phone",
    "チャット": "chat",
    "line": "line",
    "LINE": "line",
    "オンライン": "online",
    "来所": "in_person",
}
ELIGIBILITY_ALIASES = {
    "区民": "resident",
    "在勤・在学": "work_study",
    "在住・在勤・在学": "work_study",
    "誰でも": "anyone",
    "だれでも": "anyone",
}
YES_NO = ("はい", "いいえ")

# Kinds (how a value is parsed; see validation.parse_value):
#   key        stable key: lower-case letters, digits, hyphens
#   ref        key of another part (the service's organisation)
#   text       free text, one cell        line   text that must stay on one line
#   choice     one of `choices` (or an alias)  choices  several, separated by "|"
#   bool       true/false/empty (unknown)       flag     true/false, empty = false
#   int        whole number in [lo, hi]          languages  ISO 639-1 codes
#   source     provenance text                   date     YYYY-MM-DD / YYYY-MM / YYYY / undated
#   hours      opening-hours spec (hours.py)     contact  phone / URL / LINE / address, by kind


@dataclass(frozen=True)
class Field:
    name: str  # key in a YAML record
    ja: str  # Excel header and the column named in error messages
    kind: str
    column: str | None  # CSV column; None = implied by the row (e.g. organisation of a service)
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    default: Any = None  # record value when the cell is empty
    lo: int = 0
    hi: int = 0
    attr: str | None = ""  # model attribute ("" = same as name, None = written by sync code)
    precision_attr: str = "verified_precision"  # for kind "date"
    say: str = ""  # name used in messages when it differs from `ja` (kept for existing wording)
    note: str = ""  # explanation on the Excel notes sheet

    @property
    def model_attr(self) -> str | None:
        return self.name if self.attr == "" else self.attr

    @property
    def label(self) -> str:
        return self.say or self.ja


def _provenance(
    prefix: str = "", attr_prefix: str = "", precision_attr: str = "verified_precision", what: str = ""
) -> tuple[Field, ...]:
    return (
        Field(
            "source",
            f"{what}出典",
            "source",
            f"{prefix}source",
            attr=f"{attr_prefix}source",
            note="情報のもとになった資料やページ（確認済みなら必須）。空欄なら上位の項目と同じ",
        ),
        Field(
            "verified_on",
            f"{what}確認日",
            "date",
            f"{prefix}verified_on",
            attr=f"{attr_prefix}verified_on",
            precision_attr=precision_attr,
            note="資料に書かれた日付。2026-11-01（2026/11/01 も可）、2026-11、2026、または undated（文字として入力）",
        ),
        Field(
            "confidence",
            f"{what}確かさ",
            "choice",
            f"{prefix}confidence",
            required=True,
            choices=CONFIDENCE,
            attr=f"{attr_prefix}confidence",
            say="confidence",
            note="verified（確認済み）/ partly（一部確認）/ unverified（未確認）",
        ),
    )


ORGANISATION: tuple[Field, ...] = (
    Field("key", "団体キー", "key", "org_key", required=True, note="変えない識別子。半角の小文字・数字・ハイフン"),
    Field("name", "団体名", "text", "org_name", required=True, note="正式な団体名"),
    Field("kind", "団体の種類", "choice", "org_kind", required=True, choices=ORG_KINDS, note=" / ".join(ORG_KINDS)),
    Field("description", "団体の説明", "text", "org_description", default="", note="自由記述"),
    Field(
        "district",
        "地区",
        "choice",
        "org_district",
        choices=DISTRICTS,
        note=f"{' / '.join(DISTRICTS)}。区外・区全域は空欄",
    ),
    *_provenance("org_"),
    Field("hidden", "非表示", "flag", "org_hidden", note="はい にすると、この団体の窓口を住民に表示しません"),
    Field("hidden_reason", "非表示の理由", "text", "org_hidden_reason", note="職員向けの理由"),
    Field("staff_notes", "職員メモ", "text", "org_staff_notes", note="住民には表示しません"),
)

SERVICE: tuple[Field, ...] = (
    Field("key", "窓口キー", "key", "service_key", required=True, note="変えない識別子。半角の小文字・数字・ハイフン"),
    Field(
        "organisation",
        "団体キー",
        "ref",
        None,
        required=True,
        attr=None,
        note="この窓口を持つ団体の団体キー（「団体」シートにあるもの）",
    ),
    Field("name", "窓口名", "text", "service_name", required=True, note="住民に表示する名前"),
    Field(
        "category",
        "カテゴリ",
        "choice",
        "category",
        required=True,
        choices=CATEGORIES,
        note="counseling（相談）/ free_space（居場所）/ career（仕事）/ crisis_line（24時間の電話など）/ "
        "community_event（地域の集まり）",
    ),
    Field(
        "also",
        "追加カテゴリ",
        "choices",
        "also_categories",
        choices=CATEGORIES,
        attr=None,
        note="ほかに当てはまるカテゴリ。複数は | で区切る",
    ),
    Field("description", "説明", "line", "description", required=True, note="やさしい日本語で1行"),
    Field("operated_by", "運営", "text", "operated_by", note="委託先など、団体と違う場合"),
    Field("age_min", "対象年齢（下限）", "int", "age_min", lo=0, hi=120, note="整数（歳）"),
    Field("age_max", "対象年齢（上限）", "int", "age_max", lo=0, hi=120, note="整数（歳）"),
    Field(
        "eligibility",
        "対象",
        "choice",
        "eligibility",
        choices=ELIGIBILITY,
        aliases=ELIGIBILITY_ALIASES,
        default="anyone",
        note="resident（区民）/ work_study（在勤・在学）/ anyone（誰でも）",
    ),
    Field("eligibility_area", "対象地域", "text", "eligibility_area", note=" / ".join(ELIGIBILITY_AREAS)),
    Field(
        "channels",
        "相談方法",
        "choices",
        "channels",
        choices=CHANNELS,
        aliases=CHANNEL_ALIASES,
        attr=None,
        note="in_person|phone|chat|line|online（対面|電話|チャット|LINE|オンライン）。複数は | で区切る",
    ),
    Field("languages", "言語", "languages", "languages", default=("ja",), note="ja|en のような2文字のコード"),
    Field("cost", "費用", "text", "cost", note="費用の説明"),
    Field("cost_free", "無料", "bool", "cost_free", note="はい / いいえ（空欄は不明）"),
    Field("reservation_required", "予約が必要", "bool", "reservation_required", note="はい / いいえ（空欄は不明）"),
    Field("anonymous", "匿名で相談できる", "bool", "anonymous", note="はい / いいえ（空欄は不明）"),
    Field(
        "priority",
        "優先度",
        "int",
        "priority",
        default=0,
        lo=-1000,
        hi=1000,
        note="同じ条件のときの並び順（大きいほど先）",
    ),
    Field("emergency", "緊急番号", "flag", "emergency", note="110・119 のような緊急番号なら はい"),
    Field("notes", "住民向けの補足", "text", "notes", note="住民に表示する1行（出典のあること）"),
    Field("staff_notes", "職員メモ", "text", "staff_notes", note="住民には表示しません"),
    *_provenance(),
    Field("hidden", "非表示", "flag", "hidden", note="はい にすると住民に表示しません"),
    Field("hidden_reason", "非表示の理由", "text", "hidden_reason", note="職員向けの理由"),
)

HOURS: tuple[Field, ...] = (
    Field(
        "spec",
        "営業時間",
        "hours",
        "hours",
        required=True,
        attr=None,
        note="mon-fri 10:00-17:00; sat 12:00-翌5:30; day10 8:00-翌8:00; holiday 10:00-15:00、"
        "または 24h / appointment / web / unknown",
    ),
    Field(
        "holidays",
        "祝日の扱い",
        "choice",
        "holidays",
        choices=HOLIDAY_RULES,
        default="unknown",
        attr="holiday_rule",
        note="closed / as_usual / special（holiday の時間を書く）/ unknown",
    ),
    Field("note", "営業時間の補足", "text", "hours_note", attr="hours_note", note="例: 年末年始は休み"),
    *_provenance("hours_", "hours_", "hours_precision", "営業時間の"),
)

CONTACT: tuple[Field, ...] = (
    Field(
        "kind",
        "連絡先の種類",
        "choice",
        "kind",
        required=True,
        choices=CONTACT_KINDS,
        note="phone（電話）/ url / line / address（住所）",
    ),
    Field(
        "value",
        "連絡先",
        "contact",
        "value",
        required=True,
        note="03-3264-4343、0120-783-556、#7119、https://…、line.me のURL・@ID、住所",
    ),
    Field("label", "連絡先の説明", "text", "label", note="例: 23区内から"),
    *_provenance(),
)

# Keys a YAML record may hold besides its fields.
ORG_NESTED = ("contacts",)
SERVICE_NESTED = ("hours", "contacts")


def names(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in fields)


def by_name(fields: tuple[Field, ...]) -> dict[str, Field]:
    return {f.name: f for f in fields}
