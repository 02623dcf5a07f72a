"""What a lookup tells the insight counts: how many fitted, and whether none was open at the time asked."""

from tsunagari.directory.lookup import LookupRequest, find_services

from .conftest import tokyo

SUNDAY_2330 = tokyo("2026-11-29T23:30")


def find(session, **kw):
    return find_services(session, LookupRequest(at=SUNDAY_2330, **kw))


def test_a_fitting_search_counts_every_fit_not_only_the_cards_shown(session):
    result = find(session, category="counseling", when="any", limit=1)
    assert result.exact and len(result.cards) == 1
    assert result.fitted > 1 and result.none_open is False


def test_free_space_on_sunday_night_fits_the_need_but_none_is_open(session):
    result = find(session, category="free_space", when="now")
    assert result.exact is False
    assert (result.fitted, result.none_open) == (0, True)


def test_a_filter_nothing_matches_is_not_counted_as_closed(session):
    result = find(session, category="career", channel="line", age=119, when="now")
    assert (result.fitted, result.none_open) == (0, False)
