"""Thin rasa_sdk actions: each reads the tracker, calls the plain-Python logic in `bot`, and replies."""
