"""Readings off home devices become symptoms, and red flags in NEWS2's red band."""

import pytest

from bot.triage.engine import triage


def found(extractor, text):
    extraction = extractor.extract(text)
    return {m.symptom_id: m for m in extraction.mentions if not m.negated}


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("pulse ox reading 87 and she's grey", "low_oxygen"),
        ("his sats dropped to 89% on the finger thing", "low_oxygen"),
        ("o2 was 90 when i checked", "low_oxygen"),
        ("heart rate is 150 just sitting on the sofa", "fast_heartbeat"),
        ("pulse 38 and he looks awful", "slow_heartbeat"),
        ("bp 85/50, she's so dizzy", "blood_pressure_change"),
        ("blood pressure is 84 over 48 on the home cuff", "blood_pressure_change"),
        ("hes breathing 30 times a minute i counted", "trouble_breathing"),
        ("temp 34,9 and shivering", "low_temperature"),
        ("thermometer says 94.8F", "low_temperature"),
    ],
)
def test_a_reading_in_the_red_band_is_an_emergency(extractor, text, symptom):
    mentions = found(extractor, text)
    assert symptom in mentions and mentions[symptom].red_flag, mentions
    assert triage([m.as_report() for m in extractor.extract(text).mentions]).urgency == "emergency"


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("sats 93 this morning", "low_oxygen"),
        ("resting heart rate 118", "fast_heartbeat"),
        ("temp 35.8, is that too low?", "low_temperature"),
        ("bp 96/60 lying down", "blood_pressure_change"),
        ("rr 22", "trouble_breathing"),
    ],
)
def test_a_reading_outside_the_red_band_is_urgent(extractor, text, symptom):
    mentions = found(extractor, text)
    assert symptom in mentions and not mentions[symptom].red_flag, mentions
    assert triage([m.as_report() for m in extractor.extract(text).mentions]).urgency == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "sats 98, pulse 76, temp 36.8, all fine tonight",
        "bp 122/78 which is normal for him",
        "should i ring if his sats go under 90?",
        "appointment on 12/05 at 10",
        "she is 85 and had her cells on day 0",
    ],
)
def test_normal_readings_hypothetical_thresholds_and_other_numbers_are_not_symptoms(extractor, text):
    assert found(extractor, text) == {}


def test_a_temperature_with_a_decimal_comma_is_a_fever(extractor):
    fever = found(extractor, "she's at 38,6 tonight")["fever"]
    assert fever.value == "38.6 C"
