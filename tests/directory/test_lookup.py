import json

import pytest

from tsunagari.directory.lookup import (
    LookupRequest,
    bucket_windows,
    find_emergency_contacts,
    find_services,
    format_card_text,
)

from .conftest import tokyo

SUNDAY_2330 = tokyo("2026-11-29T23:30")
HOLIDAY_2330 = tokyo("2026-11-23T23:30")  # 勤労感謝の日 (Monday)


def find(session, **kw):
    kw.setdefault("at", SUNDAY_2330)
    return find_services(session, LookupRequest(**kw))


def all_text(result) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("at", [SUNDAY_2330, HOLIDAY_2330])
@pytest.mark.parametrize("category", ["counseling", "crisis_line"])
def test_talk_now_late_at_night_leads_with_what_is_open(session, at, category):
    result = find(session, category=category, when="now", at=at)
    assert result.exact
    assert result.cards, "someone who wants to talk now must get an open service"
    assert result.cards[0].open_now is True
    assert all(card.open_now is True for card in result.cards)


def test_crisis_line_at_night_never_lists_emergency_numbers(session):
    result = find(session, category="crisis_line", when="now")
    names = [c.name for c in result.cards]
    assert not any(n.startswith(("110", "119")) for n in names)


def test_crisis_reply_always_has_a_fully_verified_option(session):
    for at in (SUNDAY_2330, HOLIDAY_2330, tokyo("2026-11-25T15:30")):
        result = find(session, category="crisis_line", when="now", at=at, channel="phone")
        assert any(card.fully_verified for card in result.cards)


def test_no_match_is_honest_and_offers_next_opening_and_a_24h_line(session):
    result = find(session, category="free_space", when="now")
    assert result.exact is False
    assert result.note.startswith("ご希望の時間に開いている窓口は見つかりませんでした。")
    assert "から開きます" in result.note
    assert "24時間" in result.note
    # "now" leads with what is open now (the 24h line), then the next opening.
    assert result.cards[0].open_now is True
    assert result.cards[0].today_hours == "24時間"
    assert any(card.open_now is False and any("から" in r for r in card.reasons) for card in result.cards)


def test_no_match_for_career_does_not_push_a_crisis_line(session):
    result = find(session, category="career", when="now")
    assert result.exact is False
    assert "から開きます" in result.note
    assert all(card.category != "crisis_line" for card in result.cards)


def test_next_opening_note_names_the_day(session):
    result = find(session, category="career", when="now")
    # 若ナビα (also career) opens Monday 11:00; Sunday 23:30 -> 明日 11:00
    assert "若ナビα" in result.note and "明日 11:00 から開きます" in result.note


def test_chat_matches_chat_and_line(session):
    result = find(session, category="counseling", channel="chat", limit=10)
    channels = {ch for card in result.cards for ch in card.channels}
    assert "chat" in channels and "line" in channels
    assert all({"chat", "line"} & set(card.channels) for card in result.cards)


def test_channel_phone_only_phone_services(session):
    result = find(session, category="crisis_line", channel="phone", when="now", limit=10)
    assert result.cards and all("phone" in card.channels for card in result.cards)
    assert all(any(c.kind == "phone" for c in card.contacts) for card in result.cards)


@pytest.mark.parametrize("category", ["counseling", "free_space", "career", "crisis_line"])
@pytest.mark.parametrize(
    "channel, kinds",
    [
        ("phone", {"phone"}),
        ("in_person", {"address"}),
        ("chat", {"url", "line"}),
        ("online", {"url"}),
    ],
)
def test_a_channel_filter_only_finds_services_reachable_that_way(session, category, channel, kinds):
    # 若ナビα offers phone consultations, but its number is unverified: asking
    # for 電話 must not list it as if it could be called.
    for when in (None, "now", "weekday_day"):
        result = find(session, category=category, channel=channel, when=when, limit=10)
        if not result.exact:
            continue  # an honest "nothing fits" plus the nearest alternative
        for card in result.cards:
            assert kinds & {c.kind for c in card.contacts}, (channel, card.name)


