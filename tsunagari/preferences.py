"""Read the referral form's answers from what residents type.

Buttons send canonical values; people also type 「電話がいいです」「夜なら」
「どれでも」 "phone please" "evenings". This module maps such text to the
slot values used by the form: contact_channel in CHANNELS and contact_time
in TIMES.

Two readings, one per script:
- Japanese (any kana or kanji in the message): patterns run on
  tsunagari.text.normalize output (hiragana, lower-case ASCII, no spaces).
- English (Latin letters only, romaji included): patterns run on the
  lower-cased words, separated by single spaces, apostrophes dropped
  ("doesn't" -> "doesnt"), punctuation kept as "," so word boundaries
  hold: "line" is not found in "online", nor "any" in "company".

An answer can be turned down in the same words (「電話は苦手」 "not phone"):
a match followed or preceded by a refusal does not count, and the next
pattern is tried (「電話じゃなくてLINE」 -> chat).
"""

from __future__ import annotations

import re
import unicodedata

from tsunagari.text import normalize

CHANNELS = ("in_person", "phone", "chat", "online", "any")
TIMES = ("now", "weekday_day", "evening", "weekend", "any")

# --- Japanese (normalised text) ----------------------------------------------------

# "No preference" answers to either question. なんでもない ("nothing's
# wrong") is not one.
_ANY_JA = r"(こだわらな|こだわりな|こだわりは(とくに|特に)?な|どれでも|どっちでも|どちらでも|なんでも(?!な)|何でも(?!な)|特にな|とくにな|特に希望はな|とくにきぼうはな|希望はな|きぼうはな|おまかせ|お任せ|わからな|分からな|決めてな|^any$)"
# "Any time" only answers the time question (asked how, 「いつでも」 says when).
_ANY_TIME_JA = r"(いつでも|何時でも|なんじでも|何曜日でも|なんようびでも|いつがいいとかはな)"
_ANY_CHANNEL_JA = r"(どの方法でも|どのほうほうでも|方法はなんでも|ほうほうはなんでも)"

# Order matters: the first pattern that matches (and is not turned down)
# wins, so more specific phrases come before general ones.
_CHANNEL_JA = (
    ("online", r"(おんらいん|zoom|ずーむ|びでお通話|びでおつうわ|びでお|web会議|meet|teams|りもーと|ねっと|ネット)"),
    # Connecting without meeting (the pilot report's 「会わずにつながる」) is
    # read as chat, the way most such services are reached: 「会わずに話したい」
    # 「会って話すのはまだハードル高い」. Before in_person, which 「会って」 also matches.
    (
        "chat",
        r"(line|らいん|ちゃっと|めっせーじ|文字|もじ|てきすと|dm|めーる|sns|"
        r"(会わ|あわ)(ず|ないで|なくて)|顔を(合わせ|あわせ)(ず|ないで)|"
        r"(会|あ)(って|う)(話す|はなす)?の(は|が)(まだ|ちょっと|少し|すこし)?(はーどる|こわ|怖|無理|むり|苦手|にがて|不安|ふあん))",
    ),
    ("phone", r"(電話|でんわ|tel|通話|つうわ|声で|こえで)"),
    (
        "in_person",
        r"(対面|たいめん|会って|あって話|(会える|あえる)(ところ|とこ|場所|ばしょ|場)|顔を合わせ|直接|ちょくせつ|顔を見て|窓口に行|行ける|行って|来所|訪問|実際に|りある)",
    ),
    ("any", _ANY_CHANNEL_JA),
    ("any", _ANY_JA),
)

