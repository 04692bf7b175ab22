#!/usr/bin/env bash
# Serves the bot in the foreground: the action server on :5055 and Rasa on :5005 (REST channel at
# /webhooks/rest/webhook). Ctrl-C stops both. Rasa's HTTP API is not enabled.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTION_PORT="${ACTION_PORT:-5055}"
RASA_PORT="${RASA_PORT:-5005}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}"
export RASA_TELEMETRY_ENABLED=false
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping the bot..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/rasa run actions --port "$ACTION_PORT" &
pids+=($!)
.venv/bin/rasa run --model models/triage.tar.gz --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints endpoints.yml &
pids+=($!)

echo "Action server on :${ACTION_PORT}; Rasa on :${RASA_PORT}, REST channel at http://localhost:${RASA_PORT}/webhooks/rest/webhook (ready about 30 s after start). Ctrl-C stops both."
wait -n "${pids[@]}"