def test_age_filter(session):
    young = find(session, category="free_space", age=22, limit=10, at=tokyo("2026-11-24T16:00"))
    older = find(session, category="free_space", age=30, limit=10, at=tokyo("2026-11-24T16:00"))
    assert "sankaku-kichi" in {c.service_id for c in young.cards}
    assert "sankaku-kichi" not in {c.service_id for c in older.cards}


def test_ranking_open_first_then_later(session):
    # Tuesday 16:00, "now": サンカクキチ (15-21) and きみまも (15-21) are open. (At no set time, a
    # place to go to lists the ward first: see the locality test below.)
    result = find(session, category="free_space", when="now", limit=5, at=tokyo("2026-11-24T16:00"))
    opens = [card.open_now for card in result.cards]
    assert opens[0] is True
    first_not_open = next((i for i, o in enumerate(opens) if o is not True), len(opens))
    assert all(o is True for o in opens[:first_not_open])


def test_weekday_day_bucket_skips_holidays(session):
    # Monday 2026-11-23 is a holiday: ひきこもりサポートネット is closed; the fit is Tuesday 10:00.
    result = find(
        session, category="counseling", when="weekday_day", channel="phone", limit=10, at=tokyo("2026-11-23T10:30")
    )
    card = next(c for c in result.cards if c.service_id == "hikikomori-support-net")
    assert card.open_now is False
    # The hours shown are those of the day asked about (issue 10), not today's holiday.
    assert card.today_hours == "明日 10:00〜17:00"
    assert "明日 10:00から" in card.reasons


def test_weekend_bucket_includes_holidays():
    windows = bucket_windows("weekend", tokyo("2026-11-23T10:00"))
    assert windows[0][0] == 600  # the holiday itself, from now


def test_evening_bucket_from_early_morning_includes_now():
    windows = bucket_windows("evening", tokyo("2026-11-24T01:00"))
    assert windows[0] == (60, 360)


def test_evening_request(session):
    result = find(session, category="counseling", when="evening", channel="phone", at=tokyo("2026-11-24T10:00"))
    assert result.exact
    assert any("yakan-kokoro" == c.service_id for c in result.cards) or result.cards


def test_unverified_facts_never_reach_a_card(session):
    # UNVERIFIED (old わかものハローワーク) and undated partly (中部総合センター) facts.
    hidden_values = ["03-3409-0328", "0334090328", "渋谷クロスタワー", "03-3302-7575", "0333027575", "上北沢"]
    for category in ("counseling", "free_space", "career", "crisis_line", "community_event"):
        for when in (None, "now", "weekday_day", "evening", "weekend"):
            for at in (SUNDAY_2330, tokyo("2026-11-24T14:00")):
                text = all_text(find(session, category=category, when=when, at=at, limit=20))
                for value in hidden_values:
                    assert value not in text
                for key in (
                    "my-sherpa-online",
                    "habikone-space",
                    "legika-space",
                    "koritsu-9999",
                    "hoken-center-kokoro",
                    "chubu-mental-health-center",
                    "young-corner",
                ):
                    assert key not in text


def test_partly_facts_are_shown_with_their_date(session):
    result = find(session, category="crisis_line", channel="phone", limit=20, at=tokyo("2026-11-24T14:00"))
    sos = next(c for c in result.cards if c.service_id == "inochi-sos")
    assert sos.verified_note == "最終確認: 2022年8月26日"
    assert all(c.note == "最終確認: 2022年8月26日" for c in sos.contacts)
    assert "最終確認: 2022年8月26日" in format_card_text(sos)


def test_anata_no_ibasho_shows_only_the_sourced_domain_with_its_date(session):
    result = find(session, category="counseling", channel="chat", when="now")
    card = next(c for c in result.cards if c.service_id == "anata-no-ibasho-chat")
    assert card.today_hours == "24時間" and card.open_now is True
    (contact,) = card.contacts
    assert contact.kind == "url" and contact.value == "https://talkme.jp"
    assert contact.note == "最終確認: 2024年5月"


