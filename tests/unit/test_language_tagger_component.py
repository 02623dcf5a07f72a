"""LanguageTagger: English messages carry language=en, Japanese ones ja, payloads nothing."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.language_tagger import LanguageTagger


def _language(text):
    message = Message(data={TEXT: text})
    LanguageTagger().process([message])
    return [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == "language"]


@pytest.mark.parametrize(
    "text, expected",
    [("Is there a counselor I can talk to?", ["en"]), ("相談したいです", ["ja"]), ("hi", ["en"]), ("Hey!", ["en"])],
)
def test_typed_messages_are_tagged(text, expected):
    assert _language(text) == expected


@pytest.mark.parametrize("text", ["🙃", "ok", "no", "2", "..."])
def test_messages_too_short_to_tell_keep_the_conversation_language(text):
    assert _language(text) == []


def test_button_payloads_keep_the_conversation_language():
    assert _language('/inform{"contact_channel":"phone"}') == []
