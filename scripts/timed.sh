#!/usr/bin/env bash
# Runs a command and, when it succeeds, writes its wall-clock seconds to a file. The Makefile times
# `rasa train` this way (models/NAME.train_seconds), and `make bench` reports the figure.
# Usage: scripts/timed.sh SECONDS_FILE COMMAND [ARGUMENT...]
set -euo pipefail
seconds_file="$1"
shift
start=$(date +%s.%N)
"$@"
end=$(date +%s.%N)
awk -v start="$start" -v end="$end" 'BEGIN { printf "%.1f\n", end - start }' > "$seconds_file"
