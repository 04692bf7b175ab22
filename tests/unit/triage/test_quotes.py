"""Every quote in context: a quote that opens by referring back says what it refers to, and a
report or a question about one treatment is answered from what the documents say about that
treatment (its product, its kind, or immunotherapy in general), never from another treatment's list."""

import re
from datetime import date

import pytest

from bot.triage import wording
from bot.triage.answers import driving_answer, side_effects_answer, topic_answer
from bot.triage.conversation import add_up
from bot.triage.engine import SymptomReport, triage
from tests.support.events import user_events

TODAY = date(2026, 11, 29)

# A quote that opens with one of these refers back to what the document said before it.
REFERS_BACK = re.compile(
    r"^(?:because of (?:the risk of )?)?(?:these|this|it|its|they|their|those|such|both)\b", re.IGNORECASE
)


def shown_quotes(knowledge):
    """(entry, quote, context) for every quote a reply can show. A list's introduction is shown only
    when the list itself is missing from the copy; its items and its guidance follow the line that
    names the list, which has no room for a context, so they must not refer back at all."""
    for side_effect_list in knowledge.lists:
        if side_effect_list.missing:
            yield side_effect_list.id, side_effect_list.quote, None
        for item in side_effect_list.items:
            yield side_effect_list.id, item.quote, None
        for quote in side_effect_list.guidance:
            yield side_effect_list.id, quote, None
    for guidance in knowledge.guidance:
        yield guidance.id, guidance.quote, guidance.context
    for topic in knowledge.topics.values():
        for quote in topic.quotes:
            yield topic.id, quote.quote, quote.context
    for helpline in knowledge.helplines:
        yield helpline.id, helpline.quote, None


@pytest.mark.parametrize(
    "quote",
    [
        "These tend to be more likely with thalidomide than with the other drugs.",
        "It’s very important to report any side effects to the health care team right away.",
        "This treatment can sometimes have serious effects on the nervous system.",
        "They work by attaching to the CD3 protein on T cells.",
        "Because of this, it needs to be given in a medical center.",
        "Because of the risk of these side effects, adult patients are typically advised not to drive.",
    ],
)
def test_the_check_catches_a_quote_that_refers_back(quote):
    assert REFERS_BACK.match(quote)


@pytest.mark.parametrize(
    "quote",
    [
        "Teclistamab and elranatamab may cause these side effects:",
        "Items like this are not in the documents.",
        "There is also an increased risk of serious blood clots.",
        "Let your healthcare team know if you develop any of these symptoms.",
    ],
)
def test_the_check_lets_a_quote_that_stands_alone_through(quote):
    assert not REFERS_BACK.match(quote)


def test_a_quote_that_refers_back_names_what_it_refers_to(knowledge):
    out_of_context = [
        (entry, quote) for entry, quote, context in shown_quotes(knowledge) if REFERS_BACK.match(quote) and not context
    ]
    assert not out_of_context, out_of_context


def test_a_topic_quote_is_said_after_its_context(knowledge):
    for topic in knowledge.topics.values():
        text = topic_answer(topic.id).text
        for quote in topic.quotes:
            if quote.context:
                assert f"{quote.context} {wording.quoted(quote.quote)}" in text, (topic.id, text)


def test_a_reports_guidance_is_said_after_its_context(knowledge):
    for guidance in knowledge.guidance:
        if not (guidance.when_group and guidance.context):
            continue
        therapy = next(t for t in knowledge.therapies.values() if {t.id, t.kind} & set(guidance.applies_to))
        symptom = next(s for s in knowledge.symptoms.values() if guidance.when_group in s.groups and s.listings)
        text = triage([SymptomReport(symptom.id)], therapy_id=therapy.id).reply_text
        assert f"{guidance.context} {wording.quoted(guidance.quote)}" in text, (guidance.id, text)


def test_the_driving_advice_says_which_side_effects_it_follows(knowledge):
    guidance = next(g for g in knowledge.guidance if g.id == "driving")
    assert f"{guidance.context} {wording.quoted(guidance.quote)}" in driving_answer().text


# ------------------------------------------------------------------------------------ the fixed quotes

THALIDOMIDE_COMPARISON = "more likely with thalidomide than with the other drugs"


