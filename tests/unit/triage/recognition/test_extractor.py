"""Symptom recognition on messages written the way tired, worried people type."""

import pytest

from bot.triage.engine import triage


def found(extractor, text):
    extraction = extractor.extract(text)
    return extraction.present_ids(), extraction.negated_ids()


@pytest.mark.parametrize(
    "text,present,negated",
    [
        ("no fever but I feel confused", {"confusion"}, {"fever"}),
        ("Not feeling great, fever of 39", {"fever"}, set()),
        ("I don't have a fever but I feel confused", {"confusion"}, {"fever"}),
        ("no headache or chills, just really tired", {"fatigue"}, {"headache", "chills"}),
        ("she hasnt been sick but keeps shaking", {"tremor"}, {"vomiting"}),
        ("no he's really confused now", {"confusion"}, set()),
        ("not sure if it's a fever, he feels hot", {"fever"}, set()),
        ("he can't stop shaking", {"tremor"}, set()),
        ("never had a seizure before but now he is slurring", {"trouble_speaking"}, {"seizure"}),
    ],
)
def test_negation_stays_in_its_clause(extractor, text, present, negated):
    got_present, got_negated = found(extractor, text)
    assert present <= got_present
    assert got_negated == negated


@pytest.mark.parametrize(
    "text,present,negated",
    [
        ("no sickness or diarrhoea but wiped out", {"fatigue"}, {"nausea", "vomiting", "diarrhea"}),
        ("bit of sickness since the step up dose", {"nausea", "vomiting"}, set()),
        ("temp 38.6 and hes got the shakes", {"fever", "chills", "tremor"}, set()),
        ("no temp no shakes, just sleepy", {"drowsiness"}, {"fever", "chills", "tremor"}),
    ],
)
def test_a_lay_word_with_two_meanings_is_read_as_both(extractor, text, present, negated):
    got_present, got_negated = found(extractor, text)
    assert present <= got_present
    assert negated <= got_negated


@pytest.mark.parametrize(
    "text,expected",
    [
        ("feaver and confussed", {"fever", "confusion"}),
        ("his tremers are worse", {"tremor"}),
        ("diarhea all night", {"diarrhea"}),
        ("feel lightheded", {"dizziness"}),
        ("terrible hedache", {"headache"}),
        ("she is exausted", {"fatigue"}),
    ],
)
def test_common_misspellings(extractor, text, expected):
    assert expected <= found(extractor, text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "fewer visitors today",
        "never mind",
        "I made a cake",
        "we are making dinner",
        "the weather is nice",
    ],
)
def test_real_words_are_not_corrected_into_symptoms(extractor, text):
    assert found(extractor, text) == (set(), set())


@pytest.mark.parametrize(
    "text,expected",
    [
        ("he keeps asking what year it is", {"confusion"}),
        ("my husband is shaking", {"tremor"}),
        ("she can't find her words", {"trouble_speaking"}),
        ("he's shaking and mixing up words", {"tremor", "trouble_speaking"}),
        ("my mum doesnt know where she is", {"confusion"}),
        ("dad keeps falling over", {"loss_of_balance"}),
    ],
)
def test_caregiver_reports_are_the_patients_symptoms(extractor, text, expected):
    extraction = extractor.extract(text)
    assert expected <= extraction.present_ids()


def test_caregiver_is_noticed(extractor):
    assert extractor.extract("my wife is confused").caregiver
    assert not extractor.extract("I feel confused").caregiver


@pytest.mark.parametrize(
    "text,celsius,fever",
    [
        ("spiked 102 and shaking", 38.9, True),
        ("38.7", 38.7, True),
        ("temp of 101.9 F", 38.8, True),
        ("running 38.4 since lunch", 38.4, True),
        ("temp 37.6 this morning", 37.6, False),
        ("temperature was 100.4", 38.0, True),
        ("38,5 degrees", 38.5, True),
        ("39.2C tonight", 39.2, True),
        ("im 102 and cant stop shivering", 38.9, True),
        ("checked again and shes 101 now", 38.3, True),
    ],
)
def test_temperatures_in_c_and_f(extractor, text, celsius, fever):
    extraction = extractor.extract(text)
    assert [t.celsius for t in extraction.temperatures] == [celsius]
    assert ("fever" in extraction.present_ids()) is fever


