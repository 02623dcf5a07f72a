"""Typed answers to the referral form map to canonical slot values."""

import pytest

from tsunagari import preferences
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
        # Without meeting (the pilot report's 「会わずにつながる」) is chat, not in person.
        ("会わずに話せるところがいい", "chat"),
        ("会って話すのはまだハードル高いかも", "chat"),
        ("顔を合わせないで相談したい", "chat"),
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
        ("いま", "now"),  # a bare 「いま」 answers 「いつ話せるといいですか？」
        ("今です", "now"),
        ("いまいち", None),
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
        ("今夜も上司にめっちゃ怒られた", parse_time),  # 「今夜」 is not "now" here
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


# --- English answers, turned-down answers, the other question (issue 10) -------


@pytest.mark.parametrize(
    "text, channel, time",
    [
        ("a phone call is fine", "phone", None),
        ("Calling, I think", "phone", None),
        ("texting works", "chat", None),
        ("LINE pls", "chat", None),
        ("email?", "chat", None),
        ("video call", "online", None),
        ("on Zoom", "online", None),
        ("meet in person", "in_person", None),
        ("Face-to-face would be best", "in_person", None),
        ("ASAP please", None, "now"),
        ("as soon as possible", None, "now"),
        ("late evenings", None, "evening"),
        ("after work", None, "evening"),
        ("after 8pm", None, "evening"),
        ("Saturday", None, "weekend"),
        ("sundays are best", None, "weekend"),
        ("weekday mornings", None, "weekday_day"),
        ("around 2 pm", None, "weekday_day"),
        ("any time", None, "any"),
        ("whenever suits", None, "any"),
        ("either is fine", "any", "any"),
        ("I don't mind", "any", "any"),
        ("no preference", "any", "any"),
        ("denwa", "phone", None),  # romaji reads with the English words
        ("donichi", None, "weekend"),
        ("hmm", None, None),
        ("I have no idea", None, None),
    ],
)
def test_english_answers_on_whole_words(text, channel, time):
    assert parse_channel(text) == channel
    assert parse_time(text) == time


@pytest.mark.parametrize("text", ["but on weekdays I work", "my boss yelled at me today", "I'm at work all day"])
def test_english_stories_are_not_answers(text):
    assert not is_explicit_answer(text)


@pytest.mark.parametrize(
    "text, channel",
    [
        ("component", None),  # no "on"line, no "any" in company-like words
        ("my company", None),
        ("hotline", "phone"),
        ("online please", "online"),  # not chat because of "line"
        ("LINE", "chat"),
    ],
)
def test_english_words_are_whole_words(text, channel):
    assert parse_channel(text) == channel


@pytest.mark.parametrize(
    "text, channel",
    [
        ("電話は苦手", None),
        ("対面はちょっとむり", None),
        ("電話じゃなくてLINEで", "chat"),
        ("not by phone", None),
        ("no calls, text me", "chat"),
        ("phone is hard for me", None),
        ("I'd rather not meet in person", None),
        ("no, phone", "phone"),  # "no," answers something else; the phone stays
    ],
)
def test_a_turned_down_way_is_not_the_answer(text, channel):
    assert parse_channel(text) == channel


@pytest.mark.parametrize(
    "text, time",
    [("夜はむり、土日なら", "weekend"), ("evenings don't work, weekends?", "weekend"), ("not now", None)],
)
def test_a_turned_down_time_is_not_the_answer(text, time):
    assert parse_time(text) == time


@pytest.mark.parametrize(
    "text, time",
    [
        ("何時でも", "any"),
        ("いつでも大丈夫", "any"),
        ("anytime works", "any"),
        ("じゃあ週末だったら？", "weekend"),  # だったら asks, it does not tell a past
        ("やっぱり平日の昼で", "weekday_day"),
        ("今日がいい", "now"),
        ("今日暑いね", None),  # 「今日」 in small talk names no time to talk
        ("こんばん空いてます", "now"),
    ],
)
def test_short_japanese_time_answers(text, time):
    assert explicit_preference(text, parse_time) == time


def test_any_time_answers_only_the_time_question():
    """「いつでも」 asked how to connect answers when, not how (the form then asks how again)."""
    for text in ("何時でもいいです", "whenever"):
        assert parse_channel(text) is None
        assert clear_preference(text, parse_time) == "any"
    # A bare "no preference" is not an answer to the question that was not asked.
    assert clear_preference("どちらでもいいです", parse_time) is None
    assert clear_preference("either is fine", parse_channel) is None
    assert clear_preference("方法はなんでも", parse_channel) == "any"


