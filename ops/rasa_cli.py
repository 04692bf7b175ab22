"""`rasa`, as the project starts it: the same command line, with the dependencies' deprecation
warnings filtered where the process starts, so that the console shows the addresses, readiness
and real problems (bot/server/quiet_warnings.py says why PYTHONWARNINGS is
not enough). Usage: `.venv/bin/python -m ops.rasa_cli run ...` wherever `rasa run ...`.
"""

import sys

from bot.server.quiet_warnings import quiet_dependency_warnings

if __name__ == "__main__":
    quiet_dependency_warnings()
    from rasa.__main__ import main

    sys.exit(main())
