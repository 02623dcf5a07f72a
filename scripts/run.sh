#!/usr/bin/env bash
# Start the action server and the Rasa server as a service; Ctrl-C stops both.
# The HTTP API needs a token (TSUNAGARI_API_TOKEN, else var/api_token, made
# here with mode 600); logs go, cleaned of text and ids, to var/log/ (rotated).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
RASA_PORT=${RASA_PORT:-5005}
export RASA_TELEMETRY_ENABLED=false
mkdir -p var/log
chmod 700 var
sink() { $BIN/python -m tsunagari.privacy.logs "var/log/$1.log"; }
$BIN/rasa run actions --port 5055 > >(sink actions) 2>&1 &
ACTIONS_PID=$!
$BIN/python scripts/rasa_server.py "$RASA_PORT" "$@" > >(sink rasa) 2>&1 &
RASA_PID=$!
trap 'kill $ACTIONS_PID $RASA_PID 2>/dev/null; wait 2>/dev/null; echo "停止しました。"' INT TERM EXIT
echo "起動しています（30秒ほどかかります）…"
READY=
for _ in $(seq 1 180); do
  if curl -fs "http://localhost:$RASA_PORT/" >/dev/null 2>&1; then READY=1; break; fi  # / is open; /status needs the token
  if ! kill -0 $RASA_PID 2>/dev/null; then
    wait $RASA_PID 2>/dev/null || true
    echo "Rasa が起動できませんでした。var/log/rasa.log を見てください。"; tail -5 var/log/rasa.log 2>/dev/null; exit 1
  fi
  sleep 1
done
if [ -z "$READY" ]; then echo "Rasa が3分たっても応答しません。var/log/rasa.log を見てください。"; exit 1; fi
if [ -n "${TSUNAGARI_API_TOKEN:-}" ]; then TOKEN_WHERE="環境変数 TSUNAGARI_API_TOKEN"; else TOKEN_WHERE="var/api_token（この利用者だけが読めます）"; fi
cat <<MSG
つながりナビが起動しました。
  Web チャット:   http://localhost:$RASA_PORT/webchat/
  REST API:       POST http://localhost:$RASA_PORT/webhooks/rest/webhook
  会話の状態:     GET  http://localhost:$RASA_PORT/conversations/<id>/tracker?token=<APIトークン>
  APIトークン:    $TOKEN_WHERE
  アクション:     http://localhost:5055/webhook
会話の保存先: ${TSUNAGARI_TRACKER_URL:+TSUNAGARI_TRACKER_URL}${TSUNAGARI_TRACKER_URL:-var/tracker.sqlite3}（本文は ${TSUNAGARI_STORE_TEXT:-redacted}）
ログ: var/log/rasa.log, var/log/actions.log   止めるときは Ctrl-C
MSG
wait $RASA_PID
