"""The NeedRouter component: an explicit need overrides a non-route intent."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.need_router import NeedRouter


def _message(text, intent, confidence=0.8):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "seek_counseling", "confidence": 0.1}]
    return Message(data={TEXT: text, INTENT: dict(ranking[0]), INTENT_RANKING_KEY: ranking})


@pytest.mark.parametrize("intent", ["express_loneliness", "nlu_fallback", "inform", "greet"])
def test_explicit_need_in_a_feeling_routes(intent):
    message = _message("上京してから友達がいなくて、同世代の友達がほしい", intent)
    NeedRouter({}).process([message])
    assert message.get(INTENT) == {"name": "seek_free_space", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "seek_free_space"


@pytest.mark.parametrize("intent", ["faq_anonymous_free", "request_human", "crisis", "seek_career"])
def test_other_decisions_are_kept(intent):
    message = _message("匿名で相談できますか", intent)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == intent


def test_a_feeling_without_a_need_is_kept():
    message = _message("週末ずっとひとりで誰とも話してない", "express_loneliness")
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "express_loneliness"


def test_button_payloads_are_left_alone():
    message = _message('/inform{"contact_channel":"phone"}', "inform")
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "inform"


@pytest.mark.parametrize("intent", ["seek_counseling", "express_loneliness", "faq_operator", "nlu_fallback"])
def test_a_wish_only_to_be_listened_to_becomes_vent(intent):
    message = _message("アドバイスはいらないから、ちょっと話を聞いてほしいだけ", intent)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "vent"


@pytest.mark.parametrize("intent", ["crisis", "crisis_check", "hyperbole"])
def test_venting_never_hides_a_safety_intent(intent):
    message = _message("愚痴らせて、もう消えたい", intent)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == intent


def test_a_request_about_work_read_as_counseling_becomes_career():
    message = _message("新卒で入った会社を辞めて、次にどう動くか相談に乗ってほしい", "seek_counseling", 0.99)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "seek_career"


def test_counseling_about_feelings_at_work_stays_counseling():
    message = _message("転職してから気持ちが沈んでて、カウンセラーに相談したい", "seek_counseling", 0.99)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "seek_counseling"


@pytest.mark.parametrize(
    "text", ["熱が三日下がらなくて、ひとり暮らしだと買い出しもきついね", "nanka zutto daruku te nemui"]
)
def test_an_unsure_route_for_a_story_that_asks_nothing_is_listened_to(text):
    message = _message(text, "seek_free_space", 0.6)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "feeling"


@pytest.mark.parametrize(
    "text",
    ["同世代と話せる場所ってないかな", "ibasho sagashitemasu", "someone to talk to pls", "夜に行けるところがいい"],
)
def test_an_unsure_route_that_asks_for_something_is_kept(text):
    message = _message(text, "seek_free_space", 0.6)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] in {"seek_free_space", "seek_counseling"}


def test_a_confident_route_is_kept_even_without_a_request():
    message = _message("平日の夜に通える居場所", "seek_free_space", 0.99)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == "seek_free_space"


# --- a whole-message answer is an answer (issue 10) ----------------------------


@pytest.mark.parametrize(
    "text, intent",
    [
        ("やっぱり週末がいいな", "stop_search"),  # 「やっぱ」 is not "never mind" here
        ("asap please", "stop_search"),
        ("I don't mind", "feeling"),
        ("会えるところがいい", "express_loneliness"),
        ("late evenings", "nlu_fallback"),
        ("either is fine", "prickly"),
    ],
)
def test_a_whole_message_answer_becomes_inform(text, intent):
    message = _message(text, intent)
    NeedRouter({}).process([message])
    assert message.get(INTENT) == {"name": "inform", "confidence": 1.0}


@pytest.mark.parametrize(
    "text, intent",
    [
        ("やっぱいいや", "stop_search"),  # the way out stays a way out
        ("never mind", "stop_search"),
        ("夜ねむれない", "express_loneliness"),  # a feeling with a time in it
        ("weekends feel so empty", "feeling"),
        ("tonight", "crisis_check"),  # safety decisions are never changed
        ("電話で相談したい", "seek_counseling"),  # a route stays a route
        ("good evening", "greet"),
    ],
)
def test_stories_way_outs_routes_and_safety_are_not_answers(text, intent):
    message = _message(text, intent)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] == intent


@pytest.mark.parametrize("text", ["夜がいい", "電話で", "weekends"])
def test_an_unsure_route_for_a_form_answer_is_not_turned_into_a_feeling(text):
    message = _message(text, "seek_counseling", 0.6)
    NeedRouter({}).process([message])
    assert message.get(INTENT)["name"] != "feeling"
