"""Remove personal data from a resident's message before it is stored.

Runs at write time only (the tracker store), never before NLU or the safety
layer: it protects what is kept, not what is understood. Each finding is
replaced by a bracketed label such as ``[電話番号]``, so a reader of the
stored conversation still sees that something was there.

Hand-written because no maintained library covers Japanese phone, address
and name forms (Presidio and scrubadub target English and need models).
The patterns err on the side of removing too much: a lost word in a stored
log costs nothing, a kept phone number is a leak.

Matching runs on a copy where full-width ASCII (``０９０－１２３４``, ``ｈｔｔｐ``,
``＠``) and the ideographic space are mapped one-to-one to ASCII, so every
span found there is also the right span in the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from re import Pattern

# Labels written in place of what was removed.
LABELS = {
    "phone": "[電話番号]",
    "email": "[メール]",
    "url": "[URL]",
    "postal": "[郵便番号]",
    "address": "[住所]",
    "line_id": "[LINE ID]",
    "name": "[名前]",
    "workplace": "[勤務先]",
}
# Stored instead of the whole text when nothing may be kept (or redaction failed).
NOT_STORED = "[本文は保存していません]"

# One-to-one (length-preserving) mapping: full-width ASCII and U+3000 to ASCII.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20

_D = r"[0-9]"
# Characters people put between digit groups: hyphens of every width, the
# katakana long mark typed instead of a hyphen, dots, spaces, brackets.
_SEP = r"[\-‐‑‒–—―−ーｰ.･・ ()]"
_HYPHEN = r"[\-‐‑‒–—―−ーｰ]"
# Units that make a number a time, price, age, count... never personal data.
_UNIT = r"(?:[時分秒円歳才回日月年人件個倍度週%万千百本枚階]|時間|ヶ月|か月|カ月|分間)"
_KANJI_KANA = r"[一-龥々〆ヵヶァ-ヴー]"
_PLACE = r"[一-龥々〆ヵヶァ-ヴーの]"  # 旗の台, 戸越
_NAME_CHARS = r"[一-龥々〆ヵヶァ-ヴーぁ-んA-Za-z]"
_ORG_CHARS = r"[一-龥々〆ヵヶァ-ヴーA-Za-z0-9&]"


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: Pattern[str]
    group: str = ""  # named group to remove; empty means the whole match
    after_label: bool = False  # value follows 名前は / 住所は...: skip refusals ("名前は言いたくない")


def _rule(kind: str, pattern: str, group: str = "", flags: int = 0, after_label: bool = False) -> _Rule:
    return _Rule(kind, re.compile(pattern, flags), group, after_label)


_RULES: tuple[_Rule, ...] = (
    _rule("url", r"(?:https?://|www\.)[^\s、。「」『』（）()<>\"']+", flags=re.IGNORECASE),
    _rule("email", r"[A-Za-z0-9._%+\-]+ ?@ ?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    # A raw LINE user ID (U + 32 hex digits).
    _rule("line_id", r"(?<![A-Za-z0-9])U[0-9a-f]{32}(?![0-9a-f])"),
    # "LINE ID は abc_123", "ラインのIDはtaro.01", "LINE: @taro"
    _rule(
        "line_id",
        r"(?:LINE|ライン|らいん)\s*(?:の\s*)?(?:ID|アイディー?|アカウント)?\s*(?:は|:|=|を|が)?\s*"
        r"(?P<value>@?[A-Za-z0-9][A-Za-z0-9._\-]{2,29})",
        "value",
        re.IGNORECASE,
    ),
    # Handles written with @ (LINE, Instagram, X).
    _rule("line_id", r"(?<![A-Za-z0-9._%+\-])@[A-Za-z0-9_][A-Za-z0-9._\-]{2,29}"),
    # A number after 電話 / TEL / 携帯 / 番号, even in short or odd forms.
    _rule(
        "phone",
        r"(?:電話|でんわ|TEL|Tel|tel|携帯|けいたい|ケータイ|スマホ|番号)(?:番号)?\s*(?:は|:|=|が|を)?\s*"
        r"(?P<value>\+?[0-9](?:" + _SEP + r"{0,2}[0-9]){5,14})(?!" + _UNIT + r")",
        "value",
    ),
    # Japanese numbers: 0 + 9 or 10 digits, or +81, with any separators.
    _rule("phone", r"(?<![0-9])(?:\+ ?81|0)(?:" + _SEP + r"{0,2}[0-9]){9,10}(?![0-9])"),
    _rule("postal", r"〒\s*[0-9]{3}" + _HYPHEN + r"?\s*[0-9]{4}"),
    _rule(
        "postal",
        r"郵便番号\s*(?:は|:)?\s*(?P<value>[0-9]{3}" + _HYPHEN + r"?[0-9]{4})",
        "value",
    ),
    _rule("postal", r"(?<![0-9])[0-9]{3}" + _HYPHEN + r"[0-9]{4}(?![0-9]|" + _HYPHEN + r"|" + _UNIT + r")"),
    # Addresses: a place name followed by block numbers (1丁目2番3号, 2-1-36).
    _rule(
        "address",
        _KANJI_KANA + r"{1,20}(?:[0-9]{1,4}|[一二三四五六七八九十]{1,3})丁目"
        r"(?:\s*[0-9]{1,5}(?:番地?|" + _HYPHEN + r")?)?(?:\s*[0-9]{1,5}号?)?(?:" + _HYPHEN + r"[0-9]{1,5})?",
    ),
    _rule("address", _KANJI_KANA + r"{1,20}[0-9]{1,5}番地?(?:\s*[0-9]{1,5}号?)?"),
    _rule(
        "address",
        _PLACE + r"{2,20}[0-9]{1,5}" + _HYPHEN + r"[0-9]{1,5}(?:" + _HYPHEN + r"[0-9]{1,5}){0,2}"
        r"(?![0-9]|" + _UNIT + r")",
    ),
    _rule("address", r"[0-9]{1,4}号室"),
    _rule("address", r"住所\s*(?:は|:|を|が)\s*(?P<value>[^\s、。!?！？]{2,40})", "value", after_label=True),
    # Names: 名前は X / X と申します / X って呼んで.
    _rule(
        "name",
        r"(?:名前|なまえ|お名前|氏名|本名|フルネーム)\s*(?:は|:|が|を)\s*(?P<value>" + _NAME_CHARS + r"{1,12}?)"
        r"(?=\s*(?:です|だよ|だ|と申します|といいます|と言います|って|といって|で[すし]|。|、|!|！|\s|$))",
        "value",
        after_label=True,
    ),
    _rule(
        "name",
        r"(?P<value>" + _NAME_CHARS + r"{1,12}?)\s*(?:と申します|ともうします|と申す者|と言います|といいます|"
        r"っていいます|って言います|って呼んで|と呼んで|ってよんで|とよんで)",
        "value",
    ),
    # Workplaces: company names and 勤務先は X.
    _rule(
        "workplace",
        r"(?:" + _ORG_CHARS + r"{0,12}(?:株式会社|有限会社|合同会社|\(株\)|（株）|㈱)" + _ORG_CHARS + r"{0,12})",
    ),
    _rule(
        "workplace",
        r"(?:勤務先|勤め先|会社名)\s*(?:は|:)\s*(?P<value>[^\s、。!?！？]{2,30})",
        "value",
        after_label=True,
    ),
)

# A value after 名前は / 住所は / 勤務先は that is a refusal, not data.
_REFUSAL = re.compile(
    r"ない|たい|ません|まだ|秘密|内緒|ないしょ|ひみつ|言|教|わから|なし|特に|無い|不明|なんで|何|どこ|聞"
)

# Words that the name rules may take in front of the name ("私は田中と申します").
_NAME_PREFIXES = re.compile(
    r"^(?:.*?(?:私|わたし|わたくし|僕|ぼく|俺|おれ|あたし|うち|自分)(?:は|の名前は)|.*?(?:はじめまして|初めまして|こんにちは|こんばんは))"
)


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _name_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading "私は" / greeting from a name found before と申します."""
    prefix = _NAME_PREFIXES.match(text[start:end])
    if prefix and prefix.end() < end - start:
        start += prefix.end()
    return start, end


