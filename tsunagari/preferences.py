"""Read the referral form's answers from what residents type.

Buttons send canonical values; people also type 「電話がいいです」「夜なら」
「どれでも」. This module maps such text to the slot values used by the
form: contact_channel in CHANNELS and contact_time in TIMES.
"""

from __future__ import annotations

import re

from tsunagari.text import normalize

CHANNELS = ("in_person", "phone", "chat", "online", "any")
TIMES = ("now", "weekday_day", "evening", "weekend", "any")

# Patterns run on tsunagari.text.normalize output: hiragana instead of
# katakana, lower-case ASCII, no spaces or punctuation.

# "No preference" answers, shared by both questions.
_ANY = r"(こだわらな|こだわりな|こだわりは(とくに|特に)?な|どれでも|どっちでも|どちらでも|どの方法でも|どのほうほうでも|なんでも|何でも|いつでも|特にな|とくにな|特に希望はな|とくにきぼうはな|希望はな|きぼうはな|おまかせ|お任せ|わからな|分からな|決めてな|any)"

# Order matters: the first pattern that matches wins, so more specific
# phrases come before general ones.
_CHANNEL_PATTERNS = (
    ("online", r"(おんらいん|zoom|ずーむ|びでお通話|びでおつうわ|びでお|web会議|meet|teams|りもーと|ねっと|ネット)"),
    ("chat", r"(line|らいん|ちゃっと|めっせーじ|文字|もじ|てきすと|dm|めーる|sns)"),
    ("phone", r"(電話|でんわ|tel|通話|つうわ|声で|こえで)"),
    (
        "in_person",
        r"(対面|たいめん|会って|あって話|直接|ちょくせつ|顔を見て|窓口に行|行ける|行って|来所|訪問|実際に|りある)",
    ),
    ("any", _ANY),
)

_TIME_PATTERNS = (
    (
        "now",
        r"(今すぐ|いますぐ|今から|いまから|今日|きょう|今夜|こんや|今晩|こんばん|すぐ|至急|今(話|はな)|今がいい|いまがいい)",
    ),
    ("weekend", r"(土日|どにち|週末|しゅうまつ|土曜|どよう|日曜|にちよう|休日|きゅうじつ|休みの日|やすみの日|祝日)"),
    (
        "evening",
        r"(夜|よる|夕方|ゆうがた|深夜|しんや|夜中|よなか|仕事(の|が)?(後|あと|終わり|おわり)|帰ってから|寝る前|夜間|(1[7-9]|2[0-3])時(以降|から|すぎ|過ぎ|ごろ|頃|くらい)?)",
    ),
    (
        "weekday_day",
        r"(平日|へいじつ|昼|ひる|日中|にっちゅう|午前|ごぜん|午後|ごご|朝|あさ|([89]|1[0-6])時(以降|から|ごろ|頃|くらい)?)",
    ),
    ("any", _ANY),
)


def _prepare(text: str | None) -> str:
    """Matching form of the text (see tsunagari.text.normalize)."""
    return normalize(text or "")[:500]


def _first_match(text: str | None, patterns) -> str | None:
    prepared = _prepare(text)
    if not prepared:
        return None
    for value, pattern in patterns:
        if re.search(pattern, prepared):
            return value
    return None


def parse_channel(text: str | None) -> str | None:
    """Return a contact_channel value for typed text, or None."""
    return _first_match(text, _CHANNEL_PATTERNS)


def parse_time(text: str | None) -> str | None:
    """Return a contact_time value for typed text, or None."""
    return _first_match(text, _TIME_PATTERNS)


def clear_preference(text: str | None, parser) -> str | None:
    """Like `parser`, but ignores a bare "no preference" answer.

    Used on the message that starts a referral: 「相談したい、いつでもいい
    けど」 may state a time preference, but 「わからない」 in a first message
    is not an answer to a question nobody asked yet.
    """
    value = parser(text)
    return None if value == "any" else value
