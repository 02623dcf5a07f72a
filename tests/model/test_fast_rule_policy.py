"""FastRulePolicy finds exactly the rules RulePolicy finds, on the trained model's own rules.

The conversations searched are the rules' own state sequences, each also
with its newest state's previous action, slots, loop and intent changed, and pairs of rules
joined (an older rule's states before a newer one's): the shapes a live
tracker has. Both searches run on every lookup table of the trained policy.
"""

from __future__ import annotations

import copy
import json
import random
import tarfile

import pytest
from rasa.core.policies.rule_policy import RulePolicy

from components.fast_rule_policy import FastRulePolicy
from tests.model.conftest import MODEL


@pytest.fixture(scope="module")
def lookup() -> dict:
    assert MODEL.exists(), f"trained model not found at {MODEL}: run `make train`"
    with tarfile.open(MODEL) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("rule_policy.json"))
        return json.load(archive.extractfile(member))["lookup"]


def _bare(cls):
    policy = object.__new__(cls)  # only the rule search is exercised, which needs no config
    if cls is FastRulePolicy:
        policy._reversed_rules, policy._by_newest_action = {}, {}
    return policy


def _variants(states: list[dict], rng: random.Random, actions: list[str]) -> list[list[dict]]:
    variants = [states]
    moved = copy.deepcopy(states)
    moved[-1]["prev_action"] = {"action_name": rng.choice(actions)}
    variants.append(moved)
    newest = copy.deepcopy(states[-1])
    if newest.get("slots"):
        changed = copy.deepcopy(states)
        slot = rng.choice(sorted(newest["slots"]))
        changed[-1]["slots"][slot] = (1.0,) if newest["slots"][slot] != [1.0] else (0.0,)
        variants.append(changed)
        dropped = copy.deepcopy(states)
        dropped[-1].pop("slots")
        variants.append(dropped)
    if newest.get("user"):
        other = copy.deepcopy(states)
        other[-1]["user"] = {"intent": "greet"}
        variants.append(other)
    looped = copy.deepcopy(states)
    looped[-1]["active_loop"] = {"name": "referral_form"}
    variants.append(looped)
    return variants


def _as_conversation(states: list[dict]) -> list[dict]:
    # A live tracker's states hold tuples where JSON keys hold lists.
    return [
        {kind: {k: tuple(v) if isinstance(v, list) else v for k, v in sub.items()} for kind, sub in state.items()}
        for state in states
    ]


def test_fast_rule_search_matches_rasa_on_every_rule(lookup):
    rng = random.Random(11)
    rasa_policy, fast_policy = _bare(RulePolicy), _bare(FastRulePolicy)
    tables = {name: table for name, table in lookup.items() if isinstance(table, dict) and table}
    assert tables["rules"], "the trained policy has no rules"
    keys = [key for table in tables.values() for key in table]
    actions = sorted({s["prev_action"]["action_name"] for key in keys for s in json.loads(key) if "prev_action" in s})
    conversations = []
    for key in keys:
        states = json.loads(key)
        conversations.extend(_variants(states, rng, actions))
        older = json.loads(rng.choice(keys))
        conversations.append(older + states)
    compared = found = 0
    for states in conversations:
        conversation = _as_conversation(states)
        for table in tables.values():
            expected = RulePolicy._get_possible_keys(rasa_policy, table, conversation)
            assert FastRulePolicy._get_possible_keys(fast_policy, table, conversation) == expected, states
            compared += 1
            found += bool(expected)
    # The comparison must have seen both outcomes many times to mean anything.
    assert compared > 1000 and found > 300, (compared, found)
