"""The domain's safety text: the same advice as the knowledge base, safe, and always the care team."""

from pathlib import Path

import yaml

from bot.safety import find_unsafe_phrases

REPO_ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text())
RULES = yaml.safe_load((REPO_ROOT / "data" / "rules.yml").read_text())["rules"]


def responses():
    return [(name, v["text"]) for name, variations in DOMAIN["responses"].items() for v in variations]


def test_symptom_advice_variations_equal_the_knowledge_base(knowledge):
    variations = DOMAIN["responses"]["utter_symptom_advice"]
    by_urgency = {
        (v["condition"][0]["value"] if "condition" in v else "unclear"): " ".join(v["text"].split())
        for v in variations
    }
    assert by_urgency == knowledge.urgency_advice


def test_every_domain_response_is_safe():
    for name, text in responses():
        assert find_unsafe_phrases(text) == [], name


def test_responses_that_can_follow_a_symptom_name_the_care_team():
    """A symptom may reach any of these (misclassified, or said after the question)."""
    for name in ["utter_symptom_advice", "utter_default", "utter_cannot_diagnose",
                 "utter_cannot_advise_medication", "utter_goodbye", "utter_no_symptoms",
                 "utter_you_are_welcome", "utter_out_of_scope"]:
        for variation in DOMAIN["responses"][name]:
            assert "care team" in variation["text"], name


def test_symptom_report_rule_gives_the_advice_before_anything_else():
    rule = next(r for r in RULES if r["steps"][0].get("intent") == "report_symptom")
    actions = [s["action"] for s in rule["steps"][1:]]
    assert actions == ["utter_symptom_advice", "action_triage_symptoms", "utter_ask_anything_else"]


def test_emergency_advice_names_emergency_services_then_the_care_team():
    emergency = next(v["text"] for v in DOMAIN["responses"]["utter_symptom_advice"]
                     if v.get("condition", [{}])[0].get("value") == "emergency")
    assert emergency.index("emergency services") < emergency.index("care team")


def used_in_training_data(key):
    """Every intent or action named in rules and stories (rasa data validate misses unused intents)."""
    blocks = []
    for path in sorted((REPO_ROOT / "data").glob("*.yml")):
        content = yaml.safe_load(path.read_text()) or {}
        blocks += content.get("rules", []) + content.get("stories", [])
    return {step[key] for block in blocks for step in block["steps"] if key in step}


def test_every_intent_is_used():
    assert set(DOMAIN["intents"]) <= used_in_training_data("intent")


def test_every_response_and_action_is_used():
    assert set(DOMAIN["responses"]) | set(DOMAIN["actions"]) <= used_in_training_data("action") | {"utter_faq"}
