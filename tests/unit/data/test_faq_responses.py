"""The answers to the retrieval intent `faq` (data/responses/faq.yml) are reviewed like the
knowledge base: every quote is in the document its part cites, every citation names a document
of bot/triage/knowledge/sources.yml, every answer names the care team and passes the safety checker,
and the sub-intents of data/nlu/faq.yml, the responses and the test stories match one to one."""

import re
from pathlib import Path

import pytest
import yaml

from bot import REPO_ROOT
from bot.triage.knowledge import default_sources_dir, load_knowledge
from bot.triage.reply_audit import find_unsafe_phrases

RESPONSES_FILE = REPO_ROOT / "data" / "responses" / "faq.yml"
NLU_FILE = REPO_ROOT / "data" / "nlu" / "faq.yml"
RULES_FILE = REPO_ROOT / "data" / "rules" / "faq.yml"
STORIES_FILE = REPO_ROOT / "tests" / "stories" / "test_faq.yml"
DOMAIN_FILE = REPO_ROOT / "domain.yml"

CARE_TEAM_REMINDER = (
    "If you or the person you care for notices any side effect, contact the care team right away, "
    "day or night; in an emergency call emergency services (911 in the US and Canada)."
)
# The questions the documents answer that ask_what_is, ask_side_effects and ask_driving (answered
# from the knowledge base by actions) do not cover.
REQUIRED_SUB_INTENTS = {
    "car_t_products",
    "bispecific_products",
    "when_crs_happens",
    "blinatumomab_in_hospital",
    "pregnancy_immunomodulators",
    "helplines",
    "how_car_t_is_given",
}
# Answers about side effects end with the assistant's standard care-team sentence.
SIDE_EFFECT_SUB_INTENTS = {"when_crs_happens", "blinatumomab_in_hospital", "how_car_t_is_given"}
MIN_EXAMPLES = 12

# (Source: <publisher>, “<title>”)
CITATION = re.compile(r"\(Source: (?P<publisher>[^,()]+), “(?P<title>[^”]+)”\)")
QUOTE = re.compile(r"“([^”]*)”")


def normalise(text):
    """Compare texts as a reader would: curly quotes, spacing and case do not matter
    (the same normalisation as tests/unit/triage/test_knowledge.py)."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).lower()


def example_key(text):
    """Two examples are the same if they differ only in case, spacing or final punctuation."""
    return " ".join(text.lower().split()).rstrip("?!. ")


def strip_annotations(example):
    return re.sub(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))", r"\1", example)


def examples_of(nlu_file):
    """{intent: [example, ...]} of a Rasa NLU file."""
    data = yaml.safe_load(Path(nlu_file).read_text(encoding="utf-8")) or {}
    found = {}
    for item in data.get("nlu") or []:
        if "intent" not in item:
            continue
        lines = [line.strip() for line in (item.get("examples") or "").splitlines()]
        found.setdefault(item["intent"], []).extend(
            strip_annotations(line[2:].strip()) for line in lines if line.startswith("- ")
        )
    return found


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture(scope="module")
def responses():
    data = yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))
    assert str(data.get("version")) == "3.1"
    return data["responses"]


@pytest.fixture(scope="module")
def answers(responses):
    """{sub-intent: [text of each variation]}."""
    found = {}
    for key, variations in responses.items():
        assert key.startswith("utter_faq/"), key
        assert variations and all(v.get("text") for v in variations), key
        found[key[len("utter_faq/") :]] = [v["text"] for v in variations]
    return found


@pytest.fixture(scope="module")
def faq_examples():
    return {intent[len("faq/") :]: examples for intent, examples in examples_of(NLU_FILE).items()}


@pytest.fixture(scope="module")
def sources_by_citation(kb):
    return {(s.publisher, s.title): s for s in kb.sources.values()}


@pytest.fixture(scope="module")
def source_texts(kb):
    return {
        source_id: (default_sources_dir() / source.file).read_text(encoding="utf-8")
        for source_id, source in kb.sources.items()
    }


def all_texts(answers):
    return [(name, text) for name, texts in answers.items() for text in texts]


def cited_parts(text):
    """The answer cut after each citation: [(part text without its citation, citation match)],
    and what follows the last citation."""
    parts, start = [], 0
    for match in CITATION.finditer(text):
        parts.append((text[start : match.start()], match))
        start = match.end()
    return parts, text[start:]


# ------------------------------------------------------------------ sub-intents match one to one


def test_every_required_sub_intent_has_examples_and_an_answer(answers, faq_examples):
    assert REQUIRED_SUB_INTENTS <= set(faq_examples), REQUIRED_SUB_INTENTS - set(faq_examples)
    assert REQUIRED_SUB_INTENTS <= set(answers), REQUIRED_SUB_INTENTS - set(answers)


def test_every_sub_intent_has_an_answer_and_every_answer_a_sub_intent(answers, faq_examples):
    assert set(faq_examples) - set(answers) == set(), "sub-intents without an answer"
    assert set(answers) - set(faq_examples) == set(), "answers without a sub-intent"


def test_nlu_file_holds_only_the_faq_retrieval_intent():
    assert all(intent.startswith("faq/") for intent in examples_of(NLU_FILE))


# ------------------------------------------------------------------ quotes and citations


def test_every_answer_cites_a_document_of_sources_yml(answers, sources_by_citation):
    for name, text in all_texts(answers):
        citations = list(CITATION.finditer(text))
        assert citations, f"{name}: cites no document"
        for match in citations:
            key = (match["publisher"], match["title"])
            assert key in sources_by_citation, f"{name}: unknown source {key}"
        assert "(Source:" not in CITATION.sub("", text), f"{name}: a citation that is not publisher + title"


def test_every_quote_is_in_the_document_its_part_cites(answers, sources_by_citation, source_texts):
    problems = []
    for name, text in all_texts(answers):
        parts, tail = cited_parts(text)
        if QUOTE.search(tail):
            problems.append((name, "quote after the last citation", QUOTE.findall(tail)))
        for part, citation in parts:
            source = sources_by_citation.get((citation["publisher"], citation["title"]))
            if source is None:
                continue  # reported by test_every_answer_cites_a_document_of_sources_yml
            document = normalise(source_texts[source.id])
            for quote in QUOTE.findall(part):
                if not quote.strip() or normalise(quote) not in document:
                    problems.append((name, source.id, quote))
    assert not problems, problems


def test_quotes_are_copied_exactly(answers, sources_by_citation, source_texts):
    """Stricter than the reader's comparison: only line breaks and spacing may differ."""
    problems = []
    for name, text in all_texts(answers):
        parts, _ = cited_parts(text)
        for part, citation in parts:
            source = sources_by_citation.get((citation["publisher"], citation["title"]))
            if source is None:
                continue
            document = " ".join(source_texts[source.id].split())
            problems.extend((name, source.id, q) for q in QUOTE.findall(part) if " ".join(q.split()) not in document)
    assert not problems, problems


