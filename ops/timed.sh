#!/usr/bin/env bash
# Runs a command and, when it succeeds, writes its wall-clock seconds to a file. The Makefile times
# `rasa train` this way (models/NAME.train_seconds), and `make bench` reports the figure. With
# TRAINED_SIDE_BY_SIDE=yes (both models trained at once, sharing the cores) a second line says so.
# Usage: ops/timed.sh SECONDS_FILE COMMAND [ARGUMENT...]
set -euo pipefail
seconds_file="$1"
shift
start=$(date +%s.%N)
"$@"
end=$(date +%s.%N)
{
  awk -v start="$start" -v end="$end" 'BEGIN { printf "%.1f\n", end - start }'
  if [ "${TRAINED_SIDE_BY_SIDE:-}" = yes ]; then echo "side by side"; fi
} > "$seconds_file"
