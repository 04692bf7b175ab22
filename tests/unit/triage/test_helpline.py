"""What a helpline agent gets for a call: accumulated triage, words to say, a call-log note."""

from datetime import date

from bot.triage import wording
from bot.triage.conversation import add_up
from bot.triage.helpline import agent_assist_response
from bot.triage.reply_audit import find_unsafe_phrases
from tests.support.events import user_events


def call(extractor, *texts, slots=None):
    conversation = add_up(user_events(extractor, *texts), slots or {}, date(2026, 11, 29))
    return agent_assist_response("call-1", conversation)


def test_the_issues_example(extractor):
    answer = call(extractor, "temp 38.9 and he's mixing up words")
    assert answer["urgency"] == "urgent"
    present = {s["id"]: s for s in answer["symptoms"] if not s["negated"]}
    assert present["fever"]["value"] == "38.9 C"
    assert "trouble_speaking" in present
    assert {"crs", "icans"} <= set(answer["groups"])
    assert "care team right away" in answer["script"]
    assert answer["summary"].startswith("Caregiver reports: fever (38.9 C), trouble speaking")


def test_symptoms_accumulate_and_urgency_never_goes_down(extractor):
    first = call(extractor, "she's been off all evening", "now 38.6")
    assert first["urgency"] == "urgent"
    later = call(extractor, "she's been off all evening", "now 38.6", "actually no fever now, just a rash")
    assert later["urgency"] == "urgent"
    assert {s["id"] for s in later["symptoms"] if not s["negated"]} >= {"fever", "rash"}


def test_red_flag_script_starts_with_emergency_services(extractor):
    answer = call(extractor, "he had a fit and now we cant wake him")
    assert answer["urgency"] == "emergency"
    assert "Call emergency services now" in answer["script"]
    assert "Red flags: seizure, changes in consciousness." in answer["summary"]


def test_denied_symptoms_are_listed_and_in_the_note(extractor):
    answer = call(extractor, "no fever, no confusion, just constipated, day 4 after blincyto")
    assert {(s["id"], s["negated"]) for s in answer["symptoms"]} == {
        ("constipation", False),
        ("fever", True),
        ("confusion", True),
    }
    assert "Denies: fever, confusion." in answer["summary"]
    assert "Therapy: blinatumomab (Blincyto). Days since treatment: 4." in answer["summary"]


def test_nothing_recognised_still_sends_to_the_care_team(extractor):
    answer = call(extractor, "she's just not herself today")
    assert "care team" in answer["script"]


def test_scripts_and_notes_are_safe(extractor):
    for text in ["my husband had a seizure", "no fever", "rash on my arms", "temp 39.4 and confused"]:
        answer = call(extractor, text)
        assert find_unsafe_phrases(answer["script"] + " " + answer["summary"]) == []


def test_what_only_the_model_read_is_marked_for_the_agent_to_confirm(knowledge):
    from bot.triage.engine import SymptomReport, triage
    from bot.triage.helpline import summary

    result = triage([SymptomReport("fever", text="38.9", value="38.9 C"), SymptomReport("chills")], knowledge=knowledge)
    note = summary(result, caregiver=True)
    assert note.startswith("Caregiver reports: fever (38.9 C).")
    assert "Read from their words, to confirm with them: chills." in note


def test_words_not_understood_are_unclear_for_the_agent_never_none(extractor):
    conversation = add_up(user_events(extractor, "he's just gone a bit funny"), {}, date(2026, 11, 29))
    answer = agent_assist_response("call-2", conversation, unclear=True)
    assert answer["urgency"] == "unclear"
    assert "care team right away" in answer["script"]
    assert "none" not in answer["summary"]
    assert "did not recognise" in answer["summary"]
    assert find_unsafe_phrases(answer["script"] + answer["summary"]) == []


def test_a_call_naming_no_symptom_is_not_logged_as_reporting_none():
    note = wording.call_log_note(
        caregiver=True,
        reported=[],
        denied=[],
        readings=[],
        therapy_label=None,
        days_since_treatment=None,
        red_flags=["what the caller describes reads as an emergency (no listed red flag matched)"],
        urgency="emergency",
        advice=wording.URGENCY_ADVICE["emergency"],
        source_citations=[],
    )
    assert note.startswith("Caregiver reports: no symptom the assistant could name.")
    assert "reports: none" not in note
