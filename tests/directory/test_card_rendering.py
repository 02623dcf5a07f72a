"""The same card on all three channels shows the same facts.

Cards come from the real lookup over the whole seed. Each is rendered as the
plain-text bubble (format_card_text), as a LINE Flex bubble (card_bubble) and
by the web widget itself (channels/static/webchat/widget.js run in Node on a
small DOM stand-in, tests/js/render_widget_cards.js). Every display string of
the card must appear in each rendering, and no rendering may invent a fact
(an ISO date such as 2024-03-01 that the source never gave).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from channels.line_messages import card_bubble, tel_uri
from tsunagari.directory.lookup import (
    CATEGORIES,
    LookupRequest,
    find_emergency_contacts,
    find_services,
    format_card_text,
)

from .conftest import tokyo

ROOT = Path(__file__).resolve().parents[2]
RENDER_JS = ROOT / "tests" / "js" / "render_widget_cards.js"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMES = [tokyo("2026-11-24T14:00"), tokyo("2026-11-29T23:30")]


def seed_cards(session):
    """Every public service of the seed, as a card, at a weekday and a Sunday night."""
    cards = {}
    for at in TIMES:
        for category in CATEGORIES:
            result = find_services(session, LookupRequest(category=category, at=at, limit=100))
            for card in result.cards:
                cards.setdefault((card.service_id, at), card)
        for card in find_emergency_contacts(session, at=at):
            cards.setdefault((card.service_id, at), card)
    return list(cards.values())


def facts(card) -> list[str]:
    out = [card.name, card.description, card.hours_text, card.verified_text]
    out += [t for t in (card.organisation, card.open_now_text, card.reasons_title) if t]
    out += card.reasons + card.notes + [c.text for c in card.contacts]
    return out


def line_texts(bubble) -> str:
    body = [c["text"] for c in bubble["body"]["contents"]]
    return "\n".join(body)


def render_web(cards):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to run the web widget: apt-get install -y nodejs", pytrace=False)
    payload = json.dumps({"cards": [c.to_dict() for c in cards]}, ensure_ascii=False)
    done = subprocess.run([node, str(RENDER_JS)], input=payload, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def cards(session):
    found = seed_cards(session)
    assert len({c.service_id for c in found}) >= 20, "the seed should give many different cards"
    return found


def test_every_fact_appears_on_text_line_and_web(cards):
    web = render_web(cards)
    for card, rendered in zip(cards, web, strict=True):
        text = format_card_text(card)
        line = line_texts(card_bubble(card.to_dict()))
        page = "\n".join(rendered["texts"])
        for fact in facts(card):
            assert fact in text, (card.service_id, "text", fact)
            assert fact in line, (card.service_id, "LINE", fact)
            assert fact in page, (card.service_id, "web", fact)
        for shown in (text, line, page):
            assert not ISO_DATE.search(shown), (card.service_id, shown)


def test_tappable_contacts_open_the_same_number_or_page(cards):
    web = render_web(cards)
    for card, rendered in zip(cards, web, strict=True):
        bubble = card_bubble(card.to_dict())
        line_uris = [b["action"]["uri"] for b in bubble.get("footer", {}).get("contents", [])]
        web_hrefs = [link["href"] for link in rendered["links"]]
        phones = [tel_uri(c.value) for c in card.contacts if c.kind == "phone"]
        for uri in phones:
            assert uri in line_uris and uri in web_hrefs, (card.service_id, uri)
        for c in card.contacts:
            if c.kind == "url":
                assert any(h.rstrip("/") == c.value.rstrip("/") for h in web_hrefs), (card.service_id, c.value)
                assert c.value in line_uris, (card.service_id, c.value)


def test_check_date_keeps_the_sources_precision(cards):
    """Month-precision sources read 「2024年5月」 everywhere, never a day."""
    month_only = [c for c in cards if re.search(r"\d{4}年\d{1,2}月$", c.last_verified_text)]
    assert month_only, "the seed has month-precision sources"
    web = render_web(month_only)
    for card, rendered in zip(month_only, web, strict=True):
        for shown in (format_card_text(card), line_texts(card_bubble(card.to_dict())), "\n".join(rendered["texts"])):
            assert card.verified_text in shown
            assert not re.search(re.escape(card.last_verified_text) + r"\d", shown)
