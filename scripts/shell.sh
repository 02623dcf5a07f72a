#!/usr/bin/env bash
# Staff testing shell: rasa shell with the action server running.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export RASA_TELEMETRY_ENABLED=false
mkdir -p var
$BIN/rasa run actions --port 5055 >var/actions.log 2>&1 &
ACTIONS_PID=$!
trap 'kill $ACTIONS_PID 2>/dev/null' EXIT
export LANG=${LANG:-C.UTF-8} PYTHONIOENCODING=utf-8
$BIN/rasa shell -m models --endpoints endpoints.yml "$@"
