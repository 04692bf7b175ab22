"""The knowledge base: what the patient-education documents say, loaded from the YAML beside this file.

Everything the assistant tells people about side effects comes from here, and every quote here
carries the id of the document it comes from. The loader checks that ids refer to each other
consistently, so that a typo in the data fails at start-up rather than in a conversation.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import yaml

from bot import REPO_ROOT

KNOWLEDGE_DIR = Path(__file__).resolve().parent
URGENCY_LEVELS = ("none", "routine", "urgent", "emergency")
# A caregiver check's answers, as domain.yml's check slots hold them, in the order they are read.
CHECK_NOT_SURE, CHECK_CHANGED, CHECK_UNCHANGED = "not_sure", "changed", "unchanged"
CHECK_ANSWERS = (CHECK_NOT_SURE, CHECK_CHANGED, CHECK_UNCHANGED)
ANY_THERAPY = "any"


# Therapy ids that name a class of treatment rather than a product.
GENERIC_THERAPY_IDS = frozenset({"car_t", "bispecific"})


def most_specific_therapy(therapy_ids: Sequence[str]) -> Optional[str]:
    """The first product named, else the first class named ("cilta-cel" beats "CAR-T")."""
    specific = [t for t in therapy_ids if t not in GENERIC_THERAPY_IDS]
    return (specific or list(therapy_ids) or [None])[0]


def default_sources_dir() -> Path:
    """Where the source documents live: $TRIAGE_SOURCES_DIR, else ../shared/sources."""
    configured = os.environ.get("TRIAGE_SOURCES_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "sources"


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    publisher: str
    title: str
    last_revised: Optional[str]

    def citation(self) -> str:
        """Short citation for a chat reply: publisher and title."""
        return f"{self.publisher}, “{self.title}”"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "last_revised": self.last_revised,
        }


@dataclass(frozen=True)
class Therapy:
    id: str
    label: str
    kind: str
    names: Tuple[str, ...]
    source: str


@dataclass(frozen=True)
class RightAwayReporting:
    """A kind of treatment after which a document asks for any side effect to be reported right away."""

    kind: str
    source: str
    quote: str


@dataclass(frozen=True)
class ListItem:
    quote: str
    symptoms: Tuple[str, ...]
    group: str


@dataclass(frozen=True)
class SideEffectList:
    """One list of side effects in one document, for the treatments it is about."""

    id: str
    source: str
    applies_to: Tuple[str, ...]
    group: str
    described_as: str
    quote: str
    items: Tuple[ListItem, ...]
    guidance: Tuple[str, ...] = ()
    missing: bool = False

    def is_about(self, therapy: Optional["Therapy"]) -> bool:
        """Whether the list speaks about this therapy (by id or kind); `any` lists always do."""
        if ANY_THERAPY in self.applies_to:
            return True
        if therapy is None:
            return False
        return therapy.id in self.applies_to or therapy.kind in self.applies_to


@dataclass(frozen=True)
class Listing:
    """A symptom named by one item of a document's side-effect list."""

    list: SideEffectList
    item: ListItem


@dataclass(frozen=True)
class Symptom:
    id: str
    label: str
    urgency: str
    phrases: Tuple[str, ...]
    red_flag_phrases: Tuple[str, ...]
    severe_is_red_flag: bool
    extra_groups: Tuple[str, ...]
    listings: Tuple[Listing, ...] = ()
    anchor: Optional[str] = None  # the clinical source of the rule, for a symptom no document names
    # Phrases listed under another symptom that name this one too ("sickness": nausea and vomiting).
    shared_phrases: Tuple[str, ...] = ()

    @property
    def groups(self) -> Tuple[str, ...]:
        found = {listing.item.group for listing in self.listings} | set(self.extra_groups)
        return tuple(sorted(found))

    @property
    def therapies(self) -> Tuple[str, ...]:
        """Therapy ids or kinds whose lists name this symptom."""
        found = {t for listing in self.listings for t in listing.list.applies_to}
        return tuple(sorted(found))


