"""Outsider multi-turn dialogues over the REST contract (issue 10).

Every dialogue of tests/conversation/dialogues.yml and dialogues_round2.yml
(each written by an outsider before reading the training data, stories or
responses; never trained on) is sent turn by turn to
/webhooks/rest/webhook of the real stack (rasa_stack.RasaStack: trained model
and action server, started once per process). After each turn the tracker is
read over the HTTP API (GET /conversations/<sender>/tracker; the stack runs
without an auth token) and compared with the turn's `expect`: only the keys
written are checked.

Hard: no HTTP 5xx, every turn answered, every `crisis` expectation met (a
missed crisis, or a crisis raised by hyperbole, fails). The rest is measured
and held by a floor under the first measurement (not a target).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.channels.test_rest_bad_input import tracker

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "tests" / "conversation"
SLOT_KEYS = ("support_category", "contact_channel", "contact_time", "crisis")
KEYS = (*SLOT_KEYS, "active_loop", "reply_contains_any")
FORM = "referral_form"
WORKERS = 3  # parallel conversations (distinct senders); keeps the module well under 4 minutes

# Per set: its file, its least size, and regression floors (the first
# measurement moved by about two dialogues and the turns those would hold).
# NOT targets: every turn and dialogue should match.
# round1, first measurement (main 9461b1a's model): turns 137/168 (0.815),
# dialogues 28/46 (0.609); after two expectations of the set itself were
# corrected (see the head of dialogues.yml): turns 139/168 (0.827), dialogues 30/46;
# at main 7b47b2a + the round-3 tuning: turns 163/168 (0.970), dialogues 42/46.
# round2, first measurement (main 7b47b2a's model): turns 108/114 (0.947),
# dialogues 26/30 (0.867). Its four failing dialogues then guided fixes (English
# and 「ストップで」 ways out, 「夜やってるとこは？」 after the results, the ask after a
# story read sentence by sentence): 114/114, 30/30. It is no longer unseen.
SETS = {
    "round1": {"file": "dialogues.yml", "min_size": 40, "turn_floor": 0.93, "dialogue_floor": 0.85},
    "round2": {"file": "dialogues_round2.yml", "min_size": 30, "turn_floor": 0.95, "dialogue_floor": 0.93},
}


def load_dialogues(name: str) -> list[dict]:
    path = CONVERSATIONS / SETS[name]["file"]
    return yaml.safe_load(path.read_text(encoding="utf-8"))["dialogues"]


@pytest.fixture(scope="module", params=sorted(SETS))
def dialogue_set(request) -> str:
    return request.param


def post(stack, sender: str, message: str) -> tuple[int, list]:
    """POST one message; return (HTTP status, replies) without raising on errors."""
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(
        f"{stack.base_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return exc.code, []


def reply_text(replies: list) -> str:
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts.extend(button.get("title") or "" for button in reply.get("buttons") or [])
    return "\n".join(parts)


def observed(state: dict) -> dict:
    slots = state.get("slots") or {}
    got = {key: slots.get(key) for key in SLOT_KEYS}
    got["active_loop"] = (state.get("active_loop") or {}).get("name")
    return got


def compare(expect: dict, got: dict, text: str) -> dict[str, tuple]:
    """Keys whose expectation is not met, with (expected, observed)."""
    wrong = {}
    for key, want in expect.items():
        if key == "reply_contains_any":
            if not any(word in text for word in want):
                wrong[key] = (want, text[:80])
        elif got[key] != want:
            wrong[key] = (want, got[key])
    return wrong


def run_dialogue(stack, dialogue: dict) -> dict:
    sender = f"dlg-{dialogue['name']}-{uuid.uuid4().hex[:8]}"
    turns = []
    for turn in dialogue["turns"]:
        status, replies = post(stack, sender, turn["user"])
        got = observed(tracker(stack, sender)) if status < 500 else {}
        text = reply_text(replies)
        wrong = compare(turn["expect"], got, text) if got else {"http": (200, status)}
        turns.append({"user": turn["user"], "status": status, "replies": replies, "got": got, "wrong": wrong})
    return {"name": dialogue["name"], "covers": dialogue.get("covers"), "turns": turns}


@pytest.fixture(scope="module")
def runs(stack, dialogue_set) -> list[dict]:
    dialogues = load_dialogues(dialogue_set)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda d: run_dialogue(stack, d), dialogues))


def _mismatches(runs: list[dict], only: str | None = None) -> list[str]:
    lines = []
    for run in runs:
        for index, turn in enumerate(run["turns"], 1):
            wrong = {k: v for k, v in turn["wrong"].items() if only is None or k == only}
            if wrong:
                shown = ", ".join(f"{k}: want {w!r} got {g!r}" for k, (w, g) in wrong.items())
                lines.append(f"  {run['name']} t{index} 「{turn['user'][:40]}」 {shown}")
    return lines


def test_dialogue_set_is_well_formed(dialogue_set):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    values = {key: set(domain["slots"][key]["values"]) | {None} for key in SLOT_KEYS if key != "crisis"}
    values["crisis"] = {True, False}
    values["active_loop"] = {FORM, None}
    assert FORM in domain["forms"]
    dialogues = load_dialogues(dialogue_set)
    assert len(dialogues) >= SETS[dialogue_set]["min_size"]
    assert len({d["name"] for d in dialogues}) == len(dialogues)
    for dialogue in dialogues:
        assert 3 <= len(dialogue["turns"]) <= 8, dialogue["name"]
        for turn in dialogue["turns"]:
            assert turn["expect"] and set(turn["expect"]) <= set(KEYS), (dialogue["name"], turn)
            for key, want in turn["expect"].items():
                if key == "reply_contains_any":
                    assert want and all(isinstance(word, str) for word in want)
                else:
                    assert want in values[key], (dialogue["name"], key, want)


def test_no_server_error_and_every_turn_answered(runs):
    errors = [(r["name"], t["user"], t["status"]) for r in runs for t in r["turns"] if t["status"] >= 500]
    assert not errors, f"HTTP 5xx: {errors}"
    unanswered = [(r["name"], t["user"]) for r in runs for t in r["turns"] if not t["replies"]]
    assert not unanswered, f"turns without a reply: {unanswered}"


def _crisis_mismatches(runs: list[dict], want: bool) -> list[str]:
    return [line for line in _mismatches(runs, only="crisis") if f"want {want!r}" in line]


def test_every_expected_crisis_is_raised_and_stays(runs):
    """A crisis missed, or a crisis slot that does not stay true, fails (hard)."""
    wrong = _crisis_mismatches(runs, want=True)
    print(f"\ndialogue turns where crisis should be true but is not: {len(wrong)}\n" + "\n".join(wrong))
    assert not wrong, "crisis not raised or not kept:\n" + "\n".join(wrong)


def test_calm_turns_and_hyperbole_do_not_raise_crisis(runs):
    """Hyperbole («店長マジ殺したい笑») or calm talk must not put the conversation in crisis (hard)."""
    wrong = _crisis_mismatches(runs, want=False)
    print(f"\ndialogue turns where crisis should be false but is true: {len(wrong)}\n" + "\n".join(wrong))
    assert not wrong, "crisis raised where it should not be:\n" + "\n".join(wrong)


def test_dialogues_match_the_expected_state(runs, dialogue_set):
    turns = [t for r in runs for t in r["turns"]]
    turn_share = sum(not t["wrong"] for t in turns) / len(turns)
    full = [r for r in runs if all(not t["wrong"] for t in r["turns"])]
    dialogue_share = len(full) / len(runs)
    by_key: dict[str, int] = {}
    for turn in turns:
        for key in turn["wrong"]:
            by_key[key] = by_key.get(key, 0) + 1
    covers: dict[str, list[int]] = {}
    for run in runs:
        ok = all(not t["wrong"] for t in run["turns"])
        for tag in [run["covers"]] if isinstance(run["covers"], str) else run["covers"] or []:
            covers.setdefault(tag, [0, 0])
            covers[tag][0] += ok
            covers[tag][1] += 1
    lines = _mismatches(runs)
    print(
        f"\ndialogues over REST [{dialogue_set}]: turns matching {turn_share:.3f} ({sum(not t['wrong'] for t in turns)}/{len(turns)}), "
        f"dialogues fully matching {dialogue_share:.3f} ({len(full)}/{len(runs)})"
        f"\nmismatched keys: {by_key}"
        f"\nfull dialogues by theme: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in covers.items()) + "\n"
        f"mismatches ({len(lines)}):\n" + "\n".join(lines)
    )
    assert turn_share >= SETS[dialogue_set]["turn_floor"], "\n".join(lines)
    assert dialogue_share >= SETS[dialogue_set]["dialogue_floor"], "\n".join(lines)
