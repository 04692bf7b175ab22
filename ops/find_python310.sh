#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa Open Source 3.6 runs on 3.8-3.10 only),
# or explains how to get one and fails.
set -euo pipefail
for candidate in "${PYTHON310:-}" "$(command -v python3.10 || true)" "$HOME"/.pyenv/versions/3.10.*/bin/python; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.10 interpreter found. Rasa Open Source 3.6 needs Python 3.8-3.10.
Install one, then run make again. For example:
  pyenv install 3.10.13            (it lands in ~/.pyenv/versions/3.10.13, which make finds)
  sudo apt-get install python3.10 python3.10-venv   (where your distribution has it)
or point make at one:  make PYTHON310=/path/to/python3.10
MSG
exit 1
