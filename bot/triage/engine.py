"""The triage engine: from reported symptoms to an urgency, the documents' guidance, and a reply.

Plain Python with no Rasa import, so that the rules can be read and tested on their own. The rules:
a red flag is an emergency; anything on the documents' CRS or nervous-system lists, any fever,
and the other serious side effects are urgent; other listed side effects are routine. The reply
always starts with the advice for that urgency and always sends people to their care team. It
never names a diagnosis or a grade: it says which of the documents' lists name a symptom, quotes
them and cites them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bot.triage import wording
from bot.triage.knowledge import URGENCY_LEVELS, Knowledge, SideEffectList, Source, Symptom, Therapy, load_knowledge

UNCLEAR = "unclear"
# Thoughts of suicide or self-harm: an emergency whose advice is the crisis line's, not a side
# effect's (the advice's key in wording.URGENCY_ADVICE and the `urgency` slot's value for it).
CRISIS = "crisis"
CRISIS_GROUP = "safety"
MAX_LISTS_QUOTED = 3
# A CRS symptom (such as a fever) together with a nervous-system one is urgent at least.
COMBINATIONS_AT_LEAST_URGENT = frozenset({"crs", "icans"})
# Lists about the treatments this assistant is for come first when the treatment is not known.
PRIORITY_THERAPY_TARGETS = ("car_t", "bispecific_antibody", "blinatumomab", "teclistamab", "elranatamab")


# How a mention is asserted (bot/triage/recognition/assertion.py).
PRESENT, NEGATED, HYPOTHETICAL, RESOLVED = "present", "negated", "hypothetical", "resolved"
ASSERTIONS = (PRESENT, NEGATED, HYPOTHETICAL, RESOLVED)


@dataclass(frozen=True)
class SymptomReport:
    """One mention of a symptom in what someone wrote. A resolved one happened and stopped (a fit
    that stopped, a fever that broke): it counts for triage like a present one."""

    symptom_id: str
    negated: bool = False
    resolved: bool = False
    red_flag: bool = False
    text: str = ""
    value: Optional[str] = None
    worse: bool = False  # said to be getting worse, or reported again later in the conversation


@dataclass(frozen=True)
class TriagedSymptom:
    id: str
    label: str
    text: str
    negated: bool
    red_flag: bool
    groups: Tuple[str, ...]
    urgency: str
    value: Optional[str] = None
    resolved: bool = False  # happened and stopped: counts like a present symptom

    def as_dict(self) -> dict:
        result = {
            "id": self.id,
            "label": self.label,
            "text": self.text,
            "negated": self.negated,
            "resolved": self.resolved,
            "groups": list(self.groups),
            "red_flag": self.red_flag,
        }
        if self.value is not None:
            result["value"] = self.value
        return result


@dataclass(frozen=True)
class GuidanceLine:
    """One line of what the documents say. `entry`: the knowledge entry it quotes (a list id or a
    guidance id), so that a reviewer or a test can check it applies to the treatment named."""

    text: str
    source: str
    entry: str = ""

    def as_dict(self) -> dict:
        return {"text": self.text, "source": self.source}


@dataclass(frozen=True)
class TriageResult:
    urgency: str
    symptoms: Tuple[TriagedSymptom, ...]
    advice: str
    guidance: Tuple[GuidanceLine, ...]
    sources: Tuple[Source, ...]
    therapy: Optional[Therapy] = None
    days_since_treatment: Optional[int] = None
    temperatures: Tuple[str, ...] = ()
    citations: Dict[str, str] = field(default_factory=dict)
    emergency_described: bool = False
    crisis: bool = False  # thoughts of suicide or self-harm: the crisis advice, no side-effect quotes

    @property
    def present(self) -> Tuple[TriagedSymptom, ...]:
        return tuple(s for s in self.symptoms if not s.negated)

    @property
    def negated(self) -> Tuple[TriagedSymptom, ...]:
        return tuple(s for s in self.symptoms if s.negated)

    @property
    def groups(self) -> Tuple[str, ...]:
        return tuple(sorted({g for s in self.present for g in s.groups}))

    @property
    def guidance_text(self) -> str:
        """What the documents say, with sources: the second part of the reply."""
        if not self.guidance:
            return ""
        lines = [wording.GUIDANCE_HEADER]
        lines.extend(
            wording.guidance_line(line.text, self.citations[line.source] if line.source else None)
            for line in self.guidance
        )
        return "\n".join(lines) + "\n\n" + wording.ONLY_THE_CARE_TEAM_ASSESSES

    @property
    def reply_text(self) -> str:
        """The whole reply: the advice first, then the documents' guidance."""
        return "\n\n".join(part for part in (self.advice, self.guidance_text) if part)

    def as_dict(self) -> dict:
        return {
            "urgency": self.urgency,
            "advice": self.advice,
            "symptoms": [s.as_dict() for s in self.symptoms],
            "groups": list(self.groups),
            "guidance": [g.as_dict() for g in self.guidance],
            "sources": [s.as_dict() for s in self.sources],
            "therapy": self.therapy.id if self.therapy else None,
            "days_since_treatment": self.days_since_treatment,
            "temperatures": list(self.temperatures),
            "emergency_described": self.emergency_described,
            "crisis": self.crisis,
        }


