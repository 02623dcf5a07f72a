"""action_show_services counts the search in the aggregate insight tables (coded values only)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from actions.referral import ActionShowServices
from tests.actions.conftest import make_tracker


async def test_a_search_is_counted_without_text_or_sender(seeded_directory, dispatcher, domain):
    from tsunagari.db import session_scope
    from tsunagari.directory.models import InsightEvent, InsightServiceShown

    tracker = make_tracker(
        slots={"support_category": "free_space", "contact_channel": "any", "contact_time": "now"},
        text="居場所を探しています 山田です",
        input_channel="line",
    )
    await ActionShowServices().run(dispatcher, tracker, domain)
    cards = [c for m in dispatcher.messages if m.get("custom") for c in m["custom"]["cards"]]
    with session_scope() as session:
        (event,) = session.execute(select(InsightEvent)).scalars().all()
        shown = {r.service_key for r in session.execute(select(InsightServiceShown)).scalars()}
        values = [str(getattr(event, c.name)) for c in InsightEvent.__table__.columns]
    # Sunday 2026-11-29 23:30 Tokyo = hour of week 6*24+23
    assert (
        event.event_date,
        event.hour_of_week,
        event.kind,
        event.input_channel,
        event.route,
        event.channel_answer,
        event.time_answer,
        event.count,
    ) == (date(2026, 11, 29), 167, "search", "line", "free_space", "any", "now", 1)
    assert shown == {c["service_id"] for c in cards} and shown
    assert not any("山田" in v or "test-user" in v for v in values)


async def test_a_broken_insight_store_never_blocks_the_results(seeded_directory, dispatcher, domain, monkeypatch):
    import tsunagari.insight.events as events

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(events, "record_event", boom)
    tracker = make_tracker(slots={"support_category": "counseling", "contact_channel": "phone", "contact_time": "any"})
    await ActionShowServices().run(dispatcher, tracker, domain)
    assert any(m.get("custom") for m in dispatcher.messages)


def _counts(kind):
    from tsunagari.db import session_scope
    from tsunagari.directory.bootstrap import ensure_directory
    from tsunagari.directory.models import InsightEvent

    ensure_directory()
    with session_scope() as session:
        return sorted(
            (e.topic, e.input_channel, e.count)
            for e in session.execute(select(InsightEvent)).scalars()
            if e.kind == kind
        )


async def test_faq_topic_is_counted_by_intent_name(seeded_directory, dispatcher, domain):
    from actions.insight import ActionCountFaq

    for _ in range(2):
        assert (
            await ActionCountFaq().run(
                dispatcher, make_tracker(intent="faq_data", text="データは？", input_channel="webchat"), domain
            )
            == []
        )
    await ActionCountFaq().run(dispatcher, make_tracker(intent="greet"), domain)
    assert _counts("faq") == [("faq_data", "webchat", 2), ("other", "rest", 1)]
    assert dispatcher.messages == []


async def test_listening_counts_once_per_session_and_not_after_a_search(seeded_directory, dispatcher, domain):
    from actions.insight import ActionCountListening

    action = ActionCountListening()
    await action.run(dispatcher, make_tracker(intent="express_loneliness"), domain)
    again = [{"event": "action", "name": "action_count_listening"}]
    await action.run(dispatcher, make_tracker(intent="express_loneliness", events=again), domain)
    searched = [{"event": "action", "name": "action_show_services"}]
    await action.run(dispatcher, make_tracker(intent="express_loneliness", events=searched), domain)
    new_session = [*again, {"event": "session_started"}]
    await action.run(dispatcher, make_tracker(intent="express_loneliness", events=new_session), domain)
    assert _counts("listening") == [("", "rest", 2)]


async def test_gentle_checks_are_counted_by_the_safety_reply_and_alarms_are_not(seeded_directory, dispatcher, domain):
    from actions.crisis import ActionCrisisResponse

    for intent in ("crisis_check", "hyperbole"):
        await ActionCrisisResponse().run(dispatcher, make_tracker(intent=intent, input_channel="line"), domain)
    await ActionCrisisResponse().run(dispatcher, make_tracker(intent="crisis", input_channel="line"), domain)
    assert _counts("gentle_check") == [("", "line", 2)]