_TIME_JA = (
    (
        "now",
        r"(^(今|いま)(です|で|かな|がいい|でおねがいします|でお願いします)?$|今すぐ|いますぐ|今から|いまから|今日(?=(が|で|なら|中|じゅう|のうち|の(うち|夜|よる|夕方)|話|はな|行|い|$))|きょう(?=(が|で|なら|中|じゅう|のうち|話|はな|行|$))|今夜|こんや|今晩|こんばん(?!は|わ)|すぐ|至急|今(話|はな)|(今|いま)(つなが|繋が|相談|そうだん|電話|でんわ|やって|開いて|あいて|受け付け|うけつけ)|今がいい|いまがいい)",
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
    ("any", _ANY_TIME_JA),
    ("any", _ANY_JA),
)

# Right after the matched words: 「電話は苦手」「夜はむり」「対面じゃなくて」.
_TURNED_DOWN_JA = re.compile(
    r"^(は|が|で|の|も|とか)?(ちょっと|ちょと|あんまり|あまり)?"
    r"(じゃな|ではな|以外|いがい|いや|嫌|やだ|むり|無理|苦手|にがて|だめ|駄目|きつ|できな|むずかし|難し|こわ|怖|不安|ふあん|さみし|寂し|つらい|辛い|しんどい|長い|ながい|はいい(?!ん|な|で|ね))"
)

# --- English (lower-case words) -----------------------------------------------------

_ANY_EN = (
    r"\b(any(?! (time|day|hour|evening|night|weekend))|anything|either|either way|whichever|both|doesnt matter|does not matter|dont mind|do not mind|"
    r"no preference|not fussy|im easy|im flexible|flexible|up to you|whatever (works|is fine|is easiest|is ok|you think)|"
    r"all good|nandemo|kodawaranai)\b"
)
_ANY_TIME_EN = r"\b(any ?time|whenever|any day|any hour|itsudemo)\b"
_ANY_CHANNEL_EN = r"\b(any way|anyhow|any method|however)\b"

_CHANNEL_EN = (
    (
        "online",
        r"\b(online|video( call| chat)?|videocall|zoom|skype|teams|google meet|facetime|webcam|on camera|remote(ly)?|onrain)\b",
    ),
    (
        "chat",
        r"\b(chat(ting)?|text(ing|s)?|messag(e|es|ing)|line|dms?|e ?mail|sms|in writing|writing|typing|whatsapp|chatto)\b",
    ),
    ("phone", r"\b(phone|telephone|phone call|call(ing)?|by voice|voice|ring|hotline|denwa)\b"),
    (
        "in_person",
        r"\b(in person|face to face|f2f|irl|in real life|meet(ing)? (up|in person)|go there|visit(ing)?|drop in|walk in|come in|offline|taimen)\b",
    ),
    ("any", _ANY_CHANNEL_EN),
    ("any", _ANY_EN),
)

_TIME_EN = (
    (
        "now",
        r"\b(right now|now|right away|asap|immediately|straight away|as soon as possible|today|tonight|this (evening|afternoon)|imasugu)\b",
    ),
    ("weekend", r"\b(weekends?|saturdays?|sundays?|days? off|holidays?|donichi|shuumatsu)\b"),
    (
        "evening",
        r"\b(evenings?|nights?|at night|nighttime|late|after (work|school|dark)|after ([5-9]|1[01])( ?pm)?|([5-9]|1[01]) ?pm|midnight|yoru)\b",
    ),
    (
        "weekday_day",
        r"\b(weekdays?|week days?|daytime|day time|during the day|in the day|mornings?|afternoons?|lunch( ?time| break)?|noon|midday|office hours|business hours|working hours|([89]|1[01]) ?am|(12|[1-4]) ?pm|heijitsu|hiru)\b",
    ),
    ("any", _ANY_TIME_EN),
    ("any", _ANY_EN),
)

# Just before or just after the matched words: "not phone", "no calls",
# "phone is hard for me", "evenings dont work".
_TURNED_DOWN_BEFORE_EN = re.compile(
    r"\b(not|no|never|dont|cant|cannot|rather not|hate|except|without|instead of|other than|anything but)"
    r"( (by|on|in|at|a|an|the|really|do|doing|like|want|any|more))* $"
)
_TURNED_DOWN_AFTER_EN = re.compile(
    r"^ ((is|are|s|would be|will be) )?(not|no good|bad|hard|difficult|tough|scary|impossible|awkward|stressful|"
    r"too|the worst|dont|doesnt|wont|isnt|arent)\b"
)

_JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def _english_words(text: str) -> str | None:
    """Lower-case words of a message without Japanese script, else None."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if _JAPANESE_SCRIPT.search(folded):
        return None
    folded = re.sub(r"['’`]", "", folded)
    # A comma or a full stop stays as "," so "no, phone" is not "no phone".
    words = re.sub(r"[^a-z0-9,]+", " ", re.sub(r"[.;:!?、。]+", ",", folded))
    words = re.sub(r" *,[ ,]*", " , ", words).strip(" ,")
    return words or None


def _turned_down_ja(prepared: str, match: re.Match) -> bool:
    return _TURNED_DOWN_JA.search(prepared[match.end() : match.end() + 8]) is not None


def _turned_down_en(prepared: str, match: re.Match) -> bool:
    before = prepared[max(0, match.start() - 24) : match.start()]
    after = prepared[match.end() : match.end() + 24]
    return bool(_TURNED_DOWN_BEFORE_EN.search(before) or _TURNED_DOWN_AFTER_EN.search(after))


def _prepare(text: str | None) -> tuple[str, bool]:
    """(matching form, is English) of the text; see the module docstring."""
    text = (text or "")[:2000]
    english = _english_words(text)
    if english is not None:
        return english[:500], True
    return normalize(text)[:500], False


def _matches(text: str | None, patterns_ja, patterns_en):
    """(value, turned down?) for every match in the text, in the patterns' order of preference."""
    prepared, english = _prepare(text)
    if not prepared:
        return
    patterns, turned_down = (patterns_en, _turned_down_en) if english else (patterns_ja, _turned_down_ja)
    for value, pattern in patterns:
        for match in re.finditer(pattern, prepared):
            yield value, turned_down(prepared, match)


def _first_match(text: str | None, patterns_ja, patterns_en) -> str | None:
    return next((value for value, down in _matches(text, patterns_ja, patterns_en) if not down), None)


def turned_down_values(text: str | None, parser) -> set[str]:
    """The ways (or times) the text turns down: 「電話はちょっと無理」 -> {"phone"}."""
    patterns = {parse_channel: (_CHANNEL_JA, _CHANNEL_EN), parse_time: (_TIME_JA, _TIME_EN)}[parser]
    return {value for value, down in _matches(text, *patterns) if down and value != "any"}


def way_asked_for(text: str | None) -> str | None:
    """The way of talking a message asks for; turning the phone down (「電話は無理」) asks for writing.

    Used in crisis mode, where 「電話はちょっと無理」 must get the chat and LINE
    lines whichever intent the classifier chose.
    """
    stated = parse_channel(text)
    if stated is None and "phone" in turned_down_values(text, parse_channel):
        return "chat"
    return stated


def turned_down(text: str | None, parser) -> bool:
    """True when the text only turns a way or a time down (「電話はちょっと無理」 "not by phone").

    Such a reply is understood, not an answer: the form says so and asks
    again, instead of saying it could not read the message.
    """
    return parser(text) is None and bool(turned_down_values(text, parser))


def parse_channel(text: str | None) -> str | None:
    """Return a contact_channel value for typed text, or None."""
    return _first_match(text, _CHANNEL_JA, _CHANNEL_EN)


def parse_time(text: str | None) -> str | None:
    """Return a contact_time value for typed text, or None."""
    return _first_match(text, _TIME_JA, _TIME_EN)


# --- explicit answers only ------------------------------------------------------------

# A story, not an answer: 「今日上司に怒られた」 names a day, 「会社には
# 行ってるけど…」 a place, 「でも平日は仕事」 a time it does NOT want.
# Only short replies without these markers are read as answers.
# 「夜だったら？」 ("what about evenings?") is a question, not a past: だったら
# is allowed; でも only as the opening "but" (「いつでも」「電話でもいい」 are answers).
MAX_ANSWER_LENGTH = 24
MAX_ANSWER_WORDS = 8
# An English request names the help too: "I want to talk to someone by phone right now" (10 words).
MAX_REQUEST_WORDS = 14
_STORY_MARKERS_JA = (
    r"(けど|けれど|^でも|だけど|しかし|のに|言われ|いわれ|怒られ|おこられ|叱られ|しかられ|上司|じょうし|同僚|どうりょう|"
    r"会社に|かいしゃに|職場|しょくば|通って|かよって|働いて|はたらいて|仕事して|しごとして|仕事は|しごとは|仕事だ|しごとだ|"
    r"思う|おもう|思って|おもって|ずっと|毎日|まいにち|いつも|だった(?!ら)|でした|ました|さみし|寂し|淋し|つらい|辛い|しんどい)"
)
# Not an answer either: a greeting (「こんばんは」 names the evening) or a
# way out of the form said in the same breath.
_NOT_ANSWER_JA = r"(こんばんは|こんばんわ|おはよ|こんにちは|おやすみ|やめ|いらな|要らな|もういい|けっこうです|結構です)"
_STORY_MARKERS_EN = (
    r"\b(but|though|although|because|cause|cuz|cos|since|boss|manager|coworkers?|colleagues?|office|company|job|school|"
    r"working|at work|i work|work is|told|yelled|shouted|scolded|fired|always|every|usually|often|used to|was|were|been|"
    r"had|did|lonely|alone|sad|depressed|tired|worst|awful|terrible|hate|scared|afraid|anxious|miss|missed|cry|cried|"
    r"feel|feels|felt|friends?|family|mom|dad|parents|wife|husband|girlfriend|boyfriend|sleep|long|quiet|boring|empty)\b"
)
_NOT_ANSWER_EN = (
    r"\b(good (morning|afternoon|evening|night)|goodnight|hello|hi|hey|thanks|thank you|bye|stop|cancel|quit|"
    r"never ?mind|no thanks|forget it|leave it|not now)\b"
)


def is_explicit_answer(text: str | None, max_words: int = MAX_ANSWER_WORDS) -> bool:
    """True when typed text can be read as an answer to the form's question.

    Buttons are always explicit (they carry entities and never get here).
    Typed text must be short and free of story markers; anything else is
    listened to, and the question is asked again. `max_words` bounds an
    English answer (a request sentence may be longer, see request_preference).
    """
    prepared, english = _prepare(text)
    if not prepared:
        return False
    if english:
        if len(prepared.replace(",", " ").split()) > max_words:
            return False
        return re.search(_STORY_MARKERS_EN, prepared) is None and re.search(_NOT_ANSWER_EN, prepared) is None
    if len(prepared) > MAX_ANSWER_LENGTH:
        return False
    return re.search(_STORY_MARKERS_JA, prepared) is None and re.search(_NOT_ANSWER_JA, prepared) is None


def explicit_preference(text: str | None, parser) -> str | None:
    """`parser`'s value, but only for an explicit answer (see is_explicit_answer)."""
    return parser(text) if is_explicit_answer(text) else None


def _names_any_of(text: str | None, parser) -> bool:
    """True when the text says "any" in words that only fit `parser`'s question (「いつでも」 for the time)."""
    patterns = {parse_time: (_ANY_TIME_JA, _ANY_TIME_EN), parse_channel: (_ANY_CHANNEL_JA, _ANY_CHANNEL_EN)}.get(parser)
    if patterns is None:
        return False
    prepared, english = _prepare(text)
    return re.search(patterns[1] if english else patterns[0], prepared) is not None


def clear_preference(text: str | None, parser) -> str | None:
    """Like `parser`, but ignores a bare "no preference" answer.

    Used on the message that starts a referral, and for the question that
    was not asked: 「わからない」 or 「こだわらない」 is not an answer to a
    question nobody asked yet. "Any" in words that fit only this question
    (「いつでもいい」 "anytime" for the time) is clear.
    """
    value = parser(text)
    if value == "any" and not _names_any_of(text, parser):
        return None
    return value


# Words that make an answer sentence around the preference itself:
# 「じゃあ夜だったら？」「やっぱ電話がいいです」 "phone please" "in person, I guess".
_ANSWER_FRAME_JA = re.compile(
    r"(じゃあ|じゃ|それなら|なら|だったら|やっぱり|やっぱ|お願いします|おねがいします|お願い|おねがい|です|ます|"
    r"かな|かも|とか|のほうが|の方が|ほうが|がいい|でいい|いい|話せる|はなせる|話したい|はなしたい|話す|はなす|行ける|いける|"
    r"行きたい|いきたい|つながれる|やってる|開いてる|あいてる|空いてる|あります|ある|とこ|ところ|場所|ばしょ|希望|大丈夫|だいじょうぶ|"
    r"うん|はい|えっと|ok|が|で|は|に|の|も|ね|よ|か|ー)"
)
_ANSWER_FRAME_EN = re.compile(
    r"\b(please|pls|i guess|i think|maybe|probably|then|so|ok|okay|yes|yeah|yep|sure|um|hmm|well|actually|what about|how about|"
    r"and|or|is|are|would be|works?|is fine|fine|better|best|good|great|prefer(ably)?|id prefer|i prefer|id like|i want|"
    r"by|on|in|at|the|a|an|for me|me|to|talk|speak|meet|it|if possible|possible|if|that|one|really|do|can|could|,)\b|,"
)
_MAX_FRAME_RESIDUE_JA = 2  # characters left once the answer and its frame are taken out
_MAX_FRAME_RESIDUE_EN = 1  # words


def _answer_shaped(
    text: str | None, max_residue_en: int = _MAX_FRAME_RESIDUE_EN, max_residue_ja: int = _MAX_FRAME_RESIDUE_JA
) -> bool:
    """True when little is left of the message once the preference words and an answer's frame are removed."""
    prepared, english = _prepare(text)
    patterns = (_CHANNEL_EN + _TIME_EN) if english else (_CHANNEL_JA + _TIME_JA)
    for _, pattern in patterns:
        prepared = re.sub(pattern, " ", prepared)
    if english:
        return len(_ANSWER_FRAME_EN.sub(" ", prepared).split()) <= max_residue_en
    return len(_ANSWER_FRAME_JA.sub("", prepared.replace(" ", ""))) <= max_residue_ja


def request_preference(text: str | None, parser) -> str | None:
    """`parser`'s value in the message that asks for a route, read sentence by sentence.

    A request is often a story and then the ask: 「そっか。じゃあ相談窓口に電話
    してみようかな。今すぐつながるとこある？」. The sentences that are explicit
    answers on their own (short, no story marker) give the conditions; a
    story sentence gives none (「平日は仕事だから…」). The last one wins. An
    English sentence may be longer than a form answer (MAX_REQUEST_WORDS).
    """
    value = None
    for sentence in re.split(r"[。．.!！?？\n]+", text or ""):
        explicit = is_explicit_answer(sentence, max_words=MAX_REQUEST_WORDS)
        stated = clear_preference(sentence, parser) if explicit else None
        value = stated or value
    return value


def stated_answer(text: str | None) -> bool:
    """True when the whole message is an explicit answer naming a channel or a time.

    Used by the NLU adapter (components/need_router.py) to read 「やっぱ夜が
    いい」 "right now" as a form answer when the classifier took them for
    a way out or a feeling. Stricter than is_explicit_answer, because it
    applies outside the form too: 「夜ねむれない」 is a feeling with a time
    in it, not an answer.
    """
    if not is_explicit_answer(text) or (parse_channel(text) is None and parse_time(text) is None):
        return False
    return _answer_shaped(text)


def bare_answer(text: str | None) -> bool:
    """True when the message is nothing but a form answer ("tonight", 「電話で」).

    Stricter than stated_answer (no other word at all), for the safety
    decision: "pills tonight" has a word more and is never a bare answer.
    """
    if not is_explicit_answer(text) or (parse_channel(text) is None and parse_time(text) is None):
        return False
    return _answer_shaped(text, max_residue_en=0, max_residue_ja=0)