def test_card_shape_and_phone_digits(session):
    result = find(session, category="crisis_line", when="now", channel="phone", limit=5)
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    card = data["cards"][0]
    for key in (
        "service_id",
        "name",
        "organisation",
        "description",
        "contacts",
        "today_hours",
        "reasons",
        "open_now",
        "last_verified",
        "verified_note",
    ):
        assert key in card
    phones = [c for c in result.cards for c in c.contacts if c.kind == "phone"]
    assert phones and all(p.value.replace("#", "").isdigit() for p in phones)
    assert any(p.label == "03-3264-4343" and p.value == "0332644343" for p in phones)


def test_today_hours_wording(session):
    result = find(session, category="crisis_line", channel="phone", limit=20, at=tokyo("2026-11-24T13:00"))
    by_id = {c.service_id: c for c in result.cards}
    assert by_id["tokyo-inochi"].today_hours == "24時間"
    assert by_id["tokyo-suicide-dial"].today_hours == "今日 〜5:30、12:00〜翌5:30"
    assert "今日は" in by_id["tokyo-suicide-dial"].reasons[0] or "明日の朝" in by_id["tokyo-suicide-dial"].reasons[0]


def test_open_until_reason(session):
    result = find(session, category="counseling", channel="phone", when="now", limit=10, at=tokyo("2026-11-24T18:00"))
    yakan = next(c for c in result.cards if c.service_id == "yakan-kokoro")
    assert "今日は22時まで" in yakan.reasons


def test_format_card_text_is_compact(session):
    result = find(session, category="counseling", when="now")
    text = format_card_text(result.cards[0])
    lines = text.splitlines()
    assert lines[0].startswith("■ ")
    assert any(line.startswith("時間: ") for line in lines)
    assert any("確認" in line for line in lines)
    assert len(lines) <= 8


def test_emergency_contacts(session):
    cards = find_emergency_contacts(session, at=SUNDAY_2330)
    assert [c.contacts[0].value for c in cards][:2] == ["110", "119"]


def test_request_validation():
    with pytest.raises(ValueError):
        LookupRequest(category="parties", at=SUNDAY_2330)
    with pytest.raises(ValueError):
        LookupRequest(category="counseling", channel="pigeon", at=SUNDAY_2330)
    req = LookupRequest(category="counseling", channel="any", when="any", at=SUNDAY_2330.replace(tzinfo=None))
    assert req.channel is None and req.when is None and req.at.tzinfo is not None


CRISIS_YAML = """\
version: 1
organisations:
  - {key: o, name: 団体, kind: NPO, source: s, verified_on: 2026-01, confidence: verified}
services:
"""
for _key, _conf, _prio in (("partly-a", "partly", 50), ("partly-b", "partly", 40), ("solid-c", "verified", 1)):
    CRISIS_YAML += f"""\
  - key: {_key}
    organisation: o
    name: 窓口{_key}
    category: crisis_line
    description: 24時間の電話です。
    channels: [phone]
    source: s
    verified_on: 2026-01
    confidence: {_conf}
    hours: {{spec: 24h, holidays: as_usual, confidence: {_conf}}}
    contacts: [{{kind: phone, value: 03-0000-00{_prio:02d}, confidence: {_conf}}}]
"""


def _fresh(tmp_path, text):
    from sqlalchemy.orm import sessionmaker

    from tsunagari import db
    from tsunagari.directory.importer import import_file

    engine = db.make_engine("sqlite://")
    db.upgrade_schema(engine)
    path = tmp_path / "d.yml"
    path.write_text(text, encoding="utf-8")
    factory = sessionmaker(bind=engine, future=True)
    with factory.begin() as s:
        import_file(s, path)
    return engine, factory


def test_partly_lines_are_never_the_only_crisis_option(tmp_path):
    engine, factory = _fresh(tmp_path, CRISIS_YAML)
    with factory.begin() as s:
        result = find_services(s, LookupRequest(category="crisis_line", when="now", at=SUNDAY_2330, limit=2))
    ids = [c.service_id for c in result.cards]
    assert len(ids) == 2 and "solid-c" in ids
    engine.dispose()


