"""The learned recogniser beside the lexicon: trained from labelled messages, recall first, and an
emergency it reads escalates even when no listed red flag matched."""

from datetime import date

import pytest

from bot.triage.conversation import add_up
from bot.triage.engine import triage
from bot.triage.entities import extraction_to_entities, reports_from_entities
from bot.triage.helpline import agent_assist_response
from bot.triage.recognition import learned
from bot.triage.recognition.extractor import SymptomExtractor
from bot.triage.recognition.learned import LabelledMessage, LearnedRecogniser

# Wording the lexicon has no phrase for, in a tiny corpus of its own: the plumbing, not the model.
STORY = "his whole body went rigid then juddered on the settee"
TINY = (
    [LabelledMessage(f"{STORY} {n}", ("emergency", "seizure"), "tiny") for n in range(12)]
    + [LabelledMessage(f"she keeps putting the kettle in the fridge {n}", ("confusion",), "tiny") for n in range(12)]
    + [LabelledMessage(f"all fine today thanks {n}", (), "tiny") for n in range(12)]
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, extractor):
    labels = learned.all_labels(["confusion", "seizure"])
    nlp = learned.train(extractor.normalised_text, labels, TINY, epochs=8, log=lambda _: None)
    model_dir = tmp_path_factory.mktemp("recogniser")
    thresholds = {stratum: 0.5 for stratum in (learned.LEXICON_FOUND, learned.MODEL_FOUND, learned.NOTHING_FOUND)}
    learned.save(nlp, model_dir, {"emergency": thresholds, "symptom": 0.5}, {})
    return LearnedRecogniser(model_dir)


@pytest.fixture(scope="module")
def both(knowledge, extractor, trained):
    return SymptomExtractor(knowledge, common_words=extractor.spelling.common_words, learned=trained)


def test_the_lexicon_alone_misses_the_story(extractor):
    extraction = extractor.extract(STORY)
    assert not extraction.mentions and not extraction.emergency_described


def test_an_emergency_read_in_new_words_escalates(both):
    extraction = both.extract(STORY)
    assert extraction.emergency_described or "seizure" in extraction.present_ids()
    result = triage(extraction.reports, emergency_described=extraction.emergency_described)
    assert result.urgency == "emergency"
    assert result.advice.startswith("This may be an emergency. Call emergency services now")


def test_a_symptom_read_in_new_words_is_reported(both):
    assert "confusion" in both.extract("she keeps putting the kettle in the fridge").present_ids()


def test_the_lexicon_still_finds_what_it_knows_and_its_negations(both):
    extraction = both.extract("no fever but he has a bad headache")
    assert "headache" in extraction.present_ids() and "fever" in extraction.negated_ids()


def test_an_emergency_described_travels_through_entities_and_the_conversation(both):
    entities = extraction_to_entities(both.extract(STORY), "emergency", STORY)
    assert reports_from_entities(entities).emergency_described or any(e.get("value") == "seizure" for e in entities)
    events = [
        {"event": "user", "timestamp": 1.0, "parse_data": {"entities": entities}},
        {
            "event": "user",
            "timestamp": 2.0,
            "parse_data": {"entities": extraction_to_entities(both.extract("thanks"), None, "thanks")},
        },
    ]
    conversation = add_up(events, {}, date(2026, 11, 29))
    assert conversation.result.urgency == "emergency", "an emergency never goes down in a conversation"
    answer = agent_assist_response("call", conversation)
    assert answer["urgency"] == "emergency" and "Red flags:" in answer["summary"]


def test_the_threshold_catches_every_emergency_the_lexicon_misses():
    probabilities = [0.9, 0.2, 0.05] + [0.01] * 20
    is_emergency = [True, True, True] + [False] * 20
    lexicon = [False, False, True] + [False] * 20
    assert learned.choose_emergency_threshold(probabilities, is_emergency, lexicon) == 0.2
    assert learned.choose_emergency_threshold([0.95], [True], [False]) == learned.MAX_EMERGENCY_THRESHOLD


