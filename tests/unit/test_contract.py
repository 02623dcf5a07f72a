"""channels/contract.py matches what the actions send and what the channels read."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import get_type_hints

import yaml

from channels import contract
from tsunagari.directory.lookup import Contact, ServiceCard

ROOT = Path(__file__).resolve().parents[2]


def _card() -> ServiceCard:
    return ServiceCard(
        service_id="s",
        name="n",
        organisation="",
        description="d",
        contacts=[Contact("phone", "03-0000-0000", "0300000000", None, "電話: 03-0000-0000")],
        today_hours="24時間",
        reasons=[],
        open_now=None,
        last_verified=date(2024, 3, 1),
        verified_note=None,
    )


def test_card_payload_lists_exactly_the_fields_of_a_card():
    data = _card().to_dict()
    assert set(get_type_hints(contract.CardPayload)) == set(data)
    contact_keys = set(get_type_hints(contract.ContactPayload))
    assert set(data["contacts"][0]) == contact_keys


def test_widget_spells_the_payload_names_of_the_contract():
    widget = (ROOT / "channels" / "static" / "webchat" / "widget.js").read_text(encoding="utf-8")
    for name in contract.CUSTOM_TYPES:
        assert f'custom.type === "{name}"' in widget


def test_crisis_replies_send_contacts_of_the_contract_shape():
    """Every composed crisis message's contacts fit ContactPayload (the action wraps them)."""
    from tsunagari.safety import crisis_dialogue

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert not [name for name, variants in domain["responses"].items() for v in variants if "custom" in v], (
        "custom payloads are built in code from channels.contract, not typed in domain.yml"
    )
    required = contract.ContactPayload.__required_keys__
    seen = 0
    for situation in crisis_dialogue._replies()["situations"]:
        for message in crisis_dialogue.compose(situation, "ja").messages:
            for item in message.get("contacts") or []:
                seen += 1
                assert required <= set(item) <= set(get_type_hints(contract.ContactPayload))
    assert seen
    assert contract.custom_type(contract.crisis_contacts([])) == contract.CRISIS_CONTACTS


def test_unknown_payload_types_are_not_ours():
    assert contract.custom_type({"type": "carousel"}) is None
    assert contract.custom_type("directory_cards") is None
    assert contract.custom_type(contract.directory_cards("", [])) == contract.DIRECTORY_CARDS


def test_the_channel_fakes_send_cards_of_the_real_shape():
    from tests.payload_samples import CARDS

    fields = set(get_type_hints(contract.CardPayload))
    for card in CARDS:
        assert set(card) == fields, card["service_id"]