def urgency_rank(urgency: str) -> int:
    """Order of urgencies; `unclear` ranks with urgent, because unsure means escalate."""
    if urgency == UNCLEAR:
        return URGENCY_LEVELS.index("urgent")
    return URGENCY_LEVELS.index(urgency)


def highest_urgency(urgencies: Iterable[str]) -> str:
    return max(urgencies, key=urgency_rank, default="none")


def merge_reports(reports: Iterable[SymptomReport]) -> List[SymptomReport]:
    """One report per symptom, in the order first mentioned: present if any mention is present (a
    missed symptom is worse), resolved only if every mention that is not a denial is, red flag or
    worse if any mention is, the first reading given."""
    merged: Dict[str, SymptomReport] = {}
    for report in reports:
        previous = merged.get(report.symptom_id)
        if previous is None:
            merged[report.symptom_id] = report
            continue
        merged[report.symptom_id] = SymptomReport(
            symptom_id=report.symptom_id,
            negated=previous.negated and report.negated,
            resolved=(previous.resolved or previous.negated)
            and (report.resolved or report.negated)
            and not (previous.negated and report.negated),
            red_flag=previous.red_flag or report.red_flag,
            text=previous.text if not previous.negated or report.negated else report.text,
            value=previous.value or report.value,
            worse=previous.worse or report.worse,
        )
    return list(merged.values())


def _triaged_symptoms(reports: Iterable[SymptomReport], knowledge: Knowledge) -> List[TriagedSymptom]:
    triaged = []
    for report in merge_reports(reports):
        if report.symptom_id not in knowledge.symptoms:
            raise KeyError(f"unknown symptom id {report.symptom_id!r}")
        symptom = knowledge.symptoms[report.symptom_id]
        red_flag = not report.negated and (report.red_flag or symptom.urgency == "emergency")
        urgency = "emergency" if red_flag else symptom.urgency
        if report.worse and not report.negated:
            urgency = highest_urgency([urgency, "urgent"])
        triaged.append(
            TriagedSymptom(
                id=symptom.id,
                label=symptom.label,
                text=report.text,
                negated=report.negated,
                resolved=report.resolved,
                red_flag=red_flag,
                groups=symptom.groups,
                urgency=urgency,
                value=report.value,
            )
        )
    return triaged


def _with_red_flag_combinations(symptoms: List[TriagedSymptom], knowledge: Knowledge) -> List[TriagedSymptom]:
    """Symptoms that together are a red flag (a headache with a stiff neck) become red flags."""
    present = {s.id for s in symptoms if not s.negated}
    combined = {i for combination in knowledge.red_flag_combinations if combination <= present for i in combination}
    return [
        replace(s, red_flag=True, urgency="emergency") if s.id in combined and not s.negated else s for s in symptoms
    ]


