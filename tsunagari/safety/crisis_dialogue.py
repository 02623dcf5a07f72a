"""What to say around risk: the crisis reply and the answers of crisis mode.

Rasa-independent: ``actions/crisis.py`` maps the latest intent and the
conversation state to a *situation* (:func:`situation_for`) and sends what
:func:`compose` returns. Texts live in ``crisis_replies.yml``; phone numbers
and addresses are filled in from the verified contacts of the directory seed,
so they are typed in one place only.

Crisis mode answers what people ask (can someone come, are you human, I
can't phone), never reads 「わからない」 as "safe", listens to someone who is
minimising instead of giving orders, and never sends the same opening twice
in a row. Every reply in crisis mode carries 119/110 and a 24-hour line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

REPLIES_PATH = Path(__file__).resolve().parent / "crisis_replies.yml"
SEED_PATH = Path(__file__).resolve().parents[1] / "directory" / "seed" / "partners.yml"

# Stages of the safety question, kept in the `crisis_stage` slot.
ASKED = "asked"
REASKED = "reasked"
SAFE = "safe"
UNSAFE = "unsafe"

# Intents whose meaning inside crisis mode is a direct question or answer.
_DIRECT = {
    "ask_someone_come": "someone_come",
    "ask_is_human": "is_human",
    "cannot_phone": "cannot_phone",
    "minimise": "minimise",
    "goodbye": "stay",
    "greet": "still_here",
    "show_menu": "still_here",
    "request_human": "want_person",
    "thank": "stay",
}
# A way of talking named in crisis mode (「チャットがいい」「電話で」): the line that fits.
_BY_CHANNEL = {"chat": "cannot_phone", "online": "cannot_phone", "phone": "want_person"}
_RISK_AGAIN = {"crisis", "crisis_check", "hyperbole"}
_SAFE_ANSWERS = {"crisis_safe"}
_UNSAFE_ANSWERS = {"crisis_unsafe"}


@dataclass(frozen=True)
class Contact:
    key: str
    kind: str  # phone | url
    value: str
    label: str
    note: str = ""  # the source date of a "partly" fact, shown beside it


@dataclass
class Reply:
    """Messages to send, in order: ``text``, optional ``buttons`` and ``contacts``
    (shown by the channels as call/open buttons)."""

    messages: list[dict] = field(default_factory=list)
    stage: str | None = None
    situation: str = ""

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.messages)


# -- language ----------------------------------------------------------------

_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


# Too short for the letter count, but never Japanese: a first "hi" gets the
# English greeting. Words a Japanese conversation also uses ("ok", "no",
# "yes") are left out: they keep the language the conversation already has.
_SHORT_ENGLISH = frozenset({"hi", "hey", "yo", "sup", "bye", "thx", "ty", "idk", "omg", "wtf", "why"})
_NOT_LETTERS = re.compile(r"[^a-z]+")


def detected_language(text: str) -> str | None:
    """``en`` or ``ja`` when the message tells, ``None`` when it cannot ("ok", "2", an emoji).

    English means Latin letters and no Japanese: four letters or more, or one
    of the short English words above. Romaji Japanese ("shinitai") also reads
    as ``en``; the English reply keeps every number and says the lines answer
    in Japanese, so it stays useful.
    """
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKC", text)
    if _JAPANESE.search(folded):
        return "ja"
    if len(_LATIN.findall(folded)) >= 4:
        return "en"
    words = {word for word in _NOT_LETTERS.split(folded.lower()) if word}
    if words and words <= _SHORT_ENGLISH:
        return "en"
    return None


def language_of(text: str, conversation_language: str | None = None) -> str:
    """The language to answer ``text`` in: its own, else the conversation's (else ``ja``)."""
    return detected_language(text) or conversation_language or "ja"


# -- data --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _replies() -> dict:
    with REPLIES_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def _seed_contacts() -> dict[str, tuple[str, str, str]]:
    """service key -> (kind, value, confidence, verified_on) of its first shown contact."""
    with SEED_PATH.open(encoding="utf-8") as handle:
        seed = yaml.safe_load(handle)
    out = {}
    for service in seed.get("services") or []:
        for contact in service.get("contacts") or []:
            if contact.get("confidence") in ("verified", "partly") and contact.get("kind") in ("phone", "url"):
                out[service["key"]] = (
                    contact["kind"],
                    str(contact["value"]),
                    contact["confidence"],
                    str(contact.get("verified_on") or ""),
                )
                break
    return out


def contacts(group: str, lang: str) -> list[Contact]:
    """The contacts of one group (``emergency``, ``lines``, ``chat``) with labels."""
    data = _replies()
    seed = _seed_contacts()
    out = []
    for key in data["contacts"][group]:
        if key not in seed:
            raise KeyError(f"crisis contact {key!r} has no shown contact in the seed")
        kind, value, confidence, verified_on = seed[key]
        note = _partly_note(verified_on, lang) if confidence == "partly" else ""
        out.append(Contact(key, kind, value, data["labels"][lang][key], note))
    return out


def _contact_list(items: Sequence[Contact]) -> list[dict]:
    """Contacts for the channel's buttons (the action wraps them in the crisis_contacts payload)."""
    return [{"kind": c.kind, "label": c.label, "value": c.value, **({"note": c.note} if c.note else {})} for c in items]


