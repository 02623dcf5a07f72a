"""The contract between the actions and the channels: custom payload types.

A bot message may carry a ``custom`` payload (Rasa's ``json_message``). Its
``type`` is one of the names below and its fields follow the TypedDicts. The
actions build these payloads, domain.yml writes one by hand (the crisis
contacts in ``utter_crisis_lines``), and every channel (LINE, the web chat
widget, REST clients) reads them. widget.js cannot import Python, so it spells
the two names itself; tests/unit/test_contract.py checks that it does.

Every string in a card is ready to show (see tsunagari.directory.lookup):
channels lay the card out and never write their own wording for its facts.
Plain module: no rasa import.
"""

from __future__ import annotations

from typing import TypedDict

DIRECTORY_CARDS = "directory_cards"
CRISIS_CONTACTS = "crisis_contacts"
CUSTOM_TYPES = frozenset({DIRECTORY_CARDS, CRISIS_CONTACTS})


class _ContactRequired(TypedDict):
    kind: str  # phone | url | line | address
    label: str  # button / link label
    value: str  # dialable digits, URL, LINE URL or @id, address


class ContactPayload(_ContactRequired, total=False):
    note: str | None  # 「最終確認: 2021年」 for partly facts
    text: str  # the full line a resident reads, e.g. 「電話: 0120-783-556」


class CardPayload(TypedDict):
    """tsunagari.directory.lookup.ServiceCard.to_dict()."""

    service_id: str
    name: str
    organisation: str  # empty when the operator itself is not verified
    description: str
    contacts: list[ContactPayload]
    today_hours: str
    reasons: list[str]
    open_now: bool | None
    last_verified: str  # ISO date of the oldest shown fact (data, not for display)
    verified_note: str | None
    category: str
    channels: list[str]
    notes: list[str]
    last_verified_text: str
    fully_verified: bool
    entry_note: str | None
    hours_text: str
    open_now_text: str
    reasons_title: str
    verified_text: str


class DirectoryCardsPayload(TypedDict):
    type: str  # DIRECTORY_CARDS
    intro: str  # the line shown above the cards
    cards: list[CardPayload]


class CrisisContactsPayload(TypedDict):
    type: str  # CRISIS_CONTACTS
    contacts: list[ContactPayload]


def directory_cards(intro: str, cards: list[CardPayload]) -> DirectoryCardsPayload:
    return {"type": DIRECTORY_CARDS, "intro": intro, "cards": cards}


def crisis_contacts(contacts: list[ContactPayload]) -> CrisisContactsPayload:
    return {"type": CRISIS_CONTACTS, "contacts": contacts}


def custom_type(custom: object) -> str | None:
    """The payload's type when it is one of ours, else None."""
    kind = custom.get("type") if isinstance(custom, dict) else None
    return kind if kind in CUSTOM_TYPES else None
