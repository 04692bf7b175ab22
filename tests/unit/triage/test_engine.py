"""The triage rules, on symptom reports directly (no text, no Rasa)."""

from dataclasses import replace

import pytest

from bot.triage.engine import SymptomReport, highest_urgency, triage
from bot.triage.reply_audit import find_unsafe_phrases


def reports(*ids, negated=(), red=()):
    return [SymptomReport(i, red_flag=i in red) for i in ids] + [SymptomReport(i, negated=True) for i in negated]


@pytest.mark.parametrize(
    "ids,red,urgency",
    [
        (["seizure"], [], "emergency"),
        (["danger_to_self"], [], "emergency"),
        (["consciousness_change"], ["consciousness_change"], "emergency"),
        (["trouble_breathing"], ["trouble_breathing"], "emergency"),
        (["trouble_breathing"], [], "urgent"),
        (["fever"], [], "urgent"),
        (["confusion"], [], "urgent"),
        (["blood_clot_signs"], [], "urgent"),
        (["infection_signs"], [], "urgent"),
        (["allergic_reaction"], [], "urgent"),
        (["rash"], [], "urgent"),
        (["constipation", "fever"], [], "urgent"),
        (["rash", "seizure"], [], "emergency"),
    ],
)
def test_urgency(ids, red, urgency):
    assert triage(reports(*ids, red=red)).urgency == urgency


@pytest.mark.parametrize(
    "therapy,urgency",
    [(None, "urgent"), ("teclistamab", "urgent"), ("car_t", "urgent"), ("lenalidomide", "routine")],
)
def test_after_car_t_or_a_bispecific_any_side_effect_is_reported_right_away(therapy, urgency):
    result = triage(reports("constipation"), therapy_id=therapy)
    assert result.urgency == urgency
    assert "right away" in result.advice.split(".")[0] or urgency == "routine", result.advice


def test_right_away_reporting_follows_the_knowledge_base(knowledge):
    """Which kinds are reported right away is data: without an entry, kymriah is triaged like revlimid."""
    without_car_t = replace(
        knowledge, report_right_away={k: v for k, v in knowledge.report_right_away.items() if k != "car_t"}
    )
    assert triage(reports("constipation"), therapy_id="tisagenlecleucel", knowledge=knowledge).urgency == "urgent"
    assert triage(reports("constipation"), therapy_id="tisagenlecleucel", knowledge=without_car_t).urgency == "routine"


def test_all_negated_is_none_but_still_names_the_care_team():
    result = triage(reports(negated=["fever", "seizure"]))
    assert result.urgency == "none"
    assert "care team" in result.reply_text


def test_nothing_recognised_escalates_to_the_care_team():
    result = triage([])
    assert "care team right away" in result.advice


def test_emergency_advice_comes_first():
    result = triage(reports("rash", "fever", "seizure"))
    assert result.reply_text.startswith("This may be an emergency. Call emergency services now")
    assert result.symptoms[0].id == "seizure"


def test_guidance_names_its_source_and_group():
    result = triage(reports("confusion", negated=["fever"]))
    assert result.urgency == "urgent"
    first = result.guidance[0]
    assert first.source == "acs-car-t-side-effects"
    assert "nervous-system problems (ICANS)" in first.text
    assert "American Cancer Society" in result.guidance_text
    assert "fever" not in [s.id for s in result.present]
    assert "icans" in result.groups and "crs" not in result.groups


def test_known_therapy_quotes_its_own_lists_only():
    result = triage(reports("fever"), therapy_id="ciltacabtagene_autoleucel")
    texts = " ".join(g.text for g in result.guidance)
    assert "CAR T-cell therapy" in texts
    assert "blinatumomab" not in texts


def test_a_missing_list_is_said_to_be_missing():
    result = triage(reports("confusion"), therapy_id="teclistamab")
    assert any("missing from the copy I have" in g.text for g in result.guidance)


def test_silence_is_said_not_filled():
    result = triage(reports("jaundice"))
    assert any("do not cover" in g.text for g in result.guidance)


def test_thoughts_of_suicide_get_emergency_services_then_the_crisis_line_and_no_side_effect_quote():
    result = triage(reports("danger_to_self", "fever"), therapy_id="teclistamab")
    assert result.urgency == "emergency" and result.crisis
    assert result.advice.startswith("If you or anyone else is in danger right now, call emergency services")
    assert "call or text 988" in result.advice and "care team" in result.advice
    assert result.guidance == () and result.guidance_text == ""
    assert "side effect" not in result.reply_text
    assert find_unsafe_phrases(result.reply_text) == []


def test_a_denied_thought_of_self_harm_is_no_crisis():
    result = triage(reports("fever", negated=("danger_to_self",)))
    assert not result.crisis and result.advice == triage(reports("fever")).advice


def test_structured_output():
    result = triage([SymptomReport("fever", text="spiked 102", value="102 F (38.9 C)")], days_since_treatment=3)
    payload = result.as_dict()
    assert payload["urgency"] == "urgent"
    assert payload["symptoms"][0] == {
        "id": "fever",
        "label": "fever",
        "text": "spiked 102",
        "negated": False,
        "resolved": False,
        "groups": ["crs", "flu_like", "infusion_reaction", "other_side_effects"],
        "red_flag": False,
        "value": "102 F (38.9 C)",
    }
    assert payload["days_since_treatment"] == 3
    assert {s["id"] for s in payload["sources"]} >= {"acs-car-t-side-effects"}


def test_present_wins_over_negated_for_the_same_symptom():
    result = triage([SymptomReport("fever", negated=True), SymptomReport("fever", value="38.5 C")])
    assert [s.id for s in result.present] == ["fever"]


def test_urgency_order_escalates_unclear():
    assert highest_urgency(["routine", "unclear"]) == "unclear"
    assert highest_urgency(["urgent", "emergency", "none"]) == "emergency"


def test_every_reply_for_every_symptom_and_therapy_is_safe(knowledge):
    for therapy_id in [None, *knowledge.therapies]:
        for symptom_id in knowledge.symptoms:
            for red in (False, True):
                result = triage([SymptomReport(symptom_id, red_flag=red)], therapy_id=therapy_id)
                assert "care team" in result.reply_text
                assert find_unsafe_phrases(result.reply_text) == [], (symptom_id, therapy_id)
