"""Answers from the documents: quoted, cited, honest about gaps, ending with the care team."""

from bot.triage.answers import driving_answer, side_effects_answer, topic_answer
from bot.triage.reply_audit import find_unsafe_phrases


def test_what_is_crs_quotes_the_documents():
    answer = topic_answer("crs")
    assert "CRS happens when T cells release chemicals (cytokines)" in answer.text
    assert [s.id for s in answer.sources] == ["acs-all-immunotherapy"]


def test_unknown_topic_asks_which():
    assert "Which would you like?" in topic_answer(None).text


def test_driving_after_car_t():
    answer = driving_answer()
    assert "advised not to drive" in answer.text
    assert "care team" in answer.text


def test_elranatamab_list_is_honestly_missing():
    answer = side_effects_answer("elranatamab")
    assert "missing from the copy I have" in answer.text
    assert "Canadian Cancer Society" in answer.text


def test_blinatumomab_side_effects_are_listed_with_source():
    answer = side_effects_answer("blinatumomab")
    assert "“tremor”" in answer.text and "“seizures”" in answer.text
    assert "care team" in answer.text


def test_is_tremor_a_side_effect():
    answer = side_effects_answer(None, ["tremor"])
    assert "Shaking or twitching (tremor) is listed among the nervous-system problems (ICANS)" in answer.text


def test_symptom_not_listed_for_a_therapy():
    answer = side_effects_answer("imiquimod", ["seizure"])
    assert "do not list seizure for imiquimod cream" in answer.text


def test_every_answer_is_safe(knowledge):
    answers = [driving_answer(), side_effects_answer(), topic_answer(None)]
    answers += [topic_answer(t) for t in knowledge.topics]
    answers += [side_effects_answer(t) for t in knowledge.therapies]
    answers += [side_effects_answer(None, [s]) for s in knowledge.symptoms]
    for answer in answers:
        assert find_unsafe_phrases(answer.text) == [], answer.text
