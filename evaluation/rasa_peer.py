"""The side-by-side peer a Rasa team would build: Rasa's default pipeline (the config `rasa init`
writes) trained with `rasa train nlu` on the recognition corpus's training split, with the symptoms
annotated as entities for DIET and the knowledge base's phrases as lookup tables.

    .venv/bin/python -m evaluation.rasa_peer build     # models/peer/: nlu.yml, domain.yml, config.yml, build.json

`make peer` builds the data and trains models/peer.tar.gz; `evaluation.recognition` scores it as a
layer beside the project's recogniser (docs/performance.md, "Recognition by layer").

How the corpus becomes Rasa NLU data, as Rasa's documentation teaches it:
- Entities: one entity type per symptom id (`fever`, `seizure`...), so that DIET learns which
  symptom a span is, also for words it never saw; a synonym table could only map spans seen in
  training onto an id. The corpus labels messages, not spans: each labelled symptom's span is where
  the project's lexicon (SymptomExtractor.extract, with readings off home devices) finds it,
  widened to whole tokens of Rasa's WhitespaceTokenizer. A message is kept only if every symptom
  it is labelled with is located (or it has none); the lexicon's finds that the label does not
  list stay plain text.
- Assertion as entity roles (Rasa's "entity roles"): `denied` for a negated mention,
  `hypothetical` for a question about what could happen, `resolved` for one that happened and
  stopped; a present mention has no role.
- Emergency as an intent: `report_emergency` (the label says emergency), `report_symptom` (a
  present or resolved symptom), `other` (nothing reported: questions, logistics, denials only).
- The pipeline: the default one (`rasa init` writes it commented out; Rasa fills it in from its
  default config), written out with one change: DIETClassifier trains for DIET_EPOCHS epochs
  instead of 100. An epoch over the peer's 3,500 messages costs about 134 CPU seconds here (its
  transformer, and CRFs over 53 symptom entities and their roles), so 100 epochs would take hours;
  the peer is to train in about 15 minutes on 2 cores (docs/performance.md, "The Rasa peer").
- Lookup tables: one per symptom id, from its phrases and red-flag phrases in
  bot/triage/knowledge/symptoms.yml. They act through the default pipeline's RegexFeaturizer
  (`use_lookup_tables` is on by default) as features for DIET, as the documentation recommends for
  entities a model should learn; RegexEntityExtractor, which returns exact matches only, is meant
  for entities of a deterministic structure and would be the lexicon again. The featurizer is
  case-sensitive by default, so each phrase is also listed with a capital first letter, and with
  the apostrophes people type ("cant" and "can't").
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot import REPO_ROOT
from bot.triage.knowledge import Knowledge, load_knowledge
from bot.triage.recognition import learned
from bot.triage.recognition.matching import expand
from bot.triage.recognition.mentions import Extraction, Mention

PEER_DIR = REPO_ROOT / "models" / "peer"
PEER_MODEL = REPO_ROOT / "models" / "peer.tar.gz"
PEER_SECONDS = REPO_ROOT / "models" / "peer.train_seconds"

EMERGENCY_INTENT = "report_emergency"
SYMPTOM_INTENT = "report_symptom"
OTHER_INTENT = "other"
INTENTS = (EMERGENCY_INTENT, SYMPTOM_INTENT, OTHER_INTENT)
DENIED = "denied"
HYPOTHETICAL = "hypothetical"
RESOLVED = "resolved"
ROLE_OF = {"present": None, "negated": DENIED, "hypothetical": HYPOTHETICAL, "resolved": RESOLVED}
ROLES = (DENIED, HYPOTHETICAL, RESOLVED)
# DIETClassifier's epochs (the default pipeline has 100): see the module's docstring.
DIET_EPOCHS = 12
REPORTED = ("present", "resolved")
# Characters that Rasa's YAML annotation syntax uses: a message with one is not annotated.
ANNOTATION_CHARACTERS = set("[]{}")
# Words the knowledge base writes without their apostrophe (it matches on NORM), as people also type them.
APOSTROPHES = {
    "cant": "can't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "wont": "won't",
    "isnt": "isn't",
    "couldnt": "couldn't",
    "hes": "he's",
    "shes": "she's",
    "im": "i'm",
    "its": "it's",
}

TokenSpans = Callable[[str], List[Tuple[int, int]]]


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    entity: str
    role: Optional[str] = None


@dataclass(frozen=True)
class PeerExample:
    text: str
    intent: str
    entities: Tuple[Entity, ...]


# ---------------------------------------------------------------- training data


def intent_of(message: dict) -> str:
    if message.get("emergency"):
        return EMERGENCY_INTENT
    if any(a in REPORTED for a in (message.get("symptoms") or {}).values()):
        return SYMPTOM_INTENT
    return OTHER_INTENT


def whitespace_token_spans() -> TokenSpans:
    """(start, end) of each token as the pipeline's WhitespaceTokenizer cuts the text: an entity
    must start and end on its tokens' edges."""
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())

    def spans(text: str) -> List[Tuple[int, int]]:
        return [(t.start, t.end) for t in tokenizer.tokenize(Message(data={"text": text}), "text")]

    return spans