def test_the_threshold_never_sends_more_than_the_allowed_share_of_calm_messages_to_emergency():
    # One emergency the model barely sees (0.05) and ten calm messages above it: catching it would
    # flag half of the twenty calm messages, so the threshold stops at three of them (15%).
    probabilities = [0.05] + [0.4 - 0.01 * i for i in range(10)] + [0.01] * 10
    is_emergency = [True] + [False] * 20
    threshold = learned.choose_emergency_threshold(probabilities, is_emergency, [False] * 21)
    flagged = sum(p >= threshold for p, e in zip(probabilities, is_emergency) if not e)
    assert flagged == 3 and threshold > 0.05


def test_the_served_recogniser_needs_its_learned_layer_unless_switched_off(monkeypatch, tmp_path):
    from bot.triage.recognition import extractor as extractor_module

    extractor_module.shared_extractor.cache_clear()
    try:
        monkeypatch.setenv(extractor_module.LEARNED_RECOGNISER_VARIABLE, "off")
        assert extractor_module.shared_extractor().learned is None
        extractor_module.shared_extractor.cache_clear()
        # A missing model is an error at start-up, never a silent fall back to the lexicon alone.
        monkeypatch.setenv(extractor_module.LEARNED_RECOGNISER_VARIABLE, str(tmp_path / "nothing-here"))
        with pytest.raises(FileNotFoundError, match="make train-recogniser"):
            extractor_module.shared_extractor()
    finally:
        extractor_module.shared_extractor.cache_clear()


def test_each_stratum_gets_its_own_threshold_and_nothing_found_needs_the_models_own_boundary():
    probabilities = [0.4, 0.3, 0.1, 0.9, 0.3] + [0.05] * 20
    is_emergency = [True, False, True, True, False] + [False] * 20
    strata = (
        [learned.LEXICON_FOUND, learned.LEXICON_FOUND, learned.MODEL_FOUND, learned.NOTHING_FOUND]
        + [learned.NOTHING_FOUND]
        + [learned.LEXICON_FOUND] * 10
        + [learned.MODEL_FOUND] * 10
    )
    thresholds = learned.choose_emergency_thresholds(probabilities, is_emergency, [False] * 25, strata)
    # Where the lexicon read the message, its own emergency decides (0.4), not the model-only one (0.1).
    assert thresholds[learned.LEXICON_FOUND] == 0.4
    assert thresholds[learned.MODEL_FOUND] == 0.1
    assert thresholds[learned.NOTHING_FOUND] == learned.UNSUPPORTED_EMERGENCY_THRESHOLD
    recogniser = object.__new__(learned.LearnedRecogniser)
    recogniser.emergency_thresholds = thresholds
    assert not recogniser.is_emergency({learned.EMERGENCY: 0.3}, learned.LEXICON_FOUND)
    assert recogniser.is_emergency({learned.EMERGENCY: 0.3}, learned.MODEL_FOUND)
    assert not recogniser.is_emergency({learned.EMERGENCY: 0.3}, learned.NOTHING_FOUND)


def test_the_linear_part_hashes_words_into_the_table_size_chosen_for_training_time(trained):
    tables = [
        layer for layer in trained.nlp.get_pipe("textcat_multilabel").model.walk() if layer.name == "sparse_linear"
    ]
    assert [table.get_dim("length") for table in tables] == [learned.NGRAM_BUCKETS]


def test_the_model_reading_a_symptom_as_denied_more_surely_than_reported_records_it_denied(trained):
    # "she's not had any shaking or trouble with her words": both readings pass the threshold
    probabilities = {"confusion": 0.6, learned.DENIED_PREFIX + "confusion": 0.7, "seizure": 0.8}
    assert trained.reported(probabilities) == ["seizure"]
    assert trained.denied(probabilities) == ["confusion"]
    probabilities[learned.DENIED_PREFIX + "confusion"] = 0.55
    assert trained.reported(probabilities) == ["confusion", "seizure"]
    assert trained.denied(probabilities) == []
