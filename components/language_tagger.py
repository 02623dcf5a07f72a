"""Tags every typed message with its language (entity `language`: ja or en).

The `language` slot is filled from this entity, and the responses in
domain.yml have English variations conditioned on it, so an English
message gets English replies for the greeting, routes, form, results
intro and FAQ (the crisis replies choose their language themselves). The
rule is tsunagari.safety.crisis_dialogue.detected_language, so both agree.
Button payloads (/intent) and messages too short to tell ("ok", an emoji)
get no entity: they keep the language of the conversation.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from tsunagari.safety.crisis_dialogue import detected_language

ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageTagger(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageTagger:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/"):
                continue
            language = detected_language(text)
            if language is None:
                continue
            entities = [e for e in (message.get(ENTITIES) or []) if e.get("entity") != ENTITY]
            entities.append(
                {
                    "entity": ENTITY,
                    "value": language,
                    "start": 0,
                    "end": len(text),
                    "extractor": "LanguageTagger",
                }
            )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
