"""The assistant: `bot.triage` is the plain-Python domain; `bot.server` runs it inside Rasa."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