@pytest.mark.parametrize(
    "text",
    [
        "my wife is 38 and has a headache",
        "hes 67 and had his first tec dose today",
        "she's 100 next month, had her cells on monday",
        "took 2 tablets",
        "day 38 after transplant",
        "he weighs 102 kg",
        "bp 120/80",
    ],
)
def test_numbers_that_are_not_temperatures(extractor, text):
    assert extractor.extract(text).temperatures == ()


def test_fever_value_is_kept(extractor):
    fever = [m for m in extractor.extract("spiked 102").mentions if m.symptom_id == "fever"]
    assert fever[0].value == "102 F (38.9 C)"


@pytest.mark.parametrize(
    "text,symptom",
    [
        ("my husband had a seizure", "seizure"),
        ("he had a fit", "seizure"),
        ("she wont wake up", "consciousness_change"),
        ("he can't be woken", "consciousness_change"),
        ("dog barked right by her and she didnt react at all", "consciousness_change"),
        ("he just went all floppy on the sofa", "consciousness_change"),
        ("she's gone limp in the chair", "consciousness_change"),
        ("we couldnt rouse her for a good few minutes", "consciousness_change"),
        ("my wife just collapsed", "fainting_collapse"),
        ("i cant breathe", "trouble_breathing"),
        ("his lips are going blue", "trouble_breathing"),
        ("severe shortness of breath", "trouble_breathing"),
        ("I want to end it all", "danger_to_self"),
    ],
)
def test_red_flags(extractor, text, symptom):
    mentions = [m for m in extractor.extract(text).mentions if m.symptom_id == symptom]
    assert mentions and mentions[0].red_flag and not mentions[0].negated


def test_short_of_breath_alone_is_not_a_red_flag(extractor):
    mention = extractor.extract("a bit short of breath").mentions[0]
    assert mention.symptom_id == "trouble_breathing" and not mention.red_flag


def test_almost_passing_out_is_dizziness_not_a_red_flag(extractor):
    extraction = extractor.extract("I almost passed out when I stood up")
    assert extraction.present_ids() == {"dizziness"}
    assert not any(m.red_flag for m in extraction.mentions)


@pytest.mark.parametrize(
    "text,therapy,days",
    [
        ("temp 38.9, day 3 after cilta-cel", "ciltacabtagene_autoleucel", 3),
        ("day +5 after car t", "car_t", 5),
        ("had my tecvayli shot 2 days ago", "teclistamab", 2),
        ("on the blincyto pump since yesterday", "blinatumomab", 1),
        ("my fever started 3 days ago", None, None),
    ],
)
def test_therapy_and_timing(extractor, text, therapy, days):
    extraction = extractor.extract(text)
    assert extraction.therapy_id == therapy
    assert extraction.days_since_treatment == days


def test_offsets_point_at_the_words(extractor):
    text = "Not feeling great, fever of 39"
    for mention in extractor.extract(text).mentions:
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    "text",
    ["no more fits since the one at lunch but hes very sleepy", "no chest pain now, it lasted 10 mins after his walk"],
)
def test_a_red_flag_that_has_stopped_is_still_an_emergency(extractor, knowledge, text):
    assert triage(extractor.extract(text).reports, knowledge=knowledge).urgency == "emergency"


@pytest.mark.parametrize(
    "text,present,negated",
    [
        ("i wouldnt say no temp, its been 38.4 all evening", {"fever"}, set()),
        ("no runs and no sickness since the last top up dose", set(), {"diarrhea", "nausea", "vomiting"}),
        ("no rash, the jab site is fine", set(), {"rash", "skin_reaction"}),
        ("her belly doesnt hurt but shes so tired", {"fatigue"}, {"abdominal_pain"}),
        ("his tummy's been hurting since lunch", {"abdominal_pain"}, set()),
    ],
)
def test_denials_and_what_only_looks_like_one(extractor, text, present, negated):
    got_present, got_negated = found(extractor, text)
    assert present <= got_present
    assert negated <= got_negated
    assert not negated & got_present