def _list_rank(side_effect_list: SideEffectList, therapy: Optional[Therapy]) -> int:
    if therapy is not None and side_effect_list.is_about(therapy) and "any" not in side_effect_list.applies_to:
        return 0
    if any(t in PRIORITY_THERAPY_TARGETS for t in side_effect_list.applies_to):
        return 1
    return 2


def _listing_lines(present: Sequence[Symptom], therapy: Optional[Therapy], knowledge: Knowledge) -> List[GuidanceLine]:
    """One line for each document list that names the present symptoms, the most relevant first."""
    matched: Dict[str, Tuple[SideEffectList, List[Symptom], List[str]]] = {}
    for symptom in present:
        for listing in symptom.listings:
            entry = matched.setdefault(listing.list.id, (listing.list, [], []))
            if symptom not in entry[1]:
                entry[1].append(symptom)
            if listing.item.quote not in entry[2]:
                entry[2].append(listing.item.quote)

    entries = sorted(matched.values(), key=lambda e: knowledge.sources[e[0].source].last_revised or "", reverse=True)
    entries.sort(key=lambda e: (_list_rank(e[0], therapy), -len(e[1])))
    if therapy is not None:
        # Only what the documents say about the treatment named: its own lists, else the lists about
        # immunotherapy in general. Another treatment's list would be read as being about theirs.
        entries = [e for e in entries if e[0].is_about(therapy)]
        if any(_list_rank(e[0], therapy) == 0 for e in entries):
            entries = [e for e in entries if _list_rank(e[0], therapy) == 0]
    chosen, seen_kinds = [], set()
    for side_effect_list, symptoms, quotes in entries:
        # The same list in two documents (CAR-T CRS in two ACS pages) is quoted once, the newest.
        kind = (side_effect_list.applies_to, side_effect_list.group, tuple(s.id for s in symptoms))
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        chosen.append((side_effect_list, symptoms, quotes))
    lines = []
    for side_effect_list, symptoms, quotes in chosen[:MAX_LISTS_QUOTED]:
        labels = [s.label for s in symptoms]
        text = wording.listed_among(labels, side_effect_list.described_as, quotes)
        lines.append(GuidanceLine(text=text, source=side_effect_list.source, entry=side_effect_list.id))
        lines.extend(
            GuidanceLine(text=wording.quoted(q), source=side_effect_list.source, entry=side_effect_list.id)
            for q in side_effect_list.guidance
        )
    return lines


def _silence_lines(present: Sequence[Symptom], therapy: Optional[Therapy], knowledge: Knowledge) -> List[GuidanceLine]:
    """Say where the documents are silent, rather than fill the gap."""
    lines = []
    unlisted = [s.label for s in present if not s.listings]
    if unlisted:
        lines.append(GuidanceLine(text=wording.documents_do_not_cover(unlisted), source=""))
    if therapy is not None:
        listed = [s for s in present if s.listings]
        not_for_therapy = [
            s.label
            for s in listed
            if not any(
                item_list.list.is_about(therapy) and "any" not in item_list.list.applies_to for item_list in s.listings
            )
        ]
        missing = [item_list for item_list in knowledge.lists if item_list.missing and item_list.is_about(therapy)]
        for side_effect_list in missing:
            source = knowledge.sources[side_effect_list.source]
            text = wording.list_missing_from_copy(source.publisher, therapy.label, side_effect_list.quote)
            lines.append(GuidanceLine(text=text, source=side_effect_list.source, entry=side_effect_list.id))
        if not_for_therapy and not missing:
            lines.append(GuidanceLine(text=wording.not_listed_for_therapy(not_for_therapy, therapy.label), source=""))
    return lines