def test_writes_in_this_process_are_seen_immediately(tmp_path):
    engine, factory = _fresh(tmp_path, CRISIS_YAML)
    with factory.begin() as s:
        before = find_services(s, LookupRequest(category="crisis_line", at=SUNDAY_2330, limit=5))
    assert len(before.cards) == 3
    with factory.begin() as s:
        from tsunagari.directory.importer import import_file

        path = tmp_path / "hide.yml"
        path.write_text(CRISIS_YAML.replace("confidence: verified}]", "confidence: unverified}]"), encoding="utf-8")
        import_file(s, path)
    with factory.begin() as s:
        after = find_services(s, LookupRequest(category="crisis_line", at=SUNDAY_2330, limit=5))
    assert "solid-c" not in [c.service_id for c in after.cards]
    engine.dispose()


def test_changes_from_another_process_are_picked_up(tmp_path, monkeypatch):
    from sqlalchemy import text

    from tsunagari.directory import snapshot

    engine, factory = _fresh(tmp_path, CRISIS_YAML)
    with factory.begin() as s:
        assert len(find_services(s, LookupRequest(category="crisis_line", at=SUNDAY_2330, limit=5)).cards) == 3
    # Another process hides a service and bumps the revision (as the importer does).
    with engine.begin() as conn:
        conn.execute(text("UPDATE services SET public = 0 WHERE key = 'partly-a'"))
        conn.execute(
            text("UPDATE directory_meta SET revision = revision + 1, updated_at = '2099-01-01 00:00:00.000000'")
        )
    monkeypatch.setattr(snapshot, "RECHECK_SECONDS", 0.0)
    with factory.begin() as s:
        ids = [c.service_id for c in find_services(s, LookupRequest(category="crisis_line", at=SUNDAY_2330)).cards]
    assert "partly-a" not in ids
    engine.dispose()


def test_a_weekend_request_on_a_wednesday_shows_saturday_hours(session):
    result = find(session, category="free_space", when="weekend", limit=10, at=tokyo("2026-11-25T14:00"))
    assert result.cards
    for card in result.cards:
        assert not card.today_hours.startswith("今日"), (card.service_id, card.today_hours)


def test_shinagawa_services_come_before_tokyo_and_national_ones(session):
    from tsunagari.directory.lookup import LOCALITY_ORDER
    from tsunagari.directory.snapshot import get_snapshot

    area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    for category in ("free_space", "counseling", "career"):
        result = find(session, category=category, limit=10, at=tokyo("2026-11-24T14:00"))
        # Among cards equally open now, the order is ward -> Tokyo -> national.
        open_now = [c for c in result.cards if c.open_now is True]
        ranks = [LOCALITY_ORDER.get(area[c.service_id] or "", 3) for c in open_now]
        assert ranks == sorted(ranks), (category, [(c.service_id, area[c.service_id]) for c in open_now])


@pytest.mark.parametrize("request_args", [{"category": "free_space"}, {"category": "career", "channel": "in_person"}])
def test_a_place_to_go_at_any_time_lists_the_ward_first_even_with_hours_being_checked(session, request_args):
    from tsunagari.directory.lookup import LOCALITY_ORDER
    from tsunagari.directory.snapshot import get_snapshot

    area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    result = find(session, limit=10, at=tokyo("2026-12-09T21:00"), **request_args)
    ranks = [LOCALITY_ORDER.get(area[c.service_id] or "", 3) for c in result.cards]
    assert ranks and ranks == sorted(ranks), [(c.service_id, area[c.service_id]) for c in result.cards]


def test_a_set_time_leads_with_one_ward_place_then_places_open_then(session):
    """A weekend 居場所 asked on a Wednesday night: the ward's own place first, said
    honestly (its hours are still being checked), then the places sure to be open
    at the weekend, then the other unconfirmed ones."""
    from tsunagari.directory.snapshot import get_snapshot

    area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    result = find(session, category="free_space", when="weekend", limit=10, at=tokyo("2026-12-09T21:00"))
    first, rest = result.cards[0], result.cards[1:]
    assert area[first.service_id] == "品川区" and "確認中" in first.hours_text
    assert first.name in result.note and "問い合わせ" in result.note
    weekend_hours = [i for i, c in enumerate(rest) if "土曜" in c.hours_text or "日曜" in c.hours_text]
    being_checked = [i for i, c in enumerate(rest) if "確認中" in c.hours_text]
    assert weekend_hours and being_checked and max(weekend_hours) < min(being_checked)


