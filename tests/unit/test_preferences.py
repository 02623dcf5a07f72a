"""Typed answers to the referral form map to canonical slot values."""

import pytest

from tsunagari.preferences import CHANNELS, TIMES, clear_preference, parse_channel, parse_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("電話がいいです", "phone"),
        ("ﾃﾞﾝﾜで", "phone"),
        ("でんわ", "phone"),
        ("LINEがいい", "chat"),
        ("ＬＩＮＥ", "chat"),
        ("チャットで", "chat"),
        ("文字のほうが気楽", "chat"),
        ("Zoomとか", "online"),
        ("ネットで", "online"),
        ("オンラインでお願いします", "online"),
        ("直接会って話したい", "in_person"),
        ("対面", "in_person"),
        ("こだわらない", "any"),
        ("どの方法でも", "any"),
        ("とくに希望はないかな", "any"),
        ("うーん", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_channel(text, expected):
    assert parse_channel(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("今すぐ話したい", "now"),
        ("いますぐ", "now"),
        ("今夜", "now"),
        ("土日がいい", "weekend"),
        ("週末なら", "weekend"),
        ("夜", "evening"),
        ("19時以降", "evening"),
        ("仕事の後", "evening"),
        ("平日の昼", "weekday_day"),
        ("午前中", "weekday_day"),
        ("いつでも", "any"),
        ("こだわらない", "any"),
        ("わかんない笑", None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_values_are_the_slot_values_of_the_domain():
    from pathlib import Path

    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    assert tuple(domain["slots"]["contact_channel"]["values"]) == CHANNELS
    assert tuple(domain["slots"]["contact_time"]["values"]) == TIMES


def test_clear_preference_ignores_a_bare_no_preference():
    assert clear_preference("わからない", parse_time) is None
    assert clear_preference("夜に電話で話したい", parse_time) == "evening"


def test_very_long_input_does_not_fail():
    assert parse_channel("あい" * 5000 + "電話") is None  # only the first 500 characters are read
    assert parse_time("夜" + "あい" * 5000) == "evening"


# --- only explicit answers fill the form (issue 10) ---------------------------
from tsunagari.preferences import explicit_preference, is_explicit_answer  # noqa: E402


@pytest.mark.parametrize(
    "text",
    ["夜なら大丈夫です", "電話がいいです", "LINEで、夜がいいです", "土日", "こだわらない", "仕事の後がいい", "対面で"],
)
def test_short_answers_are_explicit(text):
    assert is_explicit_answer(text)


@pytest.mark.parametrize(
    "text, parser",
    [
        ("今日上司にめっちゃ怒られた", parse_time),  # 「今日」 is not "now"
        ("会社には行ってるけど、ただこなしてるだけ", parse_channel),  # not "in person"
        ("でも平日は仕事なんです", parse_time),  # the opposite of weekday daytime
        ("夜になると毎日さみしくなる", parse_time),
        ("昔は友達とよく電話してたんだけど、最近は誰とも連絡とってない", parse_channel),
    ],
)
def test_a_story_is_not_an_answer(text, parser):
    assert parser(text) is not None  # the words are there ...
    assert explicit_preference(text, parser) is None  # ... but it is not an answer


def test_explicit_preference_reads_an_answer():
    assert explicit_preference("夜なら大丈夫です", parse_time) == "evening"
    assert explicit_preference("", parse_time) is None


@pytest.mark.parametrize(
    ("text", "channel", "time"),
    [
        ("by phone please", "phone", None),
        ("chat is better", "chat", None),
        ("online", "online", None),
        ("in person", "in_person", None),
        ("tonight", None, "now"),
        ("right now", None, "now"),
        ("weekends", None, "weekend"),
        ("evenings", None, "evening"),
        ("weekday daytime", None, "weekday_day"),
        ("whenever", "any", "any"),
        ("I don't know", None, None),
    ],
)
def test_english_answers(text, channel, time):
    assert parse_channel(text) == channel
    assert parse_time(text) == time


@pytest.mark.parametrize("text", ["but on weekdays I work", "my boss yelled at me today", "I'm at work all day"])
def test_english_stories_are_not_answers(text):
    assert not is_explicit_answer(text)
