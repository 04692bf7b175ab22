"""Answers to questions the documents can answer, quoted and cited, each ending with the care team.

Plain Python over the knowledge base. Where a document is silent (or its list was lost in the
copy) the answer says so instead of filling the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.triage import wording
from bot.triage.knowledge import Knowledge, SideEffectList, Source, load_knowledge

# The general "what should I watch for?" answer, before the treatment is known: the CAR T-cell
# therapy page's CRS, nervous-system and other serious side effects (infections, bruising or
# bleeding, allergic reactions during the infusion), and the bispecific antibodies' list, which is
# missing from the copy and said to be.
WHAT_TO_WATCH_FOR_LISTS = ("car_t_crs", "car_t_icans", "car_t_other_serious", "bispecific_myeloma")


@dataclass(frozen=True)
class Answer:
    text: str
    sources: Tuple[Source, ...]


def _finish(lines: List[str], sources: Iterable[Source], reminder: str) -> Answer:
    unique: List[Source] = []
    for source in sources:
        if source not in unique:
            unique.append(source)
    return Answer(text="\n".join(lines + [reminder]), sources=tuple(unique))


def _list_line(side_effect_list: SideEffectList, knowledge: Knowledge) -> str:
    source = knowledge.sources[side_effect_list.source]
    if side_effect_list.missing:
        return wording.side_effect_list_missing(
            source.publisher, side_effect_list.described_as, side_effect_list.quote, source.citation()
        )
    items = [item.quote for item in side_effect_list.items]
    return wording.side_effect_list_line(side_effect_list.described_as, items, source.citation())


def side_effects_answer(
    therapy_id: Optional[str] = None,
    symptom_ids: Sequence[str] = (),
    knowledge: Optional[Knowledge] = None,
    asked_about: Sequence[str] = (),
) -> Answer:
    """Which side effects the documents list, for a therapy, or which lists name a symptom.
    `asked_about`: symptoms asked about as what could happen ("what if he has a fit?"); the answer
    opens with what to do if each happens."""
    knowledge = knowledge or load_knowledge()
    therapy = knowledge.therapies.get(therapy_id) if therapy_id else None
    lines: List[str] = [
        wording.if_it_happens(knowledge.symptoms[s].label, knowledge.symptoms[s].urgency == "emergency")
        for s in asked_about
    ]
    lists: List[SideEffectList] = []
    symptom_ids = list(dict.fromkeys(list(asked_about) + list(symptom_ids)))
    if symptom_ids:
        for symptom_id in symptom_ids:
            symptom = knowledge.symptoms[symptom_id]
            relevant = [
                item_list.list for item_list in symptom.listings if therapy is None or item_list.list.is_about(therapy)
            ]
            if not relevant:
                lines.append(wording.symptom_not_listed(symptom.label, therapy.label if therapy else None))
                continue
            for side_effect_list in dict.fromkeys(relevant):
                source = knowledge.sources[side_effect_list.source]
                lines.append(
                    wording.symptom_listed_among(symptom.label, side_effect_list.described_as, source.citation())
                )
                lists.append(side_effect_list)
    elif therapy is not None:
        lists = [
            item_list
            for item_list in knowledge.lists
            if item_list.is_about(therapy) and "any" not in item_list.applies_to
        ]
        if lists:
            lines.append(wording.what_the_documents_list_for(therapy.label))
            lines.extend(_list_line(item_list, knowledge) for item_list in lists)
        else:
            lines.append(wording.no_lists_for(therapy.label))
    else:
        lists = [item_list for item_list in knowledge.lists if item_list.id in WHAT_TO_WATCH_FOR_LISTS]
        lines.append(wording.LISTS_DIFFER_BY_TREATMENT)
        lines.extend(_list_line(item_list, knowledge) for item_list in lists)
        lines.append(wording.ASK_WHICH_TREATMENT)
    sources = [knowledge.sources[item_list.source] for item_list in lists]
    return _finish(lines, sources, wording.CARE_TEAM_REMINDER)


def topic_answer(topic_id: Optional[str], knowledge: Optional[Knowledge] = None) -> Answer:
    """What the documents say a term (CRS, ICANS, CAR-T, bispecific antibodies) means."""
    knowledge = knowledge or load_knowledge()
    topic = knowledge.topics.get(topic_id or "")
    if topic is None:
        labels = [t.label for t in knowledge.topics.values()]
        return _finish([wording.which_topic(labels)], [], wording.QUESTION_REMINDER)
    lines = [wording.what_the_documents_say_about(topic.label)]
    sources = []
    for quote in topic.quotes:
        source = knowledge.sources[quote.source]
        lines.append(wording.quote_line(quote.quote, source.citation(), quote.context))
        sources.append(source)
    return _finish(lines, sources, wording.QUESTION_REMINDER)


def driving_answer(knowledge: Optional[Knowledge] = None) -> Answer:
    """The documents' advice on driving and machinery after CAR T-cell therapy."""
    knowledge = knowledge or load_knowledge()
    guidance = next(g for g in knowledge.guidance if g.id == "driving")
    source = knowledge.sources[guidance.source]
    lines = [
        wording.quote_in_context(guidance.context, guidance.quote, source.citation()),
        wording.NO_DRIVING_ADVICE_FOR_OTHERS,
    ]
    return _finish(lines, [source], wording.DRIVING_REMINDER)
