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


def test_what_to_watch_for_covers_the_other_serious_side_effects_with_their_source(knowledge):
    """Not only CRS and the nervous system: infections, bruising or bleeding, and allergic reactions
    during the infusion, in the CAR T-cell therapy page's words."""
    answer = side_effects_answer()
    car_t_page = knowledge.sources["acs-car-t-side-effects"]
    other_serious = next(line for line in answer.text.splitlines() if "other serious side effects" in line)
    for quote in [
        "Allergic reactions during the infusion",
        "A weakened immune system, with an increased risk of serious infections",
        "Low blood cell counts, which can increase the risk of infections, fatigue, and bruising or bleeding",
    ]:
        assert f"“{quote}”" in other_serious
    assert other_serious.endswith(f"(Source: {car_t_page.citation()})")
    assert car_t_page in answer.sources
    assert "“High fever and chills”" in answer.text and "“Seizures”" in answer.text


def test_what_to_watch_for_says_where_the_documents_are_silent():
    answer = side_effects_answer()
    assert "Teclistamab and elranatamab may cause these side effects:" in answer.text
    assert "missing from the copy I have" in answer.text
    assert "Tell me which treatment it is" in answer.text
