"""RulePolicy with the same predictions and a cheaper rule search (issue 11 item 6).

Rasa's RulePolicy finds the applicable rules by filtering every rule key
against every state of the conversation, newest first. For each key and
state it parses the key's states (cached), reverses them into a new list
and converts list values to tuples again, and it goes on filtering through
the whole history even when no key is left. With about 340 rule keys this
was a tenth of the Rasa server's time per message (py-spy, make bench).

This subclass keeps the algorithm and its answers: the same keys survive
the same checks (RulePolicy._does_rule_match_state, unchanged). It only
prepares each key's states once (reversed, list values as tuples), stops
when no key is left, and for the newest state checks only the rules whose
newest previous action is the conversation's (any other rule fails that
check in RulePolicy too). tests/unit/test_fast_rule_policy.py compares both on
every rule of the trained model.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.generator import State
from rasa.shared.nlu.constants import ACTION_NAME


def _prepared(states: list[State]) -> list[State]:
    """The rule's states newest first, with JSON lists back to tuples as Rasa compares them."""
    return [
        {
            state_type: {key: tuple(value) if isinstance(value, list) else value for key, value in sub_state.items()}
            for state_type, sub_state in state.items()
        }
        for state in reversed(states)
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class FastRulePolicy(RulePolicy):
    """RulePolicy whose rule search prepares each rule once (see module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reversed_rules: dict[str, list[State]] = {}
        # id(lookup) -> (the lookup, its size, its index); training pops keys, which rebuilds.
        self._by_newest_action: dict[int, tuple[dict[str, str], int, dict[str | None, list[str]]]] = {}

    def _reversed_rule_states(self, rule_key: str) -> list[State]:
        prepared = self._reversed_rules.get(rule_key)
        if prepared is None:
            prepared = self._reversed_rules[rule_key] = _prepared(self._rule_key_to_state(rule_key))
        return prepared

    def _is_rule_applicable(self, rule_key: str, turn_index: int, conversation_state: State) -> bool:
        # The same checks, in the same order, as RulePolicy._is_rule_applicable.
        reversed_rule_states = self._reversed_rule_states(rule_key)
        if turn_index >= len(reversed_rule_states):
            return True
        current_previous_action = conversation_state.get(PREVIOUS_ACTION)
        rule_previous_action = reversed_rule_states[turn_index].get(PREVIOUS_ACTION)
        if not rule_previous_action and not current_previous_action:
            return True
        if not rule_previous_action or not current_previous_action:
            return False
        return self._does_rule_match_state(reversed_rule_states[turn_index], conversation_state)

    def _keys_for_newest_action(self, lookup: dict[str, str], action_name: str | None) -> list[str]:
        """Keys that can match a newest state whose previous action is `action_name`.

        A rule whose newest state names another previous action fails
        RulePolicy._does_rule_match_state there; rules naming none are always kept.
        """
        cached = self._by_newest_action.get(id(lookup))
        if cached is not None and cached[0] is lookup and cached[1] == len(lookup):
            index = cached[2]
        else:
            index = {None: []}
            for key in lookup:
                named = self._reversed_rule_states(key)[0].get(PREVIOUS_ACTION, {}).get(ACTION_NAME)
                if not isinstance(named, str) or not named or named == SHOULD_NOT_BE_SET:
                    named = None
                index.setdefault(named, []).append(key)
            self._by_newest_action[id(lookup)] = (lookup, len(lookup), index)
        if action_name is None:
            return list(lookup)
        return index.get(action_name, []) + index[None]

    def _get_possible_keys(self, lookup: dict[str, str], states: list[State]) -> set[str]:
        if not states:
            return set(lookup)
        newest_action = states[-1].get(PREVIOUS_ACTION, {}).get(ACTION_NAME)
        possible_keys = self._keys_for_newest_action(lookup, newest_action)
        for turn_index, state in enumerate(reversed(states)):
            if not possible_keys:
                break
            possible_keys = [key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)]
        return set(possible_keys)
