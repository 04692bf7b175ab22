#!/usr/bin/env bash
# Serves the bot in the foreground: the action server on :5055 and Rasa on :5005 (REST channel at
# /webhooks/rest/webhook). Ctrl-C stops both. Rasa's HTTP API is not enabled. Conversations are kept
# in $TRACKER_STORE_URL (default state/conversations.db, relative to the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
ACTION_PORT="${ACTION_PORT:-5055}"
RASA_PORT="${RASA_PORT:-5005}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite:///state/conversations.db}"
export LOCK_STORE_TYPE="${LOCK_STORE_TYPE:-in_memory}"
export LOCK_STORE_URL="${LOCK_STORE_URL:-redis://localhost:6379/1}"
export RASA_TELEMETRY_ENABLED=false
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping the bot..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/python -m ops.rasa_cli run actions --port "$ACTION_PORT" &
pids+=($!)
.venv/bin/python -m ops.rasa_cli run --model models/triage.tar.gz --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints endpoints.yml &
pids+=($!)

cat <<MSG
The bot is starting (ready about 30 s after start). Ctrl-C stops it.
  Chat widget page:      http://localhost:${RASA_PORT}/webhooks/webchat/chat
  Helpline agent page:   http://localhost:${RASA_PORT}/webhooks/agent_assist/
  Agent-assist API:      POST http://localhost:${RASA_PORT}/webhooks/agent_assist/triage
  REST channel:          POST http://localhost:${RASA_PORT}/webhooks/rest/webhook
  Health:                GET http://localhost:${RASA_PORT}/webhooks/health/live  and  .../health/ready
  Action server:         :${ACTION_PORT} (internal: never expose it)
MSG
if [ -z "${AGENT_ASSIST_TOKEN:-}" ]; then
  echo "Agent assist is OFF: set a token to turn it on, e.g.  AGENT_ASSIST_TOKEN=\$(openssl rand -hex 24) make run"
fi
wait -n "${pids[@]}"
