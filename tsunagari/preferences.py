"""Read the referral form's answers from what residents type.

Buttons send canonical values; people also type 「電話がいいです」「夜なら」
「どれでも」. This module maps such text to the slot values used by the
form: contact_channel in CHANNELS and contact_time in TIMES.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

CHANNELS = ("in_person", "phone", "chat", "online", "any")
TIMES = ("now", "weekday_day", "evening", "weekend", "any")

# "No preference" answers, shared by both questions.
_ANY = r"(こだわらな|こだわりな|こだわりは(とくに|特に)?な|どれでも|どっちでも|どちらでも|なんでも|何でも|いつでも|特にな|とくにな|おまかせ|お任せ|わからな|分からな|決めてな|any)"

# Order matters: the first pattern that matches wins, so more specific
# phrases come before general ones.
_CHANNEL_PATTERNS = (
    ("online", r"(オンライン|おんらいん|zoom|ズーム|ビデオ通話|ビデオ|web会議|meet|teams|リモート)"),
    ("chat", r"(line|ライン|らいん|チャット|ちゃっと|メッセージ|文字|テキスト|dm|メール|sns)"),
    ("phone", r"(電話|でんわ|tel|通話|声で)"),
    ("in_person", r"(対面|たいめん|会って|あって話|直接|顔を見て|窓口に行|行ける|行って|来所|訪問|実際に|リアル)"),
    ("any", _ANY),
)

_TIME_PATTERNS = (
    ("now", r"(今すぐ|いますぐ|今から|いまから|今日|きょう|今夜|こんや|今晩|すぐ|至急|今(話|はな)|今が?いい)"),
    ("weekend", r"(土日|週末|しゅうまつ|土曜|日曜|休日|休みの日|やすみの日|祝日)"),
    ("evening", r"(夜|よる|夕方|ゆうがた|深夜|しんや|夜中|よなか|仕事(の|が)?(後|あと|終わり)|帰ってから|寝る前|夜間)"),
    ("weekday_day", r"(平日|へいじつ|昼|ひる|日中|にっちゅう|午前|午後|朝|あさ)"),
    ("any", _ANY),
)


def _prepare(text: Optional[str]) -> str:
    """NFKC (full/half width) and lower case; spaces removed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", "", folded)[:500]


def _first_match(text: Optional[str], patterns) -> Optional[str]:
    prepared = _prepare(text)
    if not prepared:
        return None
    for value, pattern in patterns:
        if re.search(pattern, prepared):
            return value
    return None


def parse_channel(text: Optional[str]) -> Optional[str]:
    """Return a contact_channel value for typed text, or None."""
    return _first_match(text, _CHANNEL_PATTERNS)


def parse_time(text: Optional[str]) -> Optional[str]:
    """Return a contact_time value for typed text, or None."""
    return _first_match(text, _TIME_PATTERNS)


def clear_preference(text: Optional[str], parser) -> Optional[str]:
    """Like `parser`, but ignores a bare "no preference" answer.

    Used on the message that starts a referral: 「相談したい、いつでもいい
    けど」 may state a time preference, but 「わからない」 in a first message
    is not an answer to a question nobody asked yet.
    """
    value = parser(text)
    return None if value == "any" else value
