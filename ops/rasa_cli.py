"""`rasa`, as the project starts it: the same command line, with the dependencies' deprecation
warnings filtered where the process starts, so the console shows the addresses, readiness and real
problems.

PYTHONWARNINGS cannot do it alone: importing rasa_sdk (the first thing `rasa` does) turns every
DeprecationWarning back on ("once") for the whole process, and pkg_resources, click, pyparsing,
jax and distutils then print dozens of them. Here rasa_sdk is imported first and the filters are
put back after it. Usage: `.venv/bin/python -m ops.rasa_cli run ...` wherever `rasa run ...`.
"""

import sys
import warnings

import rasa_sdk  # noqa: F401  (imported for its side effect on the warning filters, then undone)

QUIETED = (DeprecationWarning, PendingDeprecationWarning)


def quiet_dependency_warnings() -> None:
    for category in QUIETED:
        warnings.filterwarnings("ignore", category=category)


if __name__ == "__main__":
    quiet_dependency_warnings()
    from rasa.__main__ import main

    sys.exit(main())
