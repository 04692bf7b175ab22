"""What runs inside `rasa run`: the NLU component, model loading, channels, stores and patches.

The only package that imports Rasa; it calls `bot.triage` for every decision.
"""