@dataclass(frozen=True)
class Guidance:
    id: str
    source: str
    applies_to: Tuple[str, ...]
    quote: str
    when_group: Optional[str] = None
    context: Optional[str] = None


@dataclass(frozen=True)
class TopicQuote:
    source: str
    quote: str
    context: Optional[str] = None  # what a quote that opens by referring back ("This treatment") is about


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    quotes: Tuple[TopicQuote, ...]


@dataclass(frozen=True)
class Helpline:
    id: str
    name: str
    phone: str
    source: str
    quote: str
    hours_quote: Optional[str] = None


@dataclass(frozen=True)
class RedFlagEntry:
    """One presentation the assistant calls an emergency, as a triage nurse would name it, with the
    clinical anchor that justifies it and the rules that recognise it (red_flag_catalogue.yml):
    symptoms whose own red-flag rules do, red-flag combinations and NEWS2 red bands, by id."""

    id: str
    title: str
    anchor: str
    symptoms: Tuple[str, ...] = ()
    combinations: Tuple[str, ...] = ()
    vital_signs: Tuple[str, ...] = ()


# The related_symptoms key for a report in which no symptom could be matched.
NOTHING_RECOGNISED = "nothing_recognised"


@dataclass(frozen=True)
class CaregiverCheck:
    """One plain-language check of a nervous-system change; `symptom` is what a change reports."""

    slot: str
    symptom: str
    change: str


@dataclass(frozen=True)
class FollowUp:
    related_symptoms: Dict[str, Tuple[str, ...]]
    asked_as: Dict[str, str]
    caregiver_checks: Tuple[CaregiverCheck, ...]
    # The words that open an answer to a caregiver check, by the answer they give (not_sure first).
    check_answers: Dict[str, Tuple[str, ...]]


@dataclass(frozen=True)
class Knowledge:
    sources: Dict[str, Source]
    therapies: Dict[str, Therapy]
    therapy_kinds: Dict[str, str]
    groups: Dict[str, str]
    lists: Tuple[SideEffectList, ...]
    symptoms: Dict[str, Symptom]
    guidance: Tuple[Guidance, ...]
    topics: Dict[str, Topic]
    helplines: Tuple[Helpline, ...]
    follow_up: FollowUp
    language: dict = field(repr=False)
    vital_signs: dict = field(repr=False, default_factory=dict)
    compositions: Tuple[dict, ...] = field(repr=False, default=())
    # Sets of symptom ids that together are an emergency (red_flag_combinations.yml).
    red_flag_combinations: Tuple[FrozenSet[str], ...] = ()
    # The same sets by their ids, which the red-flag catalogue names.
    red_flag_combinations_by_id: Dict[str, FrozenSet[str]] = field(repr=False, default_factory=dict)
    red_flag_catalogue: Tuple[RedFlagEntry, ...] = ()
    # Therapy kinds after which any side effect is reported right away, by kind (therapies.yml).
    report_right_away: Dict[str, RightAwayReporting] = field(default_factory=dict)

    def therapy_kind_label(self, therapy_or_kind: str) -> str:
        if therapy_or_kind in self.therapy_kinds:
            return self.therapy_kinds[therapy_or_kind]
        if therapy_or_kind in self.therapies:
            return self.therapies[therapy_or_kind].label
        return therapy_or_kind

    def quoted_texts(self) -> List[Tuple[str, str]]:
        """Every (source id, quote) pair in the knowledge base, for the quote check."""
        pairs: List[Tuple[str, str]] = []
        for side_effect_list in self.lists:
            pairs.append((side_effect_list.source, side_effect_list.quote))
            pairs.extend((side_effect_list.source, item.quote) for item in side_effect_list.items)
            pairs.extend((side_effect_list.source, quote) for quote in side_effect_list.guidance)
        pairs.extend((g.source, g.quote) for g in self.guidance)
        for topic in self.topics.values():
            pairs.extend((q.source, q.quote) for q in topic.quotes)
        for helpline in self.helplines:
            pairs.append((helpline.source, helpline.quote))
            if helpline.hours_quote:
                pairs.append((helpline.source, helpline.hours_quote))
        pairs.extend((r.source, r.quote) for r in self.report_right_away.values())
        return pairs

    def lists_naming(self, symptom_id: str) -> FrozenSet[str]:
        return frozenset(listing.list.id for listing in self.symptoms[symptom_id].listings)


