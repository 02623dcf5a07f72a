"""Recording aggregate events: coded values only, hour-of-week buckets, nothing that links events."""

from datetime import date

import pytest
from sqlalchemy import inspect, select

from tsunagari.directory.models import InsightEvent, InsightServiceShown
from tsunagari.insight.events import hour_of_week, record_event

from .conftest import tokyo


def rows(session, model):
    return session.execute(select(model)).scalars().all()


def test_hour_of_week_is_tokyo_monday_based():
    assert hour_of_week(tokyo("2026-11-30T00:10")) == 0  # Monday
    assert hour_of_week(tokyo("2026-11-29T23:59")) == 167  # Sunday
    from datetime import datetime, timezone

    assert hour_of_week(datetime(2026, 11, 29, 15, 30, tzinfo=timezone.utc)) == 0  # = Mon 00:30 Tokyo


def test_a_search_is_counted_in_its_bucket_with_each_shown_service(session):
    for minute in ("23:05", "23:50"):
        record_event(
            session,
            "search",
            tokyo(f"2026-11-28T{minute}"),
            "line",
            route="free_space",
            channel_answer="chat",
            time_answer="weekend",
            fitted=0,
            none_open=True,
            shown=["tokyo-chat", "tokyo-chat", "yorisoi-hotline"],
        )
    (event,) = rows(session, InsightEvent)
    assert (
        event.event_date,
        event.hour_of_week,
        event.kind,
        event.input_channel,
        event.route,
        event.channel_answer,
        event.time_answer,
        event.fitted,
        event.none_open,
        event.count,
    ) == (date(2026, 11, 28), 5 * 24 + 23, "search", "line", "free_space", "chat", "weekend", 0, True, 2)
    shown = {(r.service_key, r.route, r.count) for r in rows(session, InsightServiceShown)}
    assert shown == {("tokyo-chat", "free_space", 2), ("yorisoi-hotline", "free_space", 2)}


def test_free_text_never_reaches_the_table(session):
    record_event(
        session,
        "faq",
        tokyo("2026-11-02T10:00"),
        "LINE user U1234 からのメッセージ",
        route="死にたい",
        channel_answer="今すぐ電話して",
        time_answer="明日",
        topic="誰にも言えない",
        shown=["<script>", "ok-key"],
        fitted=999,
    )
    (event,) = rows(session, InsightEvent)
    assert (event.route, event.channel_answer, event.time_answer, event.topic) == ("other", "other", "other", "other")
    assert event.input_channel not in ("", "LINE user U1234 からのメッセージ") and "u1234" not in event.input_channel
    assert event.fitted == 20  # capped
    assert [r.service_key for r in rows(session, InsightServiceShown)] == ["ok-key"]


def test_the_table_has_no_column_that_could_identify_or_link_a_person(session):
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("insight_events")}
    assert columns == {
        "id",
        "event_date",
        "hour_of_week",
        "kind",
        "input_channel",
        "route",
        "channel_answer",
        "time_answer",
        "fitted",
        "none_open",
        "topic",
        "count",
    }
    shown = {c["name"] for c in inspect(session.get_bind()).get_columns("insight_services_shown")}
    assert shown == {"id", "event_date", "route", "input_channel", "service_key", "count"}


def test_unknown_kind_is_a_programming_error(session):
    with pytest.raises(ValueError, match="kind"):
        record_event(session, "message_text", tokyo("2026-11-02T10:00"), "line")