@pytest.mark.parametrize(
    "text",
    [
        "mum's on revlimid and her calf is all swollen and sore",
        "I take pomalyst and my leg is red and hot",
        "worried about a blood clot, my left calf hurts",
    ],
)
def test_the_thalidomide_comparison_is_not_said_to_anyone_else(extractor, text):
    result = add_up(user_events(extractor, text), {}, TODAY).result
    assert "blood_clot_signs" in {s.id for s in result.present}
    assert THALIDOMIDE_COMPARISON not in result.reply_text
    assert "increased risk of serious blood clots" in result.reply_text


def test_the_thalidomide_comparison_is_said_about_blood_clots_on_thalidomide(extractor):
    result = add_up(user_events(extractor, "he's on thalidomide and one leg is swollen"), {}, TODAY).result
    assert "About the risk of serious blood clots" in result.reply_text
    assert THALIDOMIDE_COMPARISON in result.reply_text


def test_the_thalidomide_comparison_follows_no_other_symptom():
    result = triage([SymptomReport("constipation"), SymptomReport("fatigue")], therapy_id="thalidomide")
    assert THALIDOMIDE_COMPARISON not in result.reply_text


def test_flu_like_symptoms_are_quoted_with_the_range_they_belong_to(extractor):
    result = add_up(user_events(extractor, "think i'm coming down with something, feel like i have the flu"), {}, TODAY)
    text = result.result.reply_text
    assert "may range from minor inflammation and flu-like symptoms, to major, potentially life-threatening" in text
    assert "common side effects of immunotherapy in general: “flu-like symptoms”" not in text


def test_the_blinatumomab_infection_sentence_is_not_one_of_its_most_common_side_effects(extractor):
    result = add_up(user_events(extractor, "on the blincyto pump and I think I've got an infection"), {}, TODAY)
    text = result.result.guidance_text
    assert "listed among the other side effects of blinatumomab (Blincyto)" in text
    assert "low white blood cell counts, which increase the risk of serious infection" in text
    assert "listed among the most common side effects of blinatumomab" not in text


@pytest.mark.parametrize("therapy_id", ["blinatumomab", "inotuzumab_ozogamicin"])
def test_the_all_pages_car_t_advice_is_not_said_about_blinatumomab_or_inotuzumab(therapy_id):
    text = triage([SymptomReport("fever")], therapy_id=therapy_id).reply_text
    assert "very important to report any side effects to the health care team right away" not in text
    assert "Tell your healthcare team if you have side effects" in text


def test_a_teclistamab_fever_gets_no_other_treatments_list(extractor):
    result = add_up(
        user_events(extractor, "dad had his tecvayli shot yesterday and now he's running a temp"), {}, TODAY
    )
    text = result.result.guidance_text
    assert result.result.therapy.id == "teclistamab"
    assert "blinatumomab" not in text and "CAR T-cell" not in text
    assert "missing from the copy I have" in text


# ------------------------------------------------------------------------------------ the treatment named


def _applies(targets, therapy):
    return bool({"any", therapy.id, therapy.kind} & set(targets))


def test_a_report_is_answered_only_from_what_applies_to_the_treatment_named(knowledge):
    lists = {item_list.id: item_list for item_list in knowledge.lists}
    guidance = {g.id: g for g in knowledge.guidance}
    for therapy in knowledge.therapies.values():
        for symptom_id in knowledge.symptoms:
            result = triage([SymptomReport(symptom_id)], therapy_id=therapy.id)
            for line in result.guidance:
                if not line.source:
                    continue
                entry = lists.get(line.entry) or guidance.get(line.entry)
                assert entry is not None, (therapy.id, symptom_id, line)
                assert entry.source == line.source, (therapy.id, symptom_id, line)
                assert _applies(entry.applies_to, therapy), (therapy.id, symptom_id, line.text)


def test_a_question_is_answered_only_from_the_lists_about_the_treatment_named(knowledge):
    for therapy in knowledge.therapies.values():
        other_lists = [item_list for item_list in knowledge.lists if not item_list.is_about(therapy)]
        text = side_effects_answer(therapy.id).text
        for item_list in other_lists:
            assert f"- {wording.capitalised(item_list.described_as)}:" not in text, (therapy.id, item_list.id)
        for symptom in knowledge.symptoms.values():
            answer = side_effects_answer(therapy.id, [symptom.id])
            for item_list in other_lists:
                citation = knowledge.sources[item_list.source].citation()
                line = wording.symptom_listed_among(symptom.label, item_list.described_as, citation)
                assert line not in answer.text, (therapy.id, symptom.id, item_list.id)
