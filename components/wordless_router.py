"""Rasa adapter for tsunagari.small_talk.is_wordless: emoji-only messages.

Runs after FallbackClassifier and before NeedRouter and the CrisisMatcher.
A message with no letters (🙃, 「…」) gives the classifier nothing to read,
so it falls back to 「うまく受け取れませんでした」; here it becomes
`short_reaction`, which gets a short kind reply. Safety intents are never
changed, and the CrisisMatcher still runs after this.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import IntentOverrideComponent, intent_name, override_intent
from tsunagari.small_talk import is_wordless

OVERRIDABLE_INTENTS_KEY = "overridable_intents"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class WordlessRouter(IntentOverrideComponent):
    """Overrides a non-safety intent with short_reaction on a wordless message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            OVERRIDABLE_INTENTS_KEY: [
                "nlu_fallback",
                "affirm",
                "deny",
                "greet",
                "goodbye",
                "thank",
                "chitchat",
                "inform",
                "other",
                "show_menu",
                "express_loneliness",
                "feeling",
                "vent",
                "prickly",
            ],
        }

    def process(self, messages: list[Message]) -> list[Message]:
        overridable = set(self.component_config[OVERRIDABLE_INTENTS_KEY])
        for message in messages:
            if intent_name(message) in overridable and is_wordless(message.get(TEXT)):
                override_intent(message, "short_reaction")
        return messages
