"""The domain's safety text: the same advice as bot/triage/wording.py, safe, and always the care team."""

import yaml

from bot import REPO_ROOT
from bot.triage import wording
from bot.triage.reply_audit import find_unsafe_phrases
from evaluation.domain_text import load_domain

DOMAIN = load_domain()
RULES = [
    rule
    for path in sorted((REPO_ROOT / "data" / "rules").glob("*.yml"))
    for rule in yaml.safe_load(path.read_text()).get("rules", [])
]
FORM_QUESTIONS = {f"utter_ask_{slot}" for form in DOMAIN["forms"].values() for slot in form["required_slots"]}


def responses():
    return [(name, v["text"]) for name, variations in DOMAIN["responses"].items() for v in variations]


def test_symptom_advice_variations_equal_the_wording():
    variations = DOMAIN["responses"]["utter_symptom_advice"]
    by_urgency = {
        (v["condition"][0]["value"] if "condition" in v else "unclear"): " ".join(v["text"].split()) for v in variations
    }
    assert by_urgency == wording.URGENCY_ADVICE


def test_every_domain_response_is_safe():
    for name, text in responses():
        assert find_unsafe_phrases(text) == [], name


def test_responses_that_can_follow_a_symptom_name_the_care_team():
    """A symptom may reach any of these (misclassified, or said after the question)."""
    for name in [
        "utter_symptom_advice",
        "utter_default",
        "utter_cannot_diagnose",
        "utter_cannot_advise_medication",
        "utter_goodbye",
        "utter_no_symptoms",
        "utter_you_are_welcome",
        "utter_out_of_scope",
    ]:
        for variation in DOMAIN["responses"][name]:
            assert "care team" in variation["text"], name


def test_every_symptom_report_rule_gives_the_advice_before_anything_else():
    """With or without a form running: the advice, then the documents, and only then questions."""
    report_rules = [r for r in RULES if r["steps"][0].get("intent") == "report_symptom"]
    assert len(report_rules) >= 4  # no form, treatment known, during each of the two forms
    for rule in report_rules:
        actions = [s["action"] for s in rule["steps"][1:] if "action" in s]
        assert actions[:2] == ["utter_symptom_advice", "action_triage_symptoms"], rule["rule"]
        if len(actions) > 2:
            assert actions[2] in ("treatment_form", "caregiver_checks_form"), rule["rule"]
        else:  # an emergency during the caregiver checks ends them: nothing is asked after the advice
            assert {"active_loop": None} in rule["steps"], rule["rule"]


def test_a_change_in_the_caregiver_checks_gets_the_urgent_advice():
    result = DOMAIN["responses"]["utter_caregiver_checks_result"]
    checks = DOMAIN["forms"]["caregiver_checks_form"]["required_slots"]
    changed = {v["condition"][0]["name"]: v["text"] for v in result if "condition" in v}
    assert set(changed) == set(checks) and len(set(changed.values())) == 1
    assert " ".join(next(iter(changed.values())).split()).endswith(wording.URGENCY_ADVICE["urgent"])
    unchanged = next(v["text"] for v in result if "condition" not in v)
    assert "cannot rule anything out" in unchanged and "care team" in unchanged and "911" in unchanged


def test_each_check_after_a_change_first_says_to_contact_the_care_team():
    checks = DOMAIN["forms"]["caregiver_checks_form"]["required_slots"]
    for previous, check in zip(checks, checks[1:]):
        after_change = [
            v
            for v in DOMAIN["responses"][f"utter_ask_{check}"]
            if v.get("condition") == [{"type": "slot", "name": previous, "value": "changed"}]
        ]
        assert len(after_change) == 1, check
        assert after_change[0]["text"].index("care team") < after_change[0]["text"].index("?"), check


def test_emergency_advice_names_emergency_services_then_the_care_team():
    emergency = next(
        v["text"]
        for v in DOMAIN["responses"]["utter_symptom_advice"]
        if v.get("condition", [{}])[0].get("value") == "emergency"
    )
    assert emergency.index("emergency services") < emergency.index("care team")


def used_in_training_data(key):
    """Every intent or action named in rules and stories (rasa data validate misses unused intents)."""
    blocks = []
    folders = (REPO_ROOT / "data" / "rules", REPO_ROOT / "data" / "stories")
    for path in sorted(path for folder in folders for path in folder.glob("*.yml")):
        content = yaml.safe_load(path.read_text()) or {}
        blocks += content.get("rules", []) + content.get("stories", [])
    return {step[key] for block in blocks for step in block["steps"] if key in step}


def test_every_intent_is_used():
    assert set(DOMAIN["intents"]) <= used_in_training_data("intent")


def test_every_response_and_action_is_used():
    asked_by_forms = FORM_QUESTIONS | {"utter_faq"}
    # A form's validation action is run by the form itself (Rasa calls validate_<form>).
    run_by_forms = {f"validate_{form}" for form in DOMAIN["forms"]}
    used = used_in_training_data("action") | asked_by_forms | run_by_forms
    assert set(DOMAIN["responses"]) | set(DOMAIN["actions"]) <= used
