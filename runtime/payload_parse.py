"""Button presses are read without running the NLU pipeline.

A button sends its payload (``/inform{"contact_time":"evening"}``). Rasa 3.6
runs every NLU component on that text (GiNZA, DIET, the response selector,
the risk scorer, about 12 ms in ``make bench``) and then its last component,
``RegexMessageHandler``, replaces the whole result with the payload's
intent and entities: nothing the other components computed is kept. Here a
payload that ``RegexMessageHandler`` would accept is unpacked directly by
the same Rasa function, so the parse data are the same
(tests/unit/test_payload_parse.py compares both for every button in the
domain); anything else (typed text, an unknown intent, a malformed payload)
goes through the pipeline as before.

``install()`` is called by scripts/rasa_server.py before Rasa handles any
message; it is idempotent.
"""

from __future__ import annotations

from runtime import patch_once

EXTRACTOR_NAME = "RegexMessageHandler"  # the name Rasa's own handler gives its entities


def payload_parse_data(text: str | None, domain, only_output_properties: bool = True) -> dict | None:
    """The parse data of a button payload exactly as the NLU graph would give them, else None."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    if not text or not text.strip().startswith("/"):
        return None
    typed = Message({TEXT: text})
    unpacked = YAMLStoryReader.unpack_regex_message(typed, domain, entity_extractor_name=EXTRACTOR_NAME)
    if unpacked is typed:  # not a payload Rasa accepts: the pipeline decides
        return None
    parse_data = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, ENTITIES: []}
    parse_data.update(unpacked.as_dict(only_output_properties=only_output_properties))
    return parse_data


def reading_payloads_directly(original):
    """``MessageProcessor._parse_message_with_graph`` that unpacks button payloads itself."""

    def _parse_message_with_graph(self, message, tracker, only_output_properties=True):
        parse_data = payload_parse_data(message.text, self.domain, only_output_properties)
        if parse_data is None:
            return original(self, message, tracker, only_output_properties)
        return parse_data

    return _parse_message_with_graph


def install() -> None:
    """Read button payloads directly in every message processor of this process."""
    from rasa.core.processor import MessageProcessor

    patch_once(MessageProcessor, "_parse_message_with_graph", reading_payloads_directly)
