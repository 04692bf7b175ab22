"""Rasa NLU components of the triage assistant."""
