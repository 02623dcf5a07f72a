"""The hand-written seed: loads, follows the sheet's display rules, hides what must be hidden."""

from sqlalchemy import select

from tsunagari.directory.models import Contact, Organisation, Service
from tsunagari.directory.visibility import contact_showable, service_hidden_reasons


def services(session):
    return {s.key: s for s in session.execute(select(Service)).scalars()}


def test_seed_counts_and_categories(session):
    by_key = services(session)
    categories = {s.category for s in by_key.values()}
    assert {"counseling", "free_space", "career", "crisis_line", "community_event"} <= categories
    assert sum(s.public for s in by_key.values()) == 26


def test_hidden_orgs_stay_in_the_database(session):
    orgs = {o.key: o for o in session.execute(select(Organisation)).scalars()}
    for key in ("habikone", "legika"):
        assert orgs[key].hidden and not orgs[key].public
    by_key = services(session)
    for key in (
        "habikone-space",
        "legika-space",
        "my-sherpa-online",
        "hoken-center-kokoro",
        "yell-shinagawa",
        "koritsu-9999",
        "young-corner",
        "tokyo-wakamono-hellowork",
        "chubu-mental-health-center",
        "hellowork-shinagawa",
        "saposute-shinagawa",
    ):
        assert by_key[key].public is False, key
        assert service_hidden_reasons(by_key[key]), key


def test_every_public_service_has_a_showable_contact(session):
    for s in services(session).values():
        if s.public:
            assert any(contact_showable(c) for c in s.contacts), s.key
            assert s.confidence != "unverified"


def test_partly_facts_always_have_a_date_when_public(session):
    for c in session.execute(select(Contact)).scalars():
        if c.confidence == "partly" and contact_showable(c):
            assert c.verified_on is not None


def test_key_numbers_match_the_fact_sheet(session):
    by_key = services(session)

    def phones(key):
        return [c.value for c in by_key[key].contacts if c.kind == "phone"]

    assert phones("inochi-freedial") == ["0120-783-556"]
    assert phones("tokyo-inochi") == ["03-3264-4343"]
    assert phones("yorisoi-hotline") == ["0120-279-338", "050-3655-0279"]
    assert phones("kokoro-unified-dial") == ["0570-064-556"]  # not the misprinted 0570-046-556
    assert phones("tokyo-suicide-dial") == ["0570-087478"]
    assert phones("tfd-7119") == ["#7119", "03-3212-2323"]
    assert phones("hikikomori-support-net") == ["0120-529-528"]


def test_special_hours_rules_are_encoded(session):
    by_key = services(session)
    inochi = by_key["inochi-freedial"]
    assert {(h.day_kind, h.day, h.opens_min, h.closes_min) for h in inochi.hours if h.day_kind == "monthday"} == {
        ("monthday", 10, 480, 1920)
    }
    assert by_key["kimimamo-kabukicho"].holiday_rule == "closed"
    assert by_key["hikikomori-support-net"].holiday_rule == "closed"
    assert by_key["anata-no-ibasho-chat"].hours_type == "24h"
    sos = {(h.day, h.opens_min, h.closes_min) for h in by_key["inochi-sos"].hours}
    assert (0, 0, 1440) in sos and (1, 360, 1440) in sos
    assert {h.closes_min for h in by_key["tokyo-suicide-dial"].hours} == {1770}


def test_anata_no_ibasho_url_is_only_the_sourced_domain_and_partly(session):
    svc = services(session)["anata-no-ibasho-chat"]
    (contact,) = svc.contacts
    assert contact.value == "https://talkme.jp" and contact.confidence == "partly"
    assert contact.verified_on.isoformat() == "2024-05-01" and contact.verified_precision == "month"
    assert "Asahi" in contact.source or "朝日" in contact.source


def test_unverified_operator_name_is_not_shown(session):
    from tsunagari.directory.lookup import LookupRequest, find_services

    from .conftest import tokyo

    result = find_services(
        session, LookupRequest(category="crisis_line", channel="line", limit=10, at=tokyo("2026-11-24T18:00"))
    )
    card = next(c for c in result.cards if c.service_id == "ikizurabit")
    assert card.organisation == ""
    assert card.today_hours == "受付時間は確認中です" and card.open_now is None
    yorisoi = find_services(
        session, LookupRequest(category="crisis_line", channel="phone", limit=10, at=tokyo("2026-11-24T18:00"))
    )
    assert next(c for c in yorisoi.cards if c.service_id == "yorisoi-hotline").organisation == ""
