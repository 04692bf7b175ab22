"""The recognition corpus is reviewed like code: valid labels, the knowledge base's ids, a split by
source, and no test message (or a near copy of one) in training or validation."""

import re
from collections import Counter, defaultdict

import pytest
import yaml

from bot import REPO_ROOT
from bot.triage.recognition import learned

LABELS = yaml.safe_load((REPO_ROOT / "data" / "recognition" / "labels.yml").read_text(encoding="utf-8"))
SPLITS = yaml.safe_load(learned.SPLITS.read_text(encoding="utf-8"))
VOICES = sorted(p.name for p in learned.CORPUS_DIR.iterdir() if p.is_dir())
WORD = re.compile(r"[a-z0-9]+")
NEAR_COPY = 0.85  # share of words in common (Jaccard) that makes two messages one


def raw_messages(voice):
    for part in sorted((learned.CORPUS_DIR / voice).glob("part_*.yml")):
        yield from yaml.safe_load(part.read_text(encoding="utf-8"))["messages"]


def words(text):
    return frozenset(WORD.findall(text.lower()))


def test_the_labels_are_the_knowledge_bases_symptom_ids(knowledge):
    assert set(LABELS["symptoms"]) == set(knowledge.symptoms)


@pytest.mark.parametrize("voice", VOICES)
def test_every_message_is_labelled_with_known_ids_and_assertions(voice):
    for message in raw_messages(voice):
        assert isinstance(message["text"], str) and message["text"].strip(), message
        assert isinstance(message["emergency"], bool), message["text"]
        for symptom, assertion in (message.get("symptoms") or {}).items():
            assert symptom in LABELS["symptoms"], (message["text"], symptom)
            assert assertion in LABELS["assertions"], (message["text"], assertion)


def test_a_hypothetical_question_is_never_labelled_an_emergency_on_its_own():
    for voice in VOICES:
        for message in raw_messages(voice):
            assertions = set((message.get("symptoms") or {}).values())
            if message["emergency"]:
                assert assertions & {"present", "resolved"}, (voice, message["text"])


def test_every_voice_is_in_exactly_one_split():
    placed = Counter(voice for split in ("training", "validation") for voice in SPLITS[split])
    assert set(placed) == set(VOICES) and set(placed.values()) == {1}


def test_the_corpus_is_large_and_covers_every_symptom_and_emergency():
    messages = [m for voice in VOICES for m in raw_messages(voice)]
    assert len(messages) >= 6000
    reported = Counter(s for m in messages for s, a in (m.get("symptoms") or {}).items())
    assert {s: reported[s] for s in LABELS["symptoms"] if reported[s] < 80} == {}
    assert sum(m["emergency"] for m in messages) >= 60 * len(LABELS["emergency_presentations"])
    assert set(Counter(a for m in messages for a in (m.get("symptoms") or {}).values())) == set(LABELS["assertions"])


def test_no_test_message_or_near_copy_is_in_training_or_validation():
    corpus = {}
    for voice in VOICES:
        for message in raw_messages(voice):
            corpus.setdefault(words(message["text"]), message["text"])
    by_word = defaultdict(list)
    for word_set in corpus:
        for word in word_set:
            by_word[word].append(word_set)
    tests = []
    for path in sorted((REPO_ROOT / "tests" / "data").rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = content.get("messages") or content.get("vignettes") or content.get("examples") or []
        tests += [(path.name, item["text"]) for item in items if isinstance(item, dict) and item.get("text")]
    assert len(tests) > 600
    copies = []
    for name, text in tests:
        test_words = words(text)
        candidates = {c for word in test_words for c in by_word.get(word, ()) if len(c) * 2 >= len(test_words)}
        for candidate in candidates:
            if len(test_words & candidate) / len(test_words | candidate) >= NEAR_COPY:
                copies.append(f"{name}: {text!r} ~ {corpus[candidate]!r}")
    assert copies == []