def snap(start: int, end: int, tokens: Sequence[Tuple[int, int]]) -> Optional[Tuple[int, int]]:
    """The character span widened to the whole tokens it touches; None if it touches none."""
    touched = [(s, e) for s, e in tokens if s < end and e > start]
    if not touched:
        return None
    return touched[0][0], touched[-1][1]


def locate(
    message: dict, mentions: Iterable[Mention], tokens: Sequence[Tuple[int, int]]
) -> Optional[Tuple[Entity, ...]]:
    """The entities of a labelled message: every mention of a labelled symptom, on token edges, with
    the label's role. None when a labelled symptom has no mention (the message is not used)."""
    labels: Dict[str, str] = message.get("symptoms") or {}
    candidates = []
    for symptom_id, assertion in labels.items():
        spans = [snap(m.start, m.end, tokens) for m in mentions if m.symptom_id == symptom_id and m.end > m.start]
        spans = [s for s in spans if s is not None]
        if not spans:
            return None
        candidates += [Entity(s, e, symptom_id, ROLE_OF[assertion]) for s, e in set(spans)]
    # Rasa allows no overlapping entities: the longest wins, then the first.
    chosen: List[Entity] = []
    for entity in sorted(candidates, key=lambda e: (-(e.end - e.start), e.start, e.entity)):
        if all(entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    if {e.entity for e in chosen} != set(labels):
        return None
    return tuple(sorted(chosen, key=lambda e: e.start))


def annotate(text: str, entities: Sequence[Entity]) -> str:
    """The message in Rasa's YAML annotation: [span](entity), or [span]{"entity": ..., "role": ...}."""
    parts, position = [], 0
    for entity in sorted(entities, key=lambda e: e.start):
        parts.append(text[position : entity.start])
        span = text[entity.start : entity.end]
        if entity.role:
            parts.append(f"[{span}]" + json.dumps({"entity": entity.entity, "role": entity.role}))
        else:
            parts.append(f"[{span}]({entity.entity})")
        position = entity.end
    parts.append(text[position:])
    return "".join(parts)


def examples_from(
    messages: Iterable[dict], extract: Callable[[str], Extraction], token_spans: TokenSpans
) -> Tuple[List[PeerExample], Counter]:
    """The messages that can be annotated, and a count of what happened to each."""
    examples, counts = [], Counter()
    for message in messages:
        text = " ".join(message["text"].split())
        counts["messages"] += 1
        if ANNOTATION_CHARACTERS & set(text):
            counts["dropped: brackets or braces in the text"] += 1
            continue
        entities = locate(message, extract(text).mentions, token_spans(text))
        if entities is None:
            counts["dropped: a labelled symptom not located"] += 1
            continue
        counts["kept"] += 1
        examples.append(PeerExample(text, intent_of(message), entities))
    return examples, counts


def lookup_phrases(phrases: Iterable[str]) -> List[str]:
    """A symptom's phrases as a lookup table: <obj> expanded, apostrophes as typed, a capital first."""
    variants = set()
    for phrase in expand(phrases):
        words = phrase.split()
        for form in (words, [APOSTROPHES.get(w, w) for w in words]):
            written = " ".join(form)
            variants.update({written, written[:1].upper() + written[1:]})
    return sorted(variants)


def lookup_tables(knowledge: Knowledge) -> Dict[str, List[str]]:
    return {
        symptom.id: lookup_phrases(list(symptom.phrases) + list(symptom.red_flag_phrases))
        for symptom in knowledge.symptoms.values()
        if symptom.phrases or symptom.red_flag_phrases
    }


class LiteralBlock(str):
    """A string that YAML writes as a literal block (Rasa's `examples: |`)."""


def _literal(dumper: yaml.SafeDumper, data: LiteralBlock) -> yaml.nodes.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(LiteralBlock, _literal)


def nlu_yaml(examples: Sequence[PeerExample], tables: Dict[str, List[str]]) -> str:
    nlu: List[dict] = []
    for intent in INTENTS:
        lines = [annotate(e.text, e.entities) for e in examples if e.intent == intent]
        if lines:
            nlu.append({"intent": intent, "examples": LiteralBlock("".join(f"- {line}\n" for line in lines))})
    for name, phrases in tables.items():
        nlu.append({"lookup": name, "examples": LiteralBlock("".join(f"- {p}\n" for p in phrases))})
    return yaml.dump({"version": "3.1", "nlu": nlu}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


def domain_yaml(symptom_ids: Iterable[str]) -> str:
    entities = [{s: {"roles": list(ROLES)}} for s in sorted(symptom_ids)]
    return yaml.safe_dump({"version": "3.1", "intents": list(INTENTS), "entities": entities}, sort_keys=False)


def rasa_default_config(epochs: int = DIET_EPOCHS) -> dict:
    """The NLU pipeline Rasa trains when a config names none (as the one `rasa init` writes), from
    the installed Rasa, with DIETClassifier's epochs set."""
    rasa_dir = Path(importlib.util.find_spec("rasa").origin).parent
    default = yaml.safe_load((rasa_dir / "engine" / "recipes" / "config_files" / "default_config.yml").read_text())
    pipeline = [dict(c, epochs=epochs) if c["name"] == "DIETClassifier" else c for c in default["pipeline"]]
    return {
        "recipe": default["recipe"],
        "assistant_id": "side_by_side_peer",
        "language": default["language"],
        "pipeline": pipeline,
        "policies": [],
    }


def build(out_dir: Path = PEER_DIR, log: Callable[[str], None] = print) -> Counter:
    from bot.triage.recognition.extractor import SymptomExtractor

    knowledge = load_knowledge()
    extractor = SymptomExtractor(knowledge)
    examples, counts = examples_from(learned.split_messages("training"), extractor.extract, whitespace_token_spans())
    tables = lookup_tables(knowledge)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "nlu.yml").write_text(nlu_yaml(examples, tables), encoding="utf-8")
    (out_dir / "domain.yml").write_text(domain_yaml(knowledge.symptoms), encoding="utf-8")
    (out_dir / "config.yml").write_text(yaml.safe_dump(rasa_default_config(), sort_keys=False), encoding="utf-8")
    counts.update(f"intent {e.intent}" for e in examples)
    counts.update(f"entities with role {e.role or 'none'}" for x in examples for e in x.entities)
    counts["lookup tables"] = len(tables)
    counts["lookup phrases"] = sum(len(p) for p in tables.values())
    (out_dir / "build.json").write_text(json.dumps(dict(sorted(counts.items())), indent=2) + "\n", encoding="utf-8")
    for key, value in sorted(counts.items()):
        log(f"{key}: {value}")
    return counts


# ---------------------------------------------------------------- the trained peer, as a layer


def _mention(symptom_id: str, text: str, start: int, end: int, assertion: str) -> Optional[Mention]:
    """A Mention with its assertion, whichever way Mention records it: an `assertion` field, or only
    `negated` (then a hypothetical mention, neither report nor denial, is left out)."""
    if "assertion" in {f.name for f in fields(Mention)}:
        return Mention(symptom_id=symptom_id, text=text, start=start, end=end, red_flag=False, assertion=assertion)
    if assertion == "hypothetical":
        return None
    return Mention(
        symptom_id=symptom_id, text=text, start=start, end=end, red_flag=False, negated=assertion == "negated"
    )


ASSERTION_OF = {None: "present", DENIED: "negated", HYPOTHETICAL: "hypothetical", RESOLVED: "resolved"}


def extraction_from_parse(parse: dict, symptom_ids: Iterable[str]) -> Extraction:
    """What the peer's parse says, in the terms the other layers are scored in: each symptom entity
    is a mention, asserted by its role (none: present; `denied`: negated; `hypothetical`: a question,
    not a report; `resolved`: happened and stopped, a report), and the intent `report_emergency` is
    an emergency described (a symptom whose urgency is emergency, such as a seizure, makes one
    through the triage, as for every layer)."""
    known = set(symptom_ids)
    mentions = [
        _mention(e["entity"], e.get("value") or "", e.get("start", 0), e.get("end", 0), ASSERTION_OF.get(e.get("role")))
        for e in parse.get("entities") or []
        if e.get("entity") in known and e.get("role") in ASSERTION_OF
    ]
    return Extraction(
        mentions=tuple(m for m in mentions if m is not None),
        temperatures=(),
        therapies=(),
        days_since_treatment=None,
        caregiver=False,
        emergency_described=(parse.get("intent") or {}).get("name") == EMERGENCY_INTENT,
    )


class RasaPeer:
    """models/peer.tar.gz loaded once with Rasa's Agent; `extract` parses one message."""

    def __init__(self, model: Path = PEER_MODEL, knowledge: Optional[Knowledge] = None) -> None:
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        # Rasa logs every parse, message text included, at debug level unless its CLI configured
        # the logging: no message of a blind set may be printed.
        configure_structlog(logging.WARNING)
        self.symptom_ids = set((knowledge or load_knowledge()).symptoms)
        self.loop = asyncio.new_event_loop()
        self.agent = Agent.load(str(model))

    def parse(self, text: str) -> dict:
        return self.loop.run_until_complete(self.agent.parse_message(text))

    def extract(self, text: str) -> Extraction:
        return extraction_from_parse(self.parse(text), self.symptom_ids)


def training_seconds(path: Path = PEER_SECONDS) -> Optional[str]:
    """The recorded `rasa train nlu` time (ops/timed.sh), as written."""
    return " ".join(path.read_text(encoding="utf-8").split()) if path.exists() else None


def main(argv: List[str]) -> int:
    if argv[:1] == ["build"]:
        build(Path(argv[1]) if len(argv) > 1 else PEER_DIR)
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
