"""Start the Rasa server as a service (used by scripts/run.sh).

The token is put into Rasa's arguments inside this process, so it never
appears in the process list (`ps` shows only this script). Everything else
comes from tsunagari.service: CORS origins, the refusal of --debug, and the
environment that keeps telemetry and error reporting off.

Usage: python scripts/rasa_server.py [PORT] [extra rasa run arguments]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runtime import action_failure, action_schema, event_types, memory, payload_parse  # noqa: E402
from tsunagari.cluster import turn_bounds  # noqa: E402
from tsunagari.config import export, settings  # noqa: E402
from tsunagari.service import NO_OUTBOUND_ENV, ServiceConfigError, api_token, rasa_run_argv  # noqa: E402


def apply_turn_bounds() -> None:
    """Cut every custom action call at TSUNAGARI_ACTION_TIMEOUT and set a lock lifetime no turn outlives.

    Must run before Rasa is imported (Rasa reads TICKET_LOCK_LIFETIME at import).
    Rasa has no setting for the action request timeout, so its module constant is
    replaced here (see tsunagari.cluster for the reasoning).
    """
    bounds = turn_bounds(float(settings().action_timeout))
    export(bounds.environment())
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = bounds.action_timeout


def main(argv: list) -> int:
    os.environ.update(NO_OUTBOUND_ENV)  # before Rasa is imported
    memory.keep_jax_out()  # before TensorFlow is imported
    try:
        apply_turn_bounds()
        action_failure.install()
        action_schema.install()
        payload_parse.install()
        event_types.install()
    except ValueError as exc:
        print(f"起動できません: TSUNAGARI_ACTION_TIMEOUT が正しくありません ({exc})", file=sys.stderr)
        return 2
    port = int(argv[0]) if argv and argv[0].isdigit() else 5005
    extra = argv[1:] if argv and argv[0].isdigit() else argv
    try:
        token, _source = api_token()
        sys.argv = rasa_run_argv(port, token, extra)
    except (ServiceConfigError, OSError) as exc:
        print(f"起動できません: {exc}", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    from tsunagari.privacy.logs import install_log_scrubber

    install_log_scrubber()
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