@pytest.mark.parametrize("when", ["weekend", "evening"])
def test_a_set_time_in_three_cards_keeps_two_places_sure_to_be_open(session, when):
    result = find(session, category="free_space", when=when, limit=3, at=tokyo("2026-12-09T21:00"))
    assert len(result.cards) == 3
    assert sum("確認中" not in c.hours_text for c in result.cards) >= 2, [c.hours_text for c in result.cards]


def test_a_set_time_for_a_line_is_not_reordered_by_nearness(session):
    result = find(session, category="counseling", channel="phone", when="evening", at=tokyo("2026-12-09T21:00"))
    assert result.cards and "確認中" not in result.cards[0].hours_text


def test_text_cards_are_at_most_eight_lines(session):
    from tsunagari.directory.lookup import CATEGORIES, MAX_CARD_LINES, format_card_text

    for category in CATEGORIES:
        for card in find(session, category=category, limit=100, at=tokyo("2026-11-29T23:30")).cards:
            assert len(format_card_text(card).splitlines()) <= MAX_CARD_LINES, card.service_id


def test_area_narrows_to_the_ward(session):
    from tsunagari.directory.snapshot import get_snapshot

    area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    result = find(session, category="free_space", area="品川区", limit=10, at=tokyo("2026-11-24T14:00"))
    assert result.cards and all(area[c.service_id] == "品川区" for c in result.cards)
    with pytest.raises(ValueError, match="unknown area"):
        find(session, category="free_space", area="新宿区")


def test_in_the_ward_at_the_weekend_shows_only_ward_places_and_says_their_hours_are_unconfirmed(session):
    """「品川にはないの？」 after a weekend 居場所 search (a Wednesday): the answer is the
    ward's places, said plainly, not a national phone line first."""
    from tsunagari.directory.snapshot import get_snapshot

    area = {e.key: e.eligibility_area for e in get_snapshot(session).entries}
    result = find(session, category="free_space", when="weekend", area="品川区", at=tokyo("2026-11-25T02:00"))
    assert result.cards and all(area[c.service_id] == "品川区" for c in result.cards)
    # The seed has no confirmed weekend hours for the ward's places (partners.md).
    assert not result.exact
    assert "確認中" in result.note and "見つかりませんでした" not in result.note


def test_no_service_of_the_kind_that_way_offers_the_same_kind_reached_another_way(session):
    # No 居場所 is reached by phone: the places themselves (in person, online)
    # answer "somewhere to belong" better than a listening line would.
    result = find(session, category="free_space", channel="phone", when="evening")
    assert result.exact is False
    assert result.note.startswith("電話でつながれるところは、まだ見つかっていません。")
    any_way = find(session, category="free_space", when="evening")
    assert [c.service_id for c in result.cards] == [c.service_id for c in any_way.cards]
    assert all(card.category != "crisis_line" for card in result.cards)
    assert "ご希望の条件に合う窓口は見つかりませんでした" not in result.note


def test_a_channel_that_exists_for_the_kind_is_not_relaxed(session):
    result = find(session, category="counseling", channel="phone", when="evening")
    assert "まだ見つかっていません" not in (result.note or "")


def test_a_way_nothing_of_the_kind_is_reached_by_shows_other_ways_and_says_so(session):
    # No 居場所 in the ward is reached by chat: its places are shown (reached
    # another way), flagged so that the conversation can look beyond the ward.
    ward = find(session, category="free_space", channel="chat", area="品川区", limit=5)
    assert ward.cards and not ward.exact and ward.other_ways
    assert ward.note.startswith("チャットでつながれるところは")
    plain = find(session, category="free_space", channel="in_person", area="品川区", limit=5)
    assert plain.cards and not plain.other_ways
