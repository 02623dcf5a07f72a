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
_ANY = r"(こだわらな|こだわりな|こだわりは(とくに|特に)?な|どれでも|どっちでも|どちらでも|どの方法でも|どのほうほうでも|なんでも|何でも|いつでも|特にな|とくにな|特に希望はな|とくにきぼうはな|希望はな|きぼうはな|おまかせ|お任せ|わからな|分からな|決めてな|any|whenever|either|doesntmatter|nopreference|dontmind)"

# Order matters: the first pattern that matches wins, so more specific
# phrases come before general ones.
_CHANNEL_PATTERNS = (
    # English first where an English word holds another's ("meet in person", "online").
    ("in_person", r"(inperson|facetoface|meetup)"),
    ("online", r"(online|video|zoom|remote)"),
    ("online", r"(おんらいん|zoom|ずーむ|びでお通話|びでおつうわ|びでお|web会議|meet|teams|りもーと|ねっと|ネット)"),
    ("chat", r"(chat|text|message|email|line|らいん|ちゃっと|めっせーじ|文字|もじ|てきすと|dm|めーる|sns)"),
    ("phone", r"(電話|でんわ|tel|通話|つうわ|声で|こえで|phone|call)"),
    (
        "in_person",
        r"(対面|たいめん|会って|あって話|直接|ちょくせつ|顔を見て|窓口に行|行ける|行って|来所|訪問|実際に|りある)",
    ),
    ("any", _ANY),
)

_TIME_PATTERNS = (
    ("now", r"((?<![ks])now|asap|tonight|today)"),
    ("weekend", r"(weekend|saturday|sunday)"),
    ("evening", r"(evening|night|afterwork)"),
    ("weekday_day", r"(weekday|daytime|morning|afternoon|lunch)"),
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


# A story, not an answer: 「今日上司に怒られた」 names a day, 「会社には
# 行ってるけど…」 a place, 「でも平日は仕事」 a time it does NOT want.
# Only short replies without these markers are read as answers.
MAX_ANSWER_LENGTH = 24
_STORY_MARKERS = (
    r"(けど|けれど|でも|だけど|しかし|のに|言われ|いわれ|怒られ|おこられ|叱られ|しかられ|上司|じょうし|同僚|どうりょう|"
    r"会社に|かいしゃに|職場|しょくば|通って|かよって|働いて|はたらいて|仕事して|しごとして|仕事は|しごとは|仕事だ|しごとだ|"
    r"思う|おもう|思って|おもって|ずっと|毎日|まいにち|いつも|だった|でした|ました|さみし|寂し|淋し|つらい|辛い|しんどい|"
    r"but(?!ton)|though|because|iwork|mywork|atwork|working|job|boss|always|everyday|lonely|sad)"
)


def is_explicit_answer(text: str | None) -> bool:
    """True when typed text can be read as an answer to the form's question.

    Buttons are always explicit (they carry entities and never get here).
    Typed text must be short and free of story markers; anything else is
    listened to, and the question is asked again.
    """
    prepared = _prepare(text)
    if not prepared or len(prepared) > MAX_ANSWER_LENGTH:
        return False
    return re.search(_STORY_MARKERS, prepared) is None


def explicit_preference(text: str | None, parser) -> str | None:
    """`parser`'s value, but only for an explicit answer (see is_explicit_answer)."""
    return parser(text) if is_explicit_answer(text) else None


def clear_preference(text: str | None, parser) -> str | None:
    """Like `parser`, but ignores a bare "no preference" answer.

    Used on the message that starts a referral: 「相談したい、いつでもいい
    けど」 may state a time preference, but 「わからない」 in a first message
    is not an answer to a question nobody asked yet.
    """
    value = parser(text)
    return None if value == "any" else value
