"""The triage core, in plain Python: knowledge, recognition, triage, conversation state, wording.

Nothing here imports rasa, rasa_sdk or sanic (tests/unit/test_layout.py enforces it), so every
rule is read and tested on its own, and both the Rasa server and the action server call it.
"""
