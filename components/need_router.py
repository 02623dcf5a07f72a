"""Rasa adapter for tsunagari.needs: an explicit need routes at once.

Runs after FallbackClassifier and before the CrisisMatcher. When the
classifier read a message as a feeling, a form answer, a greeting or did
not understand it, but the text clearly asks for counseling, a place to
be or work support, the intent becomes the matching seek_* intent (which
sets `support_category`). Routes the classifier already chose, FAQ and
safety intents are never changed here.

Three exceptions for routes:

- a wish only to be listened to (「アドバイスはいらないから聞いてほしい」,
  tsunagari.needs.wants_listening) becomes `vent` even when the classifier
  chose seek_counseling or an FAQ, because starting the referral form there
  is exactly what the person asked us not to do;
- counseling chosen for a request about work (「第二新卒としてどう動けば
  いいか相談に乗って」: a generic 相談 about a career topic) becomes career;
- a route the classifier guessed without confidence for a story that asks
  for nothing (no need phrase, no request, no question:
  「一人暮らしだと水買いに行くのもしんどいね」) becomes `feeling`: it is
  listened to, and suggestions come later, gently (issue 10).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import IntentOverrideComponent, intent_name, override_intent
from tsunagari.needs import asks_for_something, detect_need, wants_listening
from tsunagari.preferences import stated_answer

# A whole-message form answer (「やっぱ夜がいい」 "right now") read as one of
# these becomes `inform`, so the form or the search after the results reads
# it (tsunagari.preferences.stated_answer; stories never qualify).
ANSWER_INTENTS_KEY = "answer_overridable_intents"
ROUTABLE_INTENTS_KEY = "routable_intents"
LISTENING_INTENTS_KEY = "listening_overridable_intents"
STORY_CONFIDENCE_KEY = "story_below_confidence"
ROUTES = ("seek_counseling", "seek_free_space", "seek_career")


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
                # 「夜やってるとこは？」 after the results is a new condition, not a question about the service.
                "faq_about",
                "faq_operator",
                "chitchat",
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
            # A route guessed below this confidence, for a message that asks
            # for nothing, is read as a story (see the module docstring).
            STORY_CONFIDENCE_KEY: 0.95,
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
            if current in ROUTES:
                self._check_route(message, current, text)
                continue
            if current not in routable:
                continue
            need = detect_need(text)
            if need:
                override_intent(message, f"seek_{need}")
        return messages

    def _check_route(self, message: Message, current: str, text: str) -> None:
        need = detect_need(text)
        if need:
            # Only work talk read as counseling is corrected: other need phrases
            # (「相談できますか」) fit every route and must not move one.
            if current == "seek_counseling" and need == "career":
                override_intent(message, "seek_career")
            return
        if stated_answer(text):
            return  # 「夜がいい」 asks for nothing but is an answer, not a story
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        if confidence < self.component_config[STORY_CONFIDENCE_KEY] and not asks_for_something(text):
            override_intent(message, "feeling", confidence)
