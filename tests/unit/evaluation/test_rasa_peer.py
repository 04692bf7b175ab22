"""The Rasa peer's training data, made from the corpus: entity spans on Rasa's token edges, the
label's assertion as the entity's role, the emergency as the intent, the knowledge base's phrases as
lookup tables, all read back by Rasa's own reader; and the peer's parse mapped onto the figures of
the other layers. Nothing here trains."""

import re
from collections import namedtuple

import pytest

from bot.triage.engine import triage
from bot.triage.knowledge import load_knowledge
from evaluation import rasa_peer
from evaluation.rasa_peer import Entity, PeerExample

# What `locate` reads of a Mention.
Found = namedtuple("Found", "symptom_id start end")


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


@pytest.fixture(scope="module")
def token_spans():
    return rasa_peer.whitespace_token_spans()


@pytest.fixture(scope="module")
def extractor(knowledge):
    from bot.triage.recognition.extractor import SymptomExtractor

    return SymptomExtractor(knowledge)


def test_snap_widens_a_span_to_whole_tokens():
    tokens = [(0, 2), (3, 10), (11, 16)]  # "he shaking badly"
    assert rasa_peer.snap(4, 9, tokens) == (3, 10)
    assert rasa_peer.snap(1, 12, tokens) == (0, 16)
    assert rasa_peer.snap(10, 11, tokens) is None


def test_rasa_tokens_split_contractions_and_keep_readings(token_spans):
    text = "he's 39.4C, can't settle"
    assert [text[s:e] for s, e in token_spans(text)] == ["he", "s", "39.4C", "can", "t", "settle"]


def test_every_labelled_symptom_gets_its_role_from_the_label():
    message = {
        "text": "no fever but shaking, had a fit earlier, what if he faints",
        "symptoms": {
            "fever": "negated",
            "chills": "present",
            "seizure": "resolved",
            "fainting_collapse": "hypothetical",
        },
    }
    text = message["text"]
    tokens = [(m.start(), m.end()) for m in re.finditer(r"[\w']+", text)]
    mentions = [
        Found("fever", 3, 8),
        Found("chills", 13, 20),
        Found("seizure", 28, 31),
        Found("fainting_collapse", 52, 58),
        Found("headache", 0, 2),  # found but not labelled: stays plain text
    ]
    entities = rasa_peer.locate(message, mentions, tokens)
    assert [(text[e.start : e.end], e.entity, e.role) for e in entities] == [
        ("fever", "fever", "denied"),
        ("shaking", "chills", None),
        ("fit", "seizure", "resolved"),
        ("faints", "fainting_collapse", "hypothetical"),
    ]


def test_a_message_with_a_symptom_not_located_is_not_used():
    message = {
        "text": "hot and he keeps calling the remote a phone",
        "symptoms": {"fever": "present", "confusion": "present"},
    }
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+", message["text"])]
    assert rasa_peer.locate(message, [Found("fever", 0, 3)], tokens) is None
    assert rasa_peer.locate({"text": "thanks", "symptoms": {}}, [], [(0, 6)]) == ()


def test_overlapping_spans_keep_the_longest_and_every_mention_of_a_symptom():
    message = {
        "text": "chest pain and chest pain again",
        "symptoms": {"chest_pain": "present", "trouble_breathing": "present"},
    }
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+", message["text"])]
    both = [Found("chest_pain", 0, 10), Found("trouble_breathing", 0, 5), Found("chest_pain", 15, 25)]
    # trouble breathing's only span lies inside chest pain's: it cannot be annotated, so the message goes.
    assert rasa_peer.locate(message, both, tokens) is None
    message["symptoms"] = {"chest_pain": "present"}
    assert [(e.start, e.end) for e in rasa_peer.locate(message, both, tokens)] == [(0, 10), (15, 25)]


def test_intent_is_the_emergency_label_then_any_report():
    assert rasa_peer.intent_of({"symptoms": {"seizure": "resolved"}, "emergency": True}) == "report_emergency"
    assert rasa_peer.intent_of({"symptoms": {"fever": "resolved"}, "emergency": False}) == "report_symptom"
    assert rasa_peer.intent_of({"symptoms": {"seizure": "hypothetical", "fever": "negated"}, "emergency": False}) == (
        "other"
    )
    assert rasa_peer.intent_of({"symptoms": {}, "emergency": False}) == "other"


def test_corpus_messages_become_annotated_examples_that_rasa_reads_back(extractor, token_spans, knowledge):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    messages = [
        {"text": "no fever tonight but he's  shaking", "symptoms": {"fever": "negated", "tremor": "present"}},
        {"text": "she had a seizure an hour ago", "symptoms": {"seizure": "resolved"}, "emergency": True},
        {"text": "when is the next infusion", "symptoms": {}, "emergency": False},
        {"text": "something [odd] with {him}", "symptoms": {}, "emergency": False},
        {"text": "he keeps putting the kettle in the fridge", "symptoms": {"confusion": "present"}},
    ]
    examples, counts = rasa_peer.examples_from(messages, extractor.extract, token_spans)
    assert counts["messages"] == 5 and counts["kept"] == len(examples)
    assert counts["dropped: brackets or braces in the text"] == 1
    texts = [e.text for e in examples]
    assert "no fever tonight but he's shaking" in texts  # whitespace made single
    assert "something [odd] with {him}" not in texts

    tables = rasa_peer.lookup_tables(knowledge)
    data = RasaYAMLReader().reads(rasa_peer.nlu_yaml(examples, tables))
    read = {m.get("text"): m for m in data.training_examples}
    assert set(read) == set(texts)
    fever = read["no fever tonight but he's shaking"]
    assert fever.get("intent") == "report_symptom"
    assert {(e["value"], e["entity"], e.get("role")) for e in fever.get("entities")} >= {("fever", "fever", "denied")}
    seizure = read["she had a seizure an hour ago"]
    assert seizure.get("intent") == "report_emergency"
    assert [(e["value"], e["entity"], e.get("role")) for e in seizure.get("entities")] == [
        ("seizure", "seizure", "resolved")
    ]
    assert read["when is the next infusion"].get("intent") == "other"
    assert not read["when is the next infusion"].get("entities")
    for message in data.training_examples:
        for entity in message.get("entities") or []:
            assert message.get("text")[entity["start"] : entity["end"]] == entity["value"]
    assert {t["name"] for t in data.lookup_tables} == set(tables)