def find_pii(text: str, keep: tuple[str, ...] = ()) -> list[Finding]:
    """Every personal-data span in ``text`` (except kinds in ``keep``), merged where they overlap."""
    folded = _fold(text)
    found: list[Finding] = []
    for rule in _RULES:
        if rule.kind in keep:
            continue
        for match in rule.pattern.finditer(folded):
            start, end = match.span(rule.group) if rule.group else match.span()
            if rule.after_label and _REFUSAL.search(folded, start, min(end + 6, len(folded))):
                continue
            if rule.kind == "name" and rule.group:
                start, end = _name_span(folded, start, end)
            if end > start:
                found.append(Finding(start, end, rule.kind))
    return _merge(found)


def _merge(found: Iterable[Finding]) -> list[Finding]:
    merged: list[Finding] = []
    for item in sorted(found, key=lambda f: (f.start, -f.end)):
        if merged and item.start < merged[-1].end:
            last = merged[-1]
            if item.end > last.end:
                merged[-1] = Finding(last.start, item.end, last.kind)
            continue
        merged.append(item)
    return merged


def redact(text: str, keep: tuple[str, ...] = ()) -> str:
    """``text`` with every personal-data span replaced by its label (kinds in ``keep`` excepted)."""
    if not text:
        return text
    parts: list[str] = []
    position = 0
    for finding in find_pii(text, keep):
        parts.append(text[position : finding.start])
        parts.append(LABELS[finding.kind])
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
