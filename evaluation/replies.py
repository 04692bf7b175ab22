"""The reply the assistant sends for a parse, read from the domain and the rules, for the figures
that look at what the person is told (care team named, no unsafe phrases)."""

from __future__ import annotations

import functools
from typing import Dict, Optional

import yaml

from bot import REPO_ROOT
from bot.triage.wording import CARE_TEAM_REMINDER
from evaluation.domain_text import load_domain
from evaluation.metrics import REPORT_SYMPTOM, guidance_reply, intent_of, urgency_given

# Actions that answer from the documents always end with the care-team reminder
# (tests/unit/triage/test_answers.py); the FAQ answers name the care team (tests/unit/data/test_faq_responses.py).
ANSWER_ACTIONS = {"action_list_side_effects", "action_explain_topic", "action_answer_driving", "utter_faq"}


@functools.lru_cache(maxsize=1)
def first_action_by_intent() -> Dict[str, str]:
    """intent -> the first action of the rule that starts with it (outside any form)."""
    rules = yaml.safe_load((REPO_ROOT / "data" / "rules" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    actions = {}
    for rule in rules:
        steps = rule["steps"]
        if "intent" in steps[0] and len(steps) > 1 and "action" in steps[1]:
            actions.setdefault(steps[0]["intent"], steps[1]["action"])
    return actions


def _response_text(name: str, urgency: Optional[str] = None) -> str:
    """A response's text: the variation for `urgency` if given, else the unconditional one."""
    variations = load_domain()["responses"].get(name, [])
    if urgency is not None:
        for variation in variations:
            if variation.get("condition", [{}])[0].get("value") == urgency:
                return variation["text"]
    return next((v["text"] for v in variations if "condition" not in v), "")


def reply_text(parsed: dict) -> str:
    """The words the person gets for this parse."""
    intent = intent_of(parsed)
    if intent == REPORT_SYMPTOM:
        urgency = urgency_given(parsed)
        advice = _response_text("utter_symptom_advice", None if urgency == "unclear" else urgency)
        return advice + "\n\n" + guidance_reply(parsed)
    action = first_action_by_intent().get(intent, "utter_default")
    if action in ANSWER_ACTIONS:
        return CARE_TEAM_REMINDER
    return _response_text(action)
