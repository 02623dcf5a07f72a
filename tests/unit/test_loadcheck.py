"""The load test's checker: every lost, doubled or reordered turn is counted, and nothing else."""

from tsunagari.loadcheck import SentTurn, attribute_line_answers, check, check_conversation, percentile, total

SCRIPT = ["こんばんは", "/seek_counseling", '/inform{"contact_channel":"phone"}', "/thank"]


def turns(texts, answers=None, conversation="c1", channel="rest", finished=None):
    answers = answers or [1] * len(texts)
    finished = finished or [float(i) for i in range(len(texts))]
    return [
        SentTurn(conversation, i, t, a, started=f - 0.5, finished=f, channel=channel)
        for i, (t, a, f) in enumerate(zip(texts, answers, finished, strict=True))
    ]


def test_a_clean_conversation_counts_nothing():
    counts = check_conversation(turns(SCRIPT), list(SCRIPT))
    assert (counts.turns, counts.lost, counts.duplicated, counts.reordered) == (4, 0, 0, 0)
    assert counts.examples == []


def test_a_turn_missing_from_the_store_is_lost():
    counts = check_conversation(turns(SCRIPT), [SCRIPT[0], SCRIPT[1], SCRIPT[3]])
    assert (counts.lost, counts.duplicated, counts.reordered) == (1, 0, 0)
    assert "turn 2: lost (not stored)" in counts.examples[0]


def test_a_stored_but_unanswered_turn_is_lost():
    counts = check_conversation(turns(SCRIPT, answers=[1, 0, 1, 1]), list(SCRIPT))
    assert counts.lost == 1 and "never answered" in counts.examples[0]


def test_a_turn_stored_twice_or_answered_twice_is_duplicated():
    stored_twice = check_conversation(turns(SCRIPT), [*SCRIPT[:2], SCRIPT[1], *SCRIPT[2:]])
    assert (stored_twice.lost, stored_twice.duplicated, stored_twice.reordered) == (0, 1, 0)
    answered_twice = check_conversation(turns(SCRIPT, answers=[1, 1, 2, 1]), list(SCRIPT))
    assert answered_twice.duplicated == 1 and "answered twice" in answered_twice.examples[0]


def test_swapped_turns_are_reordered():
    counts = check_conversation(turns(SCRIPT), [SCRIPT[0], SCRIPT[2], SCRIPT[1], SCRIPT[3]])
    assert (counts.lost, counts.duplicated, counts.reordered) == (0, 0, 1)


def test_repeated_texts_are_matched_by_occurrence():
    texts = ["こんにちは", "ありがとう", "こんにちは"]
    assert check_conversation(turns(texts), list(texts)).lost == 0
    counts = check_conversation(turns(texts), ["こんにちは", "ありがとう"])
    assert counts.lost == 1 and "turn 2" in counts.examples[0]


def test_losses_after_the_kill_are_counted_apart():
    counts = check_conversation(turns(SCRIPT, finished=[1.0, 2.0, 9.0, 10.0]), SCRIPT[:2], killed_at=5.0)
    assert (counts.lost, counts.lost_after_kill) == (2, 2)
    early = check_conversation(turns(SCRIPT, finished=[1.0, 2.0, 9.0, 10.0]), SCRIPT[2:], killed_at=5.0)
    assert (early.lost, early.lost_after_kill) == (2, 0)


def test_check_splits_by_channel_and_treats_a_missing_conversation_as_all_lost():
    sent = turns(SCRIPT, conversation="r1") + turns(SCRIPT[:2], conversation="l1", channel="line")
    counts = check(sent, {"r1": list(SCRIPT)})
    assert counts["rest"].lost == 0 and counts["line"].lost == 2
    assert (total(counts).conversations, total(counts).turns, total(counts).lost) == (2, 6, 2)


def test_line_answers_are_matched_by_token_and_pushes_by_user_and_time():
    events = [("e1", "t1", "U1", 1.0), ("e2", "t2", "U1", 5.0), ("e3", "t3", "U2", 2.0)]
    answers = [
        ("t1", None, 1.5, "a"),
        (None, "U1", 6.0, "b"),  # e2's reply token failed: pushed instead
        ("t3", None, 2.5, "c"),
        ("t3", None, 3.0, "c"),  # the same token twice: answered twice
        ("zz", None, 1.0, "x"),  # not one of ours
    ]
    assert attribute_line_answers(events, answers) == {"e1": 1, "e2": 1, "e3": 2}


def test_a_push_that_goes_on_with_the_sixth_message_is_not_a_second_answer():
    events = [("e1", "t1", "U1", 1.0)]
    assert attribute_line_answers(events, [("t1", None, 1.5, "hello"), (None, "U1", 1.6, "sixth")]) == {"e1": 1}
    # The turn answered again by push (its reply token was already used): the same first message.
    again = [("t1", None, 1.5, "hello"), (None, "U1", 3.0, "hello")]
    assert attribute_line_answers(events, again) == {"e1": 2}


def test_percentile_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert percentile([], 95) == 0.0 and percentile([7.0], 99) == 7.0
