"""Files written by ops/generate_data.py are current: nobody edited them by hand, nobody forgot to
run `make generate` after changing the table or the emergency number."""

import yaml

from bot.triage import wording
from ops import generate_data


def test_every_generated_file_is_current():
    for path, text in generate_data.generated().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is not current: run `make generate`"


def test_the_form_rules_cover_every_form_and_interrupting_intent():
    rules = yaml.safe_load(generate_data.form_rules())["rules"]
    for form in generate_data.FORMS:
        intents = {r["steps"][0]["intent"] for r in rules if r["condition"] == [{"active_loop": form}]}
        expected = {"report_symptom"} | {i for i, _ in generate_data.ANSWERED_THEN_ASKED_AGAIN}
        assert expected | {i for i, _ in generate_data.ENDS_THE_FORM} <= intents, form


def test_a_symptom_report_during_a_form_gets_the_advice_before_the_form_asks_again():
    for rule in yaml.safe_load(generate_data.form_rules())["rules"]:
        if rule["steps"][0] == {"intent": "report_symptom"}:
            assert rule["steps"][1] == {"action": "utter_symptom_advice"}, rule["rule"]


def test_the_domain_says_the_emergency_number_defined_in_wording():
    domain = yaml.safe_load(generate_data.DOMAIN.read_text(encoding="utf-8"))
    assert {slot: domain["slots"][slot]["initial_value"] for slot in wording.DOMAIN_SLOTS} == wording.DOMAIN_SLOTS
    texts = [v["text"] for variations in domain["responses"].values() for v in variations]
    assert not any(wording.EMERGENCY_NUMBER in text for text in texts), "a response types the number itself"
