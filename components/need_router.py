"""Rasa adapter for tsunagari.needs: an explicit need routes at once.

Runs after FallbackClassifier and before the CrisisMatcher. When the
classifier read a message as a feeling, a form answer, a greeting or did
not understand it, but the text clearly asks for counseling, a place to
be or work support, the intent becomes the matching seek_* intent (which
sets `support_category`). Routes the classifier already chose, FAQ and
safety intents are never changed here.

One exception for routes: a wish only to be listened to (「アドバイスは
いらないから聞いてほしい」, tsunagari.needs.wants_listening) becomes `vent`
even when the classifier chose seek_counseling or an FAQ, because starting
the referral form there is exactly what the person asked us not to do.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import IntentOverrideComponent, intent_name, override_intent
from tsunagari.needs import detect_need, wants_listening
from tsunagari.preferences import stated_answer

# A whole-message form answer (「やっぱ夜がいい」 "right now") read as one of
# these becomes `inform`, so the form or the search after the results reads
# it (tsunagari.preferences.stated_answer; stories never qualify).
ANSWER_INTENTS_KEY = "answer_overridable_intents"
ROUTABLE_INTENTS_KEY = "routable_intents"
LISTENING_INTENTS_KEY = "listening_overridable_intents"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NeedRouter(IntentOverrideComponent):
    """Overrides a non-route intent with seek_<category> on a clear need."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            ANSWER_INTENTS_KEY: [
                "nlu_fallback",
                "stop_search",
                "feeling",
                "express_loneliness",
                "prickly",
                "short_reaction",
                "affirm",
                "deny",
                "show_menu",
                "other",
            ],
            ROUTABLE_INTENTS_KEY: [
                "express_loneliness",
                "nlu_fallback",
                "inform",
                "affirm",
                "deny",
                "greet",
                "show_menu",
                "other",
                "chitchat",
                "feeling",
            ],
            LISTENING_INTENTS_KEY: [
                "seek_counseling",
                "seek_free_space",
                "faq_about",
                "faq_operator",
                "request_human",
                "thank",
            ],
        }

    def process(self, messages: list[Message]) -> list[Message]:
        routable = set(self.component_config[ROUTABLE_INTENTS_KEY])
        listening = routable | set(self.component_config[LISTENING_INTENTS_KEY])
        answers = set(self.component_config[ANSWER_INTENTS_KEY])
        for message in messages:
            current = intent_name(message)
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            if current in answers and stated_answer(text):
                override_intent(message, "inform")
                continue
            if current in listening and wants_listening(text):
                override_intent(message, "vent")
                continue
            if current not in routable:
                continue
            need = detect_need(text)
            if need:
                override_intent(message, f"seek_{need}")
        return messages