def test_quote_check_would_catch_an_invented_quote(sources_by_citation, source_texts):
    source = sources_by_citation[("American Cancer Society", "CAR T-cell Therapy and Its Side Effects")]
    assert normalise("Fever is nothing to worry about") not in normalise(source_texts[source.id])


def test_titles_and_publishers_are_those_of_sources_yml(kb, answers):
    """Every document a response cites is one of the five, by publisher and title."""
    cited = {(m["publisher"], m["title"]) for _, text in all_texts(answers) for m in CITATION.finditer(text)}
    known = {(s.publisher, s.title) for s in kb.sources.values()}
    assert cited <= known
    assert len(cited) == len(known), f"documents never cited: {known - cited}"


# ------------------------------------------------------------------ care team and safety


def test_every_answer_names_the_care_team(answers):
    for name, text in all_texts(answers):
        assert "care team" in text.lower(), name


@pytest.mark.parametrize("name", sorted(SIDE_EFFECT_SUB_INTENTS))
def test_side_effect_answers_end_with_the_care_team_reminder(answers, name):
    for text in answers[name]:
        assert text.rstrip().endswith(CARE_TEAM_REMINDER), name


def test_no_answer_diagnoses_reassures_or_advises_on_medicines(answers):
    unsafe = {name: find_unsafe_phrases(text) for name, text in all_texts(answers)}
    assert {name: found for name, found in unsafe.items() if found} == {}


def test_helplines_are_information_lines_not_the_care_team(answers):
    for text in answers["helplines"]:
        assert "1-800-227-2345" in text and "1-888-939-3333" in text
        assert "never replace your care team or emergency services" in text
        assert "911" in text


# ------------------------------------------------------------------ NLU examples


def test_enough_examples_per_sub_intent(faq_examples):
    few = {name: len(examples) for name, examples in faq_examples.items() if len(examples) < MIN_EXAMPLES}
    assert not few, few


def test_no_example_is_repeated(faq_examples):
    seen = {}
    for name, examples in faq_examples.items():
        for example in examples:
            key = example_key(example)
            assert key not in seen, f"{example!r} in {name} and {seen[key]}"
            seen[key] = name


def test_no_example_duplicates_another_nlu_file(faq_examples):
    others = {}
    for nlu_file in sorted((REPO_ROOT / "data" / "nlu").glob("*.yml")):
        if nlu_file == NLU_FILE:
            continue
        for intent, examples in examples_of(nlu_file).items():
            others.update({example_key(e): (intent, nlu_file.name) for e in examples})
    duplicates = [
        (name, example, others[example_key(example)])
        for name, examples in faq_examples.items()
        for example in examples
        if example_key(example) in others
    ]
    assert not duplicates, duplicates


# ------------------------------------------------------------------ rule, domain, test stories


def test_rule_sends_faq_to_utter_faq():
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    assert any(rule["steps"] == [{"intent": "faq"}, {"action": "utter_faq"}] for rule in rules)


def test_domain_lists_the_faq_intent():
    assert "faq" in yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["intents"]


def test_stories_cover_every_sub_intent(faq_examples):
    stories = yaml.safe_load(STORIES_FILE.read_text(encoding="utf-8"))
    assert str(stories["version"]) == "3.1"
    assert len(stories["stories"]) >= len(REQUIRED_SUB_INTENTS)
    covered = set()
    for story in stories["stories"]:
        steps = story["steps"]
        for step, following in zip(steps, steps[1:] + [{}]):
            intent = step.get("intent", "")
            if intent.startswith("faq/"):
                assert step.get("user", "").strip(), story["story"]
                assert following == {"action": "utter_faq"}, story["story"]
                covered.add(intent[len("faq/") :])
    assert covered == set(faq_examples), set(faq_examples) ^ covered