def _partly_note(verified_on: str, lang: str) -> str:
    """「（2024年5月時点）」 for a fact the sheet marks "partly", from its source date."""
    parts = verified_on.split("-")
    if not parts or not parts[0].isdigit():
        return ""
    if lang == "en":
        return f"(as of {verified_on})"
    text = f"{parts[0]}年" + (f"{int(parts[1])}月" if len(parts) > 1 and parts[1].isdigit() else "")
    return f"（{text}時点の情報）"


def _lines_text(items: Sequence[Contact]) -> str:
    return "\n".join(f"・{c.label} {c.value}{c.note}" for c in items)


def _lines_short(lang: str) -> str:
    items = contacts("lines", lang)[:2]
    sep = "（" if lang == "ja" else " ("
    return " / ".join(f"{c.label.split(sep)[0]} {c.value}{c.note}" for c in items)


# -- decisions ---------------------------------------------------------------


def situation_for(
    intent: str | None, in_crisis: bool, stage: str | None, after_ask: bool, channel: str | None = None
) -> str:
    """Which reply fits the latest intent.

    ``after_ask`` is True when the assistant's last message asked the safety
    question, so that yes/no/わからない are read as answers to it. ``channel``
    is the way of talking the message names, if any (tsunagari.preferences).
    """
    if not in_crisis:
        if intent == "crisis":
            return "enter"
        if intent == "hyperbole":
            return "hyperbole"
        return "check"
    if intent in _RISK_AGAIN:
        return "urgent"
    if intent in _UNSAFE_ANSWERS or (after_ask and intent == "deny"):
        return "unsafe"
    if intent in _SAFE_ANSWERS or (after_ask and intent == "affirm"):
        return "safe"
    if intent == "dont_know":
        if stage == REASKED:
            return "dont_know_again"
        return "dont_know"
    if intent in _DIRECT:
        return _DIRECT[intent]
    if channel in _BY_CHANNEL:
        return _BY_CHANNEL[channel]
    return "listen"


_NEXT_STAGE = {
    "enter": ASKED,
    "urgent": ASKED,
    "dont_know": REASKED,
    "safe": SAFE,
    "unsafe": UNSAFE,
}


def _pick(variants: Sequence[str], recent: Sequence[str]) -> str:
    """The variant used least recently among the recent bot texts (never the last one, given two)."""

    def last_use(variant: str) -> int:
        for index in range(len(recent) - 1, -1, -1):
            if recent[index] and variant in recent[index]:
                return index
        return -1

    return min(variants, key=last_use)


def compose(situation: str, lang: str, recent_bot_texts: Sequence[str] = ()) -> Reply:
    """The messages for ``situation`` in ``lang`` (``ja``/``en``), avoiding recent openings."""
    data = _replies()
    lang = lang if lang in data["frames"] else "ja"
    spec = data["situations"][situation]
    frames = data["frames"][lang]
    variants = spec.get(lang) or spec["ja"]
    opening = _pick(variants, recent_bot_texts)
    reply = Reply(situation=situation, stage=_NEXT_STAGE.get(situation))
    parts = list(spec.get("parts") or [])

    # The opening and the emergency sentence go together in one message.
    first = opening
    if "emergency" in parts:
        first = f"{opening}\n{frames['emergency']}"
        parts.remove("emergency")
    if "footer" in parts:
        first = f"{first}\n{frames['footer'].format(lines_short=_lines_short(lang))}"
        parts.remove("footer")
    message: dict = {"text": first}
    if spec.get("buttons"):
        message["buttons"] = _buttons(spec["buttons"], frames)
    reply.messages.append(message)

    # The full block of lines went out in the last turn: say them in one line
    # this time (the buttons stay), so the same message is never sent twice.
    if "lines" in parts and any(frames["lines_intro"] in text for text in recent_bot_texts[-3:]):
        parts.remove("lines")
        message["text"] = f"{message['text']}\n{frames['footer'].format(lines_short=_lines_short(lang))}"
        message["contacts"] = _contact_list(contacts("emergency", lang) + contacts("lines", lang))

    for part in parts:
        if part == "lines":
            items = contacts("emergency", lang) + contacts("lines", lang)
            reply.messages.append(
                {
                    "text": f"{frames['lines_intro']}\n{_lines_text(contacts('lines', lang))}",
                    "contacts": _contact_list(items),
                }
            )
        elif part == "chat":
            items = contacts("chat", lang) + contacts("emergency", lang)
            reply.messages.append({"text": _lines_text(contacts("chat", lang)), "contacts": _contact_list(items)})
        elif part in ("ask_safe", "ask_safe_short"):
            reply.messages.append({"text": frames[part], "buttons": _buttons("buttons", frames)})
    return reply


_BUTTON_PAYLOADS = {
    "buttons": {"safe": "/crisis_safe", "unsafe": "/crisis_unsafe", "dont_know": "/dont_know"},
    "check_buttons": {"crisis": "/crisis", "lines": "/request_human", "fine": "/crisis_safe"},
    "hyperbole_buttons": {"fine": "/crisis_safe", "heavy": "/express_loneliness", "crisis": "/crisis"},
}


def _buttons(name: str, frames: dict) -> list[dict]:
    titles = frames[name]
    return [{"title": titles[key], "payload": payload} for key, payload in _BUTTON_PAYLOADS[name].items()]


def pinned_lines(lang: str = "ja") -> dict:
    """The 24-hour lines as one message, pinned under results shown in crisis mode."""
    frames = _replies()["frames"][lang]
    items = contacts("emergency", lang) + contacts("lines", lang)
    return {
        "text": f"{frames['lines_intro']}\n{_lines_text(contacts('lines', lang))}\n{frames['emergency']}",
        "contacts": _contact_list(items),
    }
