"""Check a load test's conversations against what the tracker store holds.

Plain data in, counts out (no Rasa, no database): ``make loadtest``
(benchmarks/loadtest/run.py) reads the clients' turn log, the events table
and the fake LINE API's call log, and hands them to ``check``.

Per conversation the clients' turns are compared with the stored user turns,
in the order the tracker store reads them back (row order):

- lost: a turn the client sent that is not stored, or that was never
  answered (REST: no HTTP 200 with a reply; LINE: no reply or push in the
  fake API's log);
- duplicated: a turn stored more often than it was sent, or answered more
  than once (LINE: its webhookEventId answered twice);
- reordered: turns stored in another order than they were sent, counted as
  the turns outside the longest common subsequence of the two orders.

A turn that the client retried after a connection failure counts once:
lost only if never answered, duplicated only if answered or stored twice.
Texts within one conversation may repeat: occurrences are matched in order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SentTurn:
    """One user turn as a client sent it, with how often it was answered."""

    conversation: str
    seq: int  # position in the conversation, from 0
    text: str
    answers: int  # replies the client (or the fake LINE API) saw for this turn
    started: float = 0.0  # wall-clock time the first attempt was sent
    finished: float = 0.0  # wall-clock time the turn ended (answered or given up)
    channel: str = "rest"


@dataclass
class Counts:
    conversations: int = 0
    turns: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    lost_after_kill: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.conversations += other.conversations
        self.turns += other.turns
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.reordered += other.reordered
        self.lost_after_kill += other.lost_after_kill
        self.examples.extend(other.examples)


def _lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence (conversations are short: O(len(a) * len(b)))."""
    if not a or not b:
        return 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _occurrence_keys(texts: Iterable[str]) -> list[tuple[str, int]]:
    """Each text paired with its occurrence number, so repeated texts stay distinguishable."""
    seen: Counter[str] = Counter()
    keys = []
    for text in texts:
        keys.append((text, seen[text]))
        seen[text] += 1
    return keys


def check_conversation(sent: list[SentTurn], stored: list[str], killed_at: float | None = None) -> Counts:
    """Counts for one conversation: ``sent`` in any order (sorted by seq here), ``stored`` in row order."""
    sent = sorted(sent, key=lambda t: t.seq)
    counts = Counts(conversations=1, turns=len(sent))
    sent_keys = _occurrence_keys(t.text for t in sent)
    stored_counts = Counter(stored)
    sent_counts = Counter(t.text for t in sent)
    for turn, (text, occurrence) in zip(sent, sent_keys, strict=True):
        is_stored = occurrence < stored_counts[text]
        # The extra stored copies of a text are charged to its last sent occurrence.
        stored_twice = occurrence == sent_counts[text] - 1 and stored_counts[text] > sent_counts[text]
        if not is_stored or turn.answers == 0:
            counts.lost += 1
            if killed_at is not None and turn.finished >= killed_at:
                counts.lost_after_kill += 1
            reason = "not stored" if not is_stored else "never answered"
            counts.examples.append(f"{turn.channel} {turn.conversation} turn {turn.seq}: lost ({reason})")
        elif turn.answers > 1 or stored_twice:
            counts.duplicated += 1
            reason = "answered twice" if turn.answers > 1 else "stored twice"
            counts.examples.append(f"{turn.channel} {turn.conversation} turn {turn.seq}: duplicated ({reason})")
    # Order: only the turns present on both sides, first occurrences matched in order.
    sent_order = [k for k in sent_keys if k[1] < stored_counts[k[0]]]
    stored_order = [k for k in _occurrence_keys(stored) if k[1] < sent_counts[k[0]]]
    common = _lcs_length(sent_order, stored_order)
    counts.reordered = len(sent_order) - common
    if counts.reordered:
        counts.examples.append(f"{sent[0].channel} {sent[0].conversation}: {counts.reordered} turn(s) out of order")
    return counts


def check(
    sent: Iterable[SentTurn], stored: Mapping[str, list[str]], killed_at: float | None = None
) -> dict[str, Counts]:
    """Counts per channel (``rest``, ``line``) over all conversations the clients started.

    ``stored`` maps a conversation id to its stored user texts in row order;
    a conversation missing from it has nothing stored.
    """
    by_conversation: dict[str, list[SentTurn]] = {}
    for turn in sent:
        by_conversation.setdefault(turn.conversation, []).append(turn)
    result: dict[str, Counts] = {}
    for conversation, turns in by_conversation.items():
        channel = turns[0].channel
        result.setdefault(channel, Counts()).add(
            check_conversation(turns, list(stored.get(conversation, [])), killed_at)
        )
    return result


def total(counts: Mapping[str, Counts]) -> Counts:
    out = Counts()
    for part in counts.values():
        out.add(part)
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def attribute_line_answers(
    events: Iterable[tuple[str, str, str, float]], answers: Iterable[tuple[str | None, str | None, float, str]]
) -> dict[str, int]:
    """How many times each LINE webhook event was answered, from the fake LINE API's log.

    ``events``: (webhookEventId, reply token, LINE user id, time first sent).
    ``answers``: successful calls as (reply token or None, push target or None,
    time, first message's text). A reply is matched by its token; a push goes
    to the user's latest event sent before it. An answer longer than five
    messages is a reply plus a push that goes on with the sixth: a push counts
    as a new answer only when the event had none yet, or when it starts with
    the same message as an earlier answer to that event (the turn answered again).
    """
    counts: dict[str, int] = {}
    firsts: dict[str, list[str]] = {}
    by_token: dict[str, str] = {}
    by_user: dict[str, list[tuple[float, str]]] = {}
    for event_id, token, user, sent_at in events:
        counts[event_id] = 0
        firsts[event_id] = []
        by_token[token] = event_id
        by_user.setdefault(user, []).append((sent_at, event_id))
    for timeline in by_user.values():
        timeline.sort()
    for token, user, at, first in sorted(answers, key=lambda a: a[2]):
        if token is not None:
            event_id = by_token.get(token)
        else:
            earlier = [e for sent_at, e in by_user.get(user or "", []) if sent_at <= at]
            event_id = earlier[-1] if earlier else None
        if event_id is None:
            continue
        if token is None and counts[event_id] and first not in firsts[event_id]:
            continue  # the rest of an answer already counted
        counts[event_id] += 1
        firsts[event_id].append(first)
    return counts