@pytest.mark.parametrize(
    "text",
    [
        "my manager shouted at me today",  # "today" is not "now"
        "I go into the office every day and still feel invisible",  # not "in person"
        "but weekdays I'm at work",  # the opposite of weekday daytime
        "nights are the worst",
        "I used to call my sister a lot",
        "good evening",  # a greeting, not a time
        "こんばんは",
        "never mind, evenings",  # a way out said with it
        "夜もういいや",
    ],
)
def test_english_and_japanese_stories_greetings_and_way_outs_are_not_answers(text):
    assert not is_explicit_answer(text)


from tsunagari.preferences import stated_answer  # noqa: E402


@pytest.mark.parametrize(
    "text",
    [
        "Zoomがいいかな",
        "やっぱり電話がいいです",
        "会えるところがいい",
        "じゃあ土日は？",
        "texting please",
        "then weekends?",
        "何時でも",
    ],
)
def test_a_whole_message_answer_is_stated(text):
    assert stated_answer(text)


@pytest.mark.parametrize(
    "text",
    [
        "夜ねむれない",  # a feeling with a time in it
        "朝起きるのがしんどい",
        "週末はひとりで過ごしてる",
        "can't sleep at night",
        "weekends feel so empty",
        "うーん",
        "電話で相談したい",  # a need, for the router
    ],
)
def test_a_feeling_or_a_need_with_a_time_in_it_is_not_a_stated_answer(text):
    assert not stated_answer(text)


@pytest.mark.parametrize(
    "text, bare",
    [
        ("tonight", True),
        ("by phone", True),
        ("今夜", True),
        ("電話で", True),
        ("pills tonight", False),  # a word more: never lifted by the safety decision
        ("rope tonight", False),
        ("tonight i will end it", False),
        ("夜ねむれない", False),
    ],
)
def test_bare_answer_is_only_the_answer(text, bare):
    from tsunagari.preferences import bare_answer

    assert bare_answer(text) is bare


@pytest.mark.parametrize(
    "text, parser, expected",
    [
        ("電話はちょっと無理", parse_channel, True),
        ("対面はむり", parse_channel, True),
        ("not by phone", parse_channel, True),
        ("夜はむり", parse_time, True),
        ("電話は無理だからチャットで", parse_channel, False),  # an answer, read as chat
        ("電話がいい", parse_channel, False),
        ("うーん", parse_channel, False),
        ("夜はむり", parse_channel, False),  # turns down a time, not a way
    ],
)
def test_a_reply_that_only_turns_down_is_told_apart(text, parser, expected):
    from tsunagari.preferences import turned_down

    assert turned_down(text, parser) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("電話はちょっと無理", "chat"),  # phone turned down: writing
        ("電話むり", "chat"),
        ("not by phone", "chat"),
        ("LINEがいい", "chat"),
        ("電話で", "phone"),
        ("対面はむり", None),  # not about the phone: nothing asked for
        ("もうつかれた", None),
    ],
)
def test_the_way_asked_for_in_crisis_mode(text, expected):
    from tsunagari.preferences import way_asked_for

    assert way_asked_for(text) == expected


@pytest.mark.parametrize(
    ("text", "channel", "time"),
    [
        # The ask after a story: each short sentence is read on its own.
        ("そっか。じゃあ窓口に電話してみようかな。いまつながるところある？", "phone", "now"),
        ("最近つらくて。チャットで話せるとこある？", "chat", None),
        # A story sentence gives no condition, even with a time word in it.
        ("平日は仕事だから。話せるとこある？", None, None),
        ("上司に怒られてばかりで夜も眠れないんだけど、相談できるとこある？", None, None),
        # A later sentence corrects an earlier one.
        ("電話がいいかな。いや、やっぱりチャットで", "chat", None),
        # An English request is longer than a form answer, and still read.
        ("I want to talk to someone by phone right now.", "phone", "now"),
        ("Is there anywhere I could chat with a counselor on weekends?", "chat", "weekend"),
        # ...but not an English story.
        ("My boss yelled at me again and I want to talk to someone by phone", None, None),
    ],
)
def test_request_preference_reads_the_ask_sentence_by_sentence(text, channel, time):
    assert preferences.request_preference(text, preferences.parse_channel) == channel
    assert preferences.request_preference(text, preferences.parse_time) == time


@pytest.mark.parametrize("text", ["夜やってるとこは？", "土日に開いてるところある？", "チャットであるところは？"])
def test_a_question_about_what_is_open_is_a_stated_answer(text):
    assert preferences.stated_answer(text)
