"""Sizing rules for several Rasa instances sharing one tracker and lock store.

Plain arithmetic, no Rasa import: scripts/rasa_server.py applies the turn
bounds and `make cluster` (scripts/cluster.py) checks the connection budget
before it starts anything.

Turn bound. Rasa holds a conversation's lock for the whole turn and lets it
expire after ``TICKET_LOCK_LIFETIME`` seconds (default 60). When a turn runs
longer, the next message of the same conversation is processed at the same
time, and the two turns' events interleave in the tracker store. A turn runs
at most ``MAX_NUMBER_OF_PREDICTIONS`` actions (default 10), and Rasa waits up to
300 s for each custom action (rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT,
not configurable): a slow action could outlive the lock by far. So each
custom action call is cut at ``TSUNAGARI_ACTION_TIMEOUT`` seconds (an action
cut short is logged by Rasa and the turn goes on without its events), and the
lock lifetime is set to the longest possible turn plus a margin for NLU and
the tracker store, so no turn can outlive its lock.

Connection budget. Every Rasa instance and every action server holds its own
SQLAlchemy pool; together they must stay under PostgreSQL's max_connections
minus the superuser reserve and whatever else is connected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_MAX_PREDICTIONS = 10  # Rasa's MAX_NUMBER_OF_PREDICTIONS
TURN_MARGIN_SECONDS = 10.0  # NLU, policies and two tracker store round trips under load


@dataclass(frozen=True)
class TurnBounds:
    action_timeout: float
    max_predictions: int
    lock_lifetime: int

    def environment(self) -> dict[str, str]:
        """Rasa's own variables, read when Rasa is imported."""
        return {"TICKET_LOCK_LIFETIME": str(self.lock_lifetime), "MAX_NUMBER_OF_PREDICTIONS": str(self.max_predictions)}


def turn_bounds(action_timeout: float, max_predictions: int = DEFAULT_MAX_PREDICTIONS) -> TurnBounds:
    """The lock lifetime that no turn can outlive: every action at its timeout, plus the margin."""
    if action_timeout <= 0 or max_predictions < 1:
        raise ValueError("the action timeout and the number of predictions must be positive")
    lifetime = math.ceil(max_predictions * action_timeout + TURN_MARGIN_SECONDS)
    return TurnBounds(action_timeout, max_predictions, lifetime)


@dataclass(frozen=True)
class ConnectionBudget:
    max_connections: int
    reserved: int
    in_use: int
    needed: int

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved - self.in_use

    @property
    def fits(self) -> bool:
        return self.needed <= self.available

    def describe(self) -> str:
        return (
            f"PostgreSQL connections: needed at most {self.needed}, available {self.available} "
            f"(max_connections {self.max_connections} - reserved {self.reserved} - in use {self.in_use})"
        )


def connections_needed(processes: int, pool_size: int, max_overflow: int) -> int:
    """Upper bound of connections that ``processes`` SQLAlchemy pools can open."""
    return processes * (pool_size + max_overflow)


def connection_budget(
    max_connections: int, reserved: int, in_use: int, processes: int, pool_size: int, max_overflow: int
) -> ConnectionBudget:
    return ConnectionBudget(max_connections, reserved, in_use, connections_needed(processes, pool_size, max_overflow))
