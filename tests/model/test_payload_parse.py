"""runtime.payload_parse: a button press parses exactly as the NLU pipeline would, without running it."""

from __future__ import annotations

import asyncio
import json

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.trackers import DialogueStateTracker

from runtime.payload_parse import payload_parse_data, reading_payloads_directly
from tests.model.conftest import MODEL, ROOT
from tsunagari.safety.crisis_dialogue import _BUTTON_PAYLOADS as CRISIS_BUTTONS


def _domain_payloads() -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = set()
    for variations in domain["responses"].values():
        for variation in variations:
            for button in variation.get("buttons") or []:
                payloads.add(button["payload"].replace("{{", "{").replace("}}", "}"))
    for slot in ("contact_channel", "contact_time"):
        for value in domain["slots"][slot]["values"]:
            payloads.add("/inform" + json.dumps({slot: value}))
    return payloads


def _crisis_payloads() -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, str) and node.startswith("/"):
            found.add(node)

    walk(CRISIS_BUTTONS)
    return found


# Also a spaced payload, a confidence and a cut-off entity part (Rasa keeps the intent).
PAYLOADS = sorted(
    _domain_payloads() | _crisis_payloads() | {"/greet", " /seek_career ", "/inform@0.5", '/inform{"contact_time": '}
)
NOT_PAYLOADS = ["/no_such_intent", "/", "/ 死にたい", "/死にたい", "こんにちは", "", "//"]


@pytest.fixture(scope="module")
def processor():
    assert MODEL.exists(), f"trained model not found at {MODEL}: run `make train`"
    agent = Agent.load(str(MODEL))
    return agent.processor


def _graph(processor, text):
    tracker = DialogueStateTracker.from_events("t", [])
    return processor._parse_message_with_graph(UserMessage(text, sender_id="t"), tracker)


def test_the_payload_set_covers_the_domain_buttons():
    assert {"/seek_counseling", "/stop_search", "/crisis_safe", '/inform{"contact_time": "evening"}'} <= set(PAYLOADS)
    assert len(PAYLOADS) >= 20


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_button_parses_as_the_pipeline_parses_it(processor, text):
    direct = payload_parse_data(text, processor.domain)
    assert direct is not None, f"{text!r} should be read directly"
    assert direct == _graph(processor, text)


@pytest.mark.parametrize("text", NOT_PAYLOADS)
def test_anything_else_goes_through_the_pipeline(processor, text):
    assert payload_parse_data(text, processor.domain) is None


def test_the_processor_reads_payloads_directly_and_text_through_the_graph(processor):
    calls = []

    def graph(self, message, tracker, only_output_properties=True):
        calls.append(message.text)
        return {"text": message.text, "intent": {"name": "from_graph"}, "entities": []}

    parse = reading_payloads_directly(graph)
    tracker = DialogueStateTracker.from_events("t", [])
    button = parse(processor, UserMessage("/seek_free_space"), tracker)
    typed = parse(processor, UserMessage("居場所を探したい"), tracker)
    assert button["intent"]["name"] == "seek_free_space" and typed["intent"]["name"] == "from_graph"
    assert calls == ["居場所を探したい"]


def test_parse_message_gives_a_payload_its_intent_and_entities(processor, monkeypatch):
    from rasa.core.processor import MessageProcessor

    monkeypatch.setattr(
        MessageProcessor,
        "_parse_message_with_graph",
        reading_payloads_directly(MessageProcessor._parse_message_with_graph),
    )
    parsed = asyncio.run(processor.parse_message(UserMessage('/inform{"contact_channel":"phone"}', sender_id="t")))
    assert parsed["intent"]["name"] == "inform"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("contact_channel", "phone")]