def test_lookup_phrases_expand_pronouns_apostrophes_and_a_capital():
    phrases = rasa_peer.lookup_phrases(["cant wake <obj>", "burning up"])
    for phrase in ("cant wake him", "can't wake her", "Can't wake them", "burning up", "Burning up"):
        assert phrase in phrases
    assert "<obj>" not in " ".join(phrases)


def test_lookup_tables_cover_every_symptom_with_phrases_and_rasa_matches_them(knowledge):
    from rasa.nlu.utils.pattern_utils import extract_patterns
    from rasa.shared.nlu.training_data.training_data import TrainingData

    tables = rasa_peer.lookup_tables(knowledge)
    with_phrases = {s.id for s in knowledge.symptoms.values() if s.phrases or s.red_flag_phrases}
    assert set(tables) == with_phrases
    assert "Burning up" in tables["fever"] and "seizure" in tables["seizure"]

    patterns = extract_patterns(TrainingData(lookup_tables=[{"name": n, "elements": e} for n, e in tables.items()]))
    regex = {p["name"]: re.compile(p["pattern"]) for p in patterns}
    assert regex["trouble_breathing"].search("he can't breathe properly")
    assert regex["fever"].search("Burning up since lunch")
    assert not regex["fever"].search("he is fine")


def test_the_peer_data_files_name_its_intents_roles_and_pipeline():
    import yaml

    domain = yaml.safe_load(rasa_peer.domain_yaml(["fever", "seizure"]))
    assert domain["intents"] == ["report_emergency", "report_symptom", "other"]
    assert domain["entities"] == [{s: {"roles": ["denied", "hypothetical", "resolved"]}} for s in ("fever", "seizure")]
    config = rasa_peer.rasa_default_config(epochs=7)
    names = [c["name"] for c in config["pipeline"]]
    assert names[:2] == ["WhitespaceTokenizer", "RegexFeaturizer"] and "DIETClassifier" in names
    diet = next(c for c in config["pipeline"] if c["name"] == "DIETClassifier")
    assert diet["epochs"] == 7
    regex_featurizer = next(c for c in config["pipeline"] if c["name"] == "RegexFeaturizer")
    assert regex_featurizer.get("use_lookup_tables", True)


def test_nlu_yaml_annotates_roles_and_plain_entities():
    example = PeerExample(
        "no fever, still shaking", "report_symptom", (Entity(3, 8, "fever", "denied"), Entity(16, 23, "chills"))
    )
    assert rasa_peer.annotate(example.text, example.entities) == (
        'no [fever]{"entity": "fever", "role": "denied"}, still [shaking](chills)'
    )


def parse(intent="report_symptom", *entities):
    return {"intent": {"name": intent}, "entities": [dict(e) for e in entities]}


def test_a_parse_becomes_an_extraction_by_role(knowledge):
    extraction = rasa_peer.extraction_from_parse(
        parse(
            "report_symptom",
            {"entity": "chills", "start": 0, "end": 7, "value": "shaking"},
            {"entity": "fever", "role": "denied", "value": "fever"},
            {"entity": "seizure", "role": "hypothetical", "value": "fit"},
            {"entity": "headache", "role": "resolved", "value": "head"},
            {"entity": "not_a_symptom", "value": "x"},
        ),
        knowledge.symptoms,
    )
    assert extraction.present_ids() == {"chills", "headache"}
    assert extraction.negated_ids() == {"fever"}
    assert not extraction.emergency_described
    # A hypothetical seizure is a question, not a report: no emergency.
    assert triage(extraction.reports, knowledge=knowledge).urgency != "emergency"


def test_the_emergency_intent_and_an_emergency_symptom_make_an_emergency(knowledge):
    by_intent = rasa_peer.extraction_from_parse(parse("report_emergency"), knowledge.symptoms)
    assert by_intent.emergency_described
    result = triage(by_intent.reports, knowledge=knowledge, emergency_described=by_intent.emergency_described)
    assert result.urgency == "emergency"
    by_symptom = rasa_peer.extraction_from_parse(parse("report_symptom", {"entity": "seizure"}), knowledge.symptoms)
    assert triage(by_symptom.reports, knowledge=knowledge).urgency == "emergency"
    calm = rasa_peer.extraction_from_parse(parse("nlu_fallback", {"entity": "rash"}), knowledge.symptoms)
    assert triage(calm.reports, knowledge=knowledge, emergency_described=calm.emergency_described).urgency != (
        "emergency"
    )
