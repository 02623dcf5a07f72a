"""Rasa adapter for the deterministic crisis matcher (tsunagari.safety).

Placed after FallbackClassifier in config.yml. Whatever the classifier or
the fallback decided, a lexicon crisis match sets the intent to ``crisis``
with confidence 1.0 and puts it first in ``intent_ranking``; a hyperbole
match ("恥ずかしすぎて死ねる", no crisis pattern anywhere in the message)
sets ``hyperbole`` the same way: the gentle check asks directly, so it also
replaces a statistical `crisis` guess on everyday exaggeration. When the
lexicon finds nothing but the classifier says `crisis`, the intent becomes
``crisis_check``: a gentle check that offers the 24-hour lines and the
full crisis reply in one tap, instead of an alarm. Modelled on Rasa's
FallbackClassifier.

The message text is read untruncated (other components may cut long
texts for tokenisation; a crisis sentence can be buried at the end).
Nothing here logs message text: only the lexicon group name.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import IntentOverrideComponent, intent_name, override_intent
from tsunagari.safety import assess, load_lexicon

logger = logging.getLogger(__name__)

CRISIS_INTENT_KEY = "crisis_intent"
HYPERBOLE_INTENT_KEY = "hyperbole_intent"
CHECK_INTENT_KEY = "check_intent"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisMatcher(IntentOverrideComponent):
    """Overrides the predicted intent when the crisis lexicon matches."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            CRISIS_INTENT_KEY: "crisis",
            HYPERBOLE_INTENT_KEY: "hyperbole",
            CHECK_INTENT_KEY: "crisis_check",
        }

    @classmethod
    def warm_up(cls) -> None:
        """Compile the lexicon (once per process, cached) before the first message."""
        load_lexicon()

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages that match the crisis lexicon."""
        for message in messages:
            text = message.get(TEXT)
            try:
                result = assess(text)
            except Exception:  # pragma: no cover - defensive, never seen
                # Keep the classifier's decision rather than failing the
                # whole parse; the message text is deliberately not logged.
                logger.exception("Crisis matcher failed; classifier decision kept.")
                continue
            if result.level == "crisis":
                override_intent(message, self.component_config[CRISIS_INTENT_KEY])
                logger.debug("Crisis lexicon match (group %s).", result.group)
            elif result.level == "hyperbole":
                override_intent(message, self.component_config[HYPERBOLE_INTENT_KEY])
                logger.debug("Hyperbole lexicon match (group %s).", result.group)
            elif intent_name(message) == self.component_config[CRISIS_INTENT_KEY]:
                # Layer 2 without layer 1: the classifier alone is far too
                # eager on everyday words (消えた file, 髪を切った: about 15%
                # of the near-miss set), so it leads to a gentle check with
                # one-tap ways to the 24-hour lines and the full crisis reply.
                override_intent(message, self.component_config[CHECK_INTENT_KEY])
                logger.debug("Classifier-only crisis: gentle check.")
        return messages
