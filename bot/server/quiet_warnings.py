"""The dependencies' deprecation warnings kept off the console, where the process starts.

Listed with every other change to Rasa's behaviour in bot/server/patches.py; a module of its own
because it must run before Rasa, TensorFlow and jax are imported (they warn as they load).
"""

import warnings
from typing import Any

QUIETED_WARNINGS = (DeprecationWarning, PendingDeprecationWarning)


def ignore_deprecation_warnings() -> None:
    for category in QUIETED_WARNINGS:
        warnings.filterwarnings("ignore", category=category)


def quiet_dependency_warnings() -> None:
    """Ignore deprecation warnings now, and again right after Rasa sets up its own filters."""
    import rasa_sdk  # noqa: F401  (importing either turns deprecation warnings on: done before the filter)
    import sanic  # noqa: F401

    ignore_deprecation_warnings()
    import rasa.__main__ as rasa_main  # imports TensorFlow and jax, which warn

    configure = rasa_main.configure_logging_and_warnings
    if getattr(configure, "quiets_dependencies", False):
        return

    def configure_then_quiet(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        ignore_deprecation_warnings()

    configure_then_quiet.quiets_dependencies = True  # type: ignore[attr-defined]
    rasa_main.configure_logging_and_warnings = configure_then_quiet
