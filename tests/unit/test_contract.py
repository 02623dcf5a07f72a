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


def test_custom_payloads_in_domain_use_contract_types_and_fields():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    customs = [v["custom"] for variants in domain["responses"].values() for v in variants if "custom" in v]
    assert customs, "utter_crisis_lines carries the crisis contacts"
    required = contract.ContactPayload.__required_keys__
    for custom in customs:
        assert contract.custom_type(custom) == contract.CRISIS_CONTACTS
        for item in custom["contacts"]:
            assert required <= set(item) <= set(get_type_hints(contract.ContactPayload))


def test_unknown_payload_types_are_not_ours():
    assert contract.custom_type({"type": "carousel"}) is None
    assert contract.custom_type("directory_cards") is None
    assert contract.custom_type(contract.directory_cards("", [])) == contract.DIRECTORY_CARDS


def test_the_channel_fakes_send_cards_of_the_real_shape():
    from tests.payload_samples import CARDS

    fields = set(get_type_hints(contract.CardPayload))
    for card in CARDS:
        assert set(card) == fields, card["service_id"]
