#!/usr/bin/env bash
# Start the action server and the Rasa server; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
RASA_PORT=${RASA_PORT:-5005}
mkdir -p var
$BIN/rasa run actions --port 5055 >var/actions.log 2>&1 &
ACTIONS_PID=$!
$BIN/rasa run --enable-api --cors "*" --port "$RASA_PORT" -m models \
  --endpoints endpoints.yml --credentials credentials.yml >var/rasa.log 2>&1 &
RASA_PID=$!
trap 'kill $ACTIONS_PID $RASA_PID 2>/dev/null; wait 2>/dev/null; echo "停止しました。"' INT TERM EXIT
echo "起動しています（30秒ほどかかります）…"
for _ in $(seq 1 120); do
  if curl -fs "http://localhost:$RASA_PORT/status" >/dev/null 2>&1; then break; fi
  if ! kill -0 $RASA_PID 2>/dev/null; then echo "Rasa が起動できませんでした。var/rasa.log を見てください。"; exit 1; fi
  sleep 1
done
cat <<MSG
つながりナビが起動しました。
  Web チャット:   http://localhost:$RASA_PORT/webchat/
  REST API:       POST http://localhost:$RASA_PORT/webhooks/rest/webhook
  会話の状態:     GET  http://localhost:$RASA_PORT/conversations/<id>/tracker
  アクション:     http://localhost:5055/webhook
ログ: var/rasa.log, var/actions.log   止めるときは Ctrl-C
MSG
wait $RASA_PID
