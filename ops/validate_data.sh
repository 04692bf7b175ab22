#!/usr/bin/env bash
# `rasa data validate`, failing on every warning but two false positives of Rasa 3.6: the questions
# that forms ask (utter_ask_<slot>) are reported as "not used in any story or rule", and the
# retrieval intent `faq`, which Rasa adds to the domain itself, as "duplicated".
# tests/unit/data/test_domain.py checks that every response is used, forms' questions included.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: validate_data.sh DATA_DIR..." >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
.venv/bin/python -m ops.rasa_cli data validate --data "$@" >"$log" 2>&1
status=$?
cat "$log"
[ "$status" -eq 0 ] || exit "$status"
unexpected=$(grep -E "UserWarning|WARNING" "$log" | grep -vE "The utterance 'utter_ask_[a-z_]+' is not used in any story or rule|duplicated intents have been found across multiple domain files: faq$" || true)
if [ -n "$unexpected" ]; then
    echo "rasa data validate warned:" >&2
    echo "$unexpected" >&2
    exit 1
fi