def _read(name: str) -> dict:
    with open(KNOWLEDGE_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class KnowledgeError(ValueError):
    """The knowledge files refer to an id that does not exist, or repeat one."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise KnowledgeError(message)


@functools.lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """Load and cross-check the knowledge base (cached: it is read once per process)."""
    sources = {s["id"]: Source(**s) for s in _read("sources.yml")["sources"]}

    therapy_data = _read("therapies.yml")
    kinds = dict(therapy_data["kinds"])
    therapies = {}
    for raw in therapy_data["therapies"]:
        therapy = Therapy(
            id=raw["id"],
            label=raw["label"],
            kind=raw["kind"],
            names=tuple(raw["names"]),
            source=raw["source"],
        )
        _check(therapy.id not in therapies, f"therapy {therapy.id} is listed twice")
        _check(therapy.kind in kinds, f"therapy {therapy.id} has unknown kind {therapy.kind}")
        _check(therapy.source in sources, f"therapy {therapy.id} cites unknown source {therapy.source}")
        therapies[therapy.id] = therapy
    report_right_away = _read_report_right_away(therapy_data["report_right_away"], kinds, sources)

    list_data = _read("side_effect_lists.yml")
    groups = dict(list_data["groups"])
    known_targets = set(therapies) | set(kinds) | {ANY_THERAPY}
    raw_symptoms = _read("symptoms.yml")["symptoms"]
    symptom_ids = [raw["id"] for raw in raw_symptoms]
    _check(len(symptom_ids) == len(set(symptom_ids)), "a symptom id is listed twice")

    lists = []
    listings: Dict[str, List[Listing]] = {sid: [] for sid in symptom_ids}
    for raw in list_data["lists"]:
        _check(raw["source"] in sources, f"list {raw['id']} cites unknown source {raw['source']}")
        _check(raw["group"] in groups, f"list {raw['id']} has unknown group {raw['group']}")
        for target in raw["applies_to"]:
            _check(target in known_targets, f"list {raw['id']} applies to unknown {target}")
        items = []
        for item in raw["items"]:
            group = item.get("group", raw["group"])
            _check(group in groups, f"list {raw['id']} item has unknown group {group}")
            items.append(ListItem(quote=item["quote"], symptoms=tuple(item["symptoms"]), group=group))
        side_effect_list = SideEffectList(
            id=raw["id"],
            source=raw["source"],
            applies_to=tuple(raw["applies_to"]),
            group=raw["group"],
            described_as=raw["described_as"],
            quote=raw["quote"],
            items=tuple(items),
            guidance=tuple(raw.get("guidance", [])),
            missing=bool(raw.get("missing", False)),
        )
        lists.append(side_effect_list)
        for item in side_effect_list.items:
            for symptom_id in item.symptoms:
                _check(symptom_id in listings, f"list {raw['id']} names unknown symptom {symptom_id}")
                listings[symptom_id].append(Listing(list=side_effect_list, item=item))

    symptoms = {}
    for raw in raw_symptoms:
        _check(raw["urgency"] in URGENCY_LEVELS, f"symptom {raw['id']} has unknown urgency")
        extra_groups = tuple(raw.get("extra_groups", []))
        for group in extra_groups:
            _check(group in groups, f"symptom {raw['id']} has unknown group {group}")
        symptoms[raw["id"]] = Symptom(
            id=raw["id"],
            label=raw["label"],
            urgency=raw["urgency"],
            phrases=tuple(raw.get("phrases", [])),
            red_flag_phrases=tuple(raw.get("red_flag_phrases", [])),
            severe_is_red_flag=bool(raw.get("severe_is_red_flag", False)),
            extra_groups=extra_groups,
            listings=tuple(listings[raw["id"]]),
            anchor=raw.get("anchor"),
            shared_phrases=tuple(raw.get("shared_phrases", [])),
        )
    for symptom in symptoms.values():
        for phrase in symptom.shared_phrases:
            owners = [s.id for s in symptoms.values() if phrase in s.phrases and s.id != symptom.id]
            _check(bool(owners), f"symptom {symptom.id} shares {phrase!r}, which no other symptom lists")

    advice = _read("advice.yml")
    guidance = tuple(
        Guidance(
            id=g["id"],
            source=g["source"],
            applies_to=tuple(g["applies_to"]),
            quote=g["quote"],
            when_group=g.get("when_group"),
            context=g.get("context"),
        )
        for g in advice["guidance"]
    )
    for g in guidance:
        _check(g.source in sources, f"guidance {g.id} cites unknown source {g.source}")
        for target in g.applies_to:
            _check(target in known_targets, f"guidance {g.id} applies to unknown {target}")
    topics = {
        topic_id: Topic(
            id=topic_id,
            label=raw["label"],
            quotes=tuple(
                TopicQuote(source=q["source"], quote=q["quote"], context=q.get("context")) for q in raw["quotes"]
            ),
        )
        for topic_id, raw in advice["topics"].items()
    }
    helplines = tuple(Helpline(**h) for h in advice["helplines"])

    follow_up = _read_follow_up(groups, symptoms)
    vital_signs = _read("vital_signs.yml")
    emergency_bands = []
    for name, sign in vital_signs["signs"].items():
        for band in sign["bands"]:
            _check(band["symptom"] in symptoms, f"vital sign {name} names unknown symptom {band['symptom']}")
            _check(bool(band.get("anchor")), f"a band of vital sign {name} has no clinical anchor")
            if band.get("emergency"):
                _check(bool(band.get("id")), f"an emergency band of vital sign {name} has no id")
                emergency_bands.append(band["id"])
    _check(len(emergency_bands) == len(set(emergency_bands)), "an emergency band id is used twice")

    compositions = tuple(_read("compositions.yml")["rules"])
    for rule in compositions:
        symptom = symptoms.get(rule["symptom"])
        _check(symptom is not None, f"a compositional rule names unknown symptom {rule['symptom']}")
        _check(
            not rule["red_flag"]
            or symptom.urgency == "emergency"
            or bool(symptom.red_flag_phrases)
            or bool(rule.get("anchor")),
            f"the compositional rule for {rule['symptom']} is a red flag with no clinical anchor",
        )
    combinations: Dict[str, FrozenSet[str]] = {}
    for combination in _read("red_flag_combinations.yml")["combinations"]:
        unknown = [s for s in combination["symptoms"] if s not in symptoms]
        _check(not unknown, f"a red-flag combination names unknown symptoms {unknown}")
        _check(bool(combination.get("anchor")), f"the red-flag combination {combination['symptoms']} has no anchor")
        _check(
            combination.get("id") not in (None, *combinations),
            f"the red-flag combination {combination['symptoms']} has no id, or one already used",
        )
        combinations[combination["id"]] = frozenset(combination["symptoms"])
    catalogue = _read_red_flag_catalogue(symptoms, compositions, combinations, emergency_bands)

    return Knowledge(
        sources=sources,
        therapies=therapies,
        therapy_kinds=kinds,
        groups=groups,
        lists=tuple(lists),
        symptoms=symptoms,
        guidance=guidance,
        topics=topics,
        helplines=helplines,
        follow_up=follow_up,
        language=_read("language.yml"),
        vital_signs=vital_signs,
        compositions=compositions,
        red_flag_combinations=tuple(combinations.values()),
        red_flag_combinations_by_id=combinations,
        red_flag_catalogue=catalogue,
        report_right_away=report_right_away,
    )


def _read_report_right_away(
    raw_entries: Sequence[dict], kinds: Dict[str, str], sources: Dict[str, Source]
) -> Dict[str, RightAwayReporting]:
    """therapies.yml's report_right_away: known kinds, each once, each with the document that asks."""
    entries: Dict[str, RightAwayReporting] = {}
    for raw in raw_entries:
        entry = RightAwayReporting(kind=raw["kind"], source=raw["source"], quote=raw["quote"])
        _check(entry.kind in kinds, f"report_right_away names unknown kind {entry.kind}")
        _check(entry.kind not in entries, f"report_right_away lists {entry.kind} twice")
        _check(entry.source in sources, f"report_right_away for {entry.kind} cites unknown source {entry.source}")
        _check(bool(entry.quote.strip()), f"report_right_away for {entry.kind} has no quote")
        entries[entry.kind] = entry
    return entries


def symptoms_with_red_flag_rules(symptoms: Dict[str, Symptom], compositions: Sequence[dict]) -> FrozenSet[str]:
    """Symptoms that a rule of their own makes an emergency: their urgency, a red-flag phrase, a
    severity word, or a compositional rule that is a red flag."""
    own = {s.id for s in symptoms.values() if s.urgency == "emergency" or s.red_flag_phrases or s.severe_is_red_flag}
    return frozenset(own | {rule["symptom"] for rule in compositions if rule["red_flag"]})


def _read_red_flag_catalogue(
    symptoms: Dict[str, Symptom],
    compositions: Sequence[dict],
    combinations: Dict[str, FrozenSet[str]],
    emergency_bands: Sequence[str],
) -> Tuple[RedFlagEntry, ...]:
    """The catalogue, each entry anchored and naming only rules that exist and make an emergency."""
    red_flag_symptoms = symptoms_with_red_flag_rules(symptoms, compositions)
    entries = []
    for raw in _read("red_flag_catalogue.yml")["entries"]:
        by = raw.get("recognised_by") or {}
        entry = RedFlagEntry(
            id=raw["id"],
            title=raw["title"],
            anchor=raw["anchor"],
            symptoms=tuple(by.get("symptoms", [])),
            combinations=tuple(by.get("combinations", [])),
            vital_signs=tuple(by.get("vital_signs", [])),
        )
        _check(entry.id not in {e.id for e in entries}, f"red-flag catalogue entry {entry.id} is listed twice")
        _check(bool(entry.title and entry.anchor), f"red-flag catalogue entry {entry.id} has no title or anchor")
        _check(
            bool(entry.symptoms or entry.combinations or entry.vital_signs),
            f"red-flag catalogue entry {entry.id} names no rule that recognises it",
        )
        for symptom_id in entry.symptoms:
            _check(symptom_id in symptoms, f"red-flag catalogue entry {entry.id} names unknown symptom {symptom_id}")
            _check(
                symptom_id in red_flag_symptoms,
                f"red-flag catalogue entry {entry.id} names {symptom_id}, which no red-flag rule of its own marks",
            )
        for combination_id in entry.combinations:
            _check(
                combination_id in combinations,
                f"red-flag catalogue entry {entry.id} names unknown combination {combination_id}",
            )
        for band_id in entry.vital_signs:
            _check(
                band_id in emergency_bands,
                f"red-flag catalogue entry {entry.id} names {band_id}, which is no emergency band of vital_signs.yml",
            )
        entries.append(entry)
    return tuple(entries)


def _read_follow_up(groups: Dict[str, str], symptoms: Dict[str, Symptom]) -> FollowUp:
    raw = _read("follow_up.yml")
    related = {group: tuple(ids) for group, ids in raw["related_symptoms"].items()}
    checks = tuple(CaregiverCheck(**check) for check in raw["caregiver_checks"])
    for group, ids in related.items():
        _check(group in groups or group == NOTHING_RECOGNISED, f"follow_up names unknown group {group}")
        for symptom_id in ids:
            _check(symptom_id in raw["asked_as"], f"follow_up has no plain words for {symptom_id}")
    for symptom_id in raw["asked_as"]:
        _check(symptom_id in symptoms, f"follow_up names unknown symptom {symptom_id}")
    for check in checks:
        _check(check.symptom in symptoms, f"caregiver check {check.slot} names unknown symptom {check.symptom}")
    answers = {answer: tuple(str(words).lower() for words in raw["check_answers"][answer]) for answer in CHECK_ANSWERS}
    return FollowUp(
        related_symptoms=related, asked_as=dict(raw["asked_as"]), caregiver_checks=checks, check_answers=answers
    )