def _general_guidance(
    present: Sequence[Symptom], therapy: Optional[Therapy], knowledge: Knowledge
) -> List[GuidanceLine]:
    groups = {g for s in present for g in s.groups}
    named = set() if therapy is None else {therapy.id, therapy.kind}
    lines = []
    report_advice = [
        g for g in knowledge.guidance if g.id.startswith("report_right_away") and named & set(g.applies_to)
    ]
    if not report_advice:
        report_advice = [g for g in knowledge.guidance if g.id == "tell_team_immunotherapy"]
    lines.extend(GuidanceLine(text=wording.quoted(g.quote), source=g.source, entry=g.id) for g in report_advice[:1])
    # With no treatment named, advice about a class of treatment is said (its context names the class);
    # advice about one product only when that product is named.
    about = (named or set(knowledge.therapy_kinds)) | {"any"}
    for g in knowledge.guidance:
        if g.when_group and g.when_group in groups and about & set(g.applies_to):
            prefix = f"{g.context} " if g.context else ""
            lines.append(GuidanceLine(text=prefix + wording.quoted(g.quote), source=g.source, entry=g.id))
    return lines


def triage(
    reports: Iterable[SymptomReport],
    therapy_id: Optional[str] = None,
    days_since_treatment: Optional[int] = None,
    temperatures: Sequence[str] = (),
    knowledge: Optional[Knowledge] = None,
    emergency_described: bool = False,
) -> TriageResult:
    """Triage what someone reported: urgency, per-symptom groups, guidance with sources, reply.

    `temperatures` are the readings given (a fever among them is also a symptom report); a
    reading below fever level with nothing else is something recognised, not something unclear.
    `emergency_described`: the learned recogniser read an emergency in words the lexicon has no
    red flag for; unsure means escalate, so it is an emergency whatever symptoms were found.
    """
    knowledge = knowledge or load_knowledge()
    therapy = knowledge.therapies.get(therapy_id) if therapy_id else None
    symptoms = _with_red_flag_combinations(_triaged_symptoms(reports, knowledge), knowledge)
    # Red flags first, then by urgency, so that the most serious symptom leads every listing.
    symptoms.sort(key=lambda s: (s.negated, -urgency_rank(s.urgency)))
    present = [knowledge.symptoms[s.id] for s in symptoms if not s.negated]

    if not symptoms:
        urgency = "none"
        advice = wording.URGENCY_ADVICE["none" if temperatures else UNCLEAR]
    else:
        urgency = highest_urgency(s.urgency for s in symptoms if not s.negated)
        present_groups = {g for s in symptoms if not s.negated for g in s.groups}
        if COMBINATIONS_AT_LEAST_URGENT <= present_groups:
            urgency = highest_urgency([urgency, "urgent"])
        # After the treatments whose documents ask for any side effect to be reported right away
        # (therapies.yml's report_right_away), and when the treatment is not known.
        if urgency == "routine" and (therapy is None or therapy.kind in knowledge.report_right_away):
            urgency = "urgent"
        advice = wording.URGENCY_ADVICE[urgency]
    if emergency_described:
        urgency, advice = "emergency", wording.URGENCY_ADVICE["emergency"]

    crisis = any(CRISIS_GROUP in s.groups for s in present)
    if crisis:
        # Said with warmth, and never framed as a side effect: no document quotes in this reply.
        advice = wording.URGENCY_ADVICE[CRISIS]
    guidance: List[GuidanceLine] = []
    if present and not crisis:
        guidance += _listing_lines(present, therapy, knowledge)
        guidance += _silence_lines(present, therapy, knowledge)
        guidance += _general_guidance(present, therapy, knowledge)
    cited = []
    for line in guidance:
        if line.source and knowledge.sources[line.source] not in cited:
            cited.append(knowledge.sources[line.source])
    citations = {s.id: s.citation() for s in cited}
    return TriageResult(
        urgency=urgency,
        symptoms=tuple(symptoms),
        advice=advice,
        guidance=tuple(guidance),
        sources=tuple(cited),
        therapy=therapy,
        days_since_treatment=days_since_treatment,
        temperatures=tuple(temperatures),
        citations=citations,
        emergency_described=emergency_described,
        crisis=crisis,
    )
