"""Answers to questions the documents can answer, quoted and cited, each ending with the care team.

Plain Python over the knowledge base. Where a document is silent (or its list was lost in the
copy) the answer says so instead of filling the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.knowledge import Knowledge, SideEffectList, Source, load_knowledge

CARE_TEAM_REMINDER = (
    "If you or the person you care for notices any side effect, contact the care team right away, "
    "day or night; in an emergency call emergency services (911 in the US and Canada)."
)
QUESTION_REMINDER = "For anything about your own treatment, please ask your care team."


@dataclass(frozen=True)
class Answer:
    text: str
    sources: Tuple[Source, ...]


def _cite(source: Source) -> str:
    return f"(Source: {source.citation()})"


def _finish(lines: List[str], sources: Iterable[Source], reminder: str) -> Answer:
    unique: List[Source] = []
    for source in sources:
        if source not in unique:
            unique.append(source)
    return Answer(text="\n".join(lines + [reminder]), sources=tuple(unique))


def _list_line(side_effect_list: SideEffectList, knowledge: Knowledge) -> str:
    source = knowledge.sources[side_effect_list.source]
    if side_effect_list.missing:
        return (f"- The {source.publisher} page introduces {side_effect_list.described_as} "
                f"(“{side_effect_list.quote}”), but the list is missing from the copy I have. {_cite(source)}")
    items = "; ".join(f"“{item.quote}”" for item in side_effect_list.items)
    return f"- {side_effect_list.described_as[:1].upper()}{side_effect_list.described_as[1:]}: {items}. {_cite(source)}"


def side_effects_answer(
    therapy_id: Optional[str] = None,
    symptom_ids: Sequence[str] = (),
    knowledge: Optional[Knowledge] = None,
) -> Answer:
    """Which side effects the documents list, for a therapy, or which lists name a symptom."""
    knowledge = knowledge or load_knowledge()
    therapy = knowledge.therapies.get(therapy_id) if therapy_id else None
    lines: List[str] = []
    lists: List[SideEffectList] = []
    if symptom_ids:
        for symptom_id in symptom_ids:
            symptom = knowledge.symptoms[symptom_id]
            relevant = [l.list for l in symptom.listings if therapy is None or l.list.is_about(therapy)]
            if not relevant:
                about = f" for {therapy.label}" if therapy else ""
                lines.append(f"The documents I use do not list {symptom.label}{about}.")
                continue
            for side_effect_list in dict.fromkeys(relevant):
                source = knowledge.sources[side_effect_list.source]
                lines.append(f"- {symptom.label[:1].upper()}{symptom.label[1:]} is listed among "
                             f"{side_effect_list.described_as}. {_cite(source)}")
                lists.append(side_effect_list)
    elif therapy is not None:
        lists = [l for l in knowledge.lists if l.is_about(therapy) and "any" not in l.applies_to]
        if lists:
            lines.append(f"What the documents list for {therapy.label}:")
            lines.extend(_list_line(l, knowledge) for l in lists)
        else:
            lines.append(f"The documents I use do not list side effects for {therapy.label}.")
    else:
        lists = [l for l in knowledge.lists if l.id in ("car_t_crs", "car_t_icans", "bispecific_myeloma")]
        lines.append("The documents list different side effects for each treatment. For CAR T-cell therapy:")
        lines.extend(_list_line(l, knowledge) for l in lists)
        lines.append("Tell me which treatment it is (for example cilta-cel, teclistamab or blinatumomab) and I "
                     "will tell you what the documents list for it.")
    sources = [knowledge.sources[l.source] for l in lists]
    return _finish(lines, sources, CARE_TEAM_REMINDER)


def topic_answer(topic_id: Optional[str], knowledge: Optional[Knowledge] = None) -> Answer:
    """What the documents say a term (CRS, ICANS, CAR-T, bispecific antibodies) means."""
    knowledge = knowledge or load_knowledge()
    topic = knowledge.topics.get(topic_id or "")
    if topic is None:
        names = ", ".join(t.label for t in knowledge.topics.values())
        return _finish([f"I can explain what the documents say about {names}. Which would you like?"], [],
                       QUESTION_REMINDER)
    lines = [f"What the documents say about {topic.label}:"]
    sources = []
    for quote in topic.quotes:
        source = knowledge.sources[quote.source]
        lines.append(f"- “{quote.quote}” {_cite(source)}")
        sources.append(source)
    return _finish(lines, sources, QUESTION_REMINDER)


def driving_answer(knowledge: Optional[Knowledge] = None) -> Answer:
    """The documents' advice on driving and machinery after CAR T-cell therapy."""
    knowledge = knowledge or load_knowledge()
    guidance = next(g for g in knowledge.guidance if g.id == "driving")
    source = knowledge.sources[guidance.source]
    lines = [
        f"About CAR T-cell therapy, the documents say: “{guidance.quote}” {_cite(source)}",
        "The documents I use do not give driving advice for other treatments.",
    ]
    return _finish(lines, [source], "Your care team can tell you when it is safe for you to drive again.")
