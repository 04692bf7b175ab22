"""The knowledge base is reviewed like code: every quote must be in its source document, and every
item of the documents' CRS and nervous-system lists must be covered."""

import re

import pytest

from bot.triage.knowledge import KnowledgeError, _read_report_right_away, default_sources_dir

CRS_HEADING = re.compile(r"Cytokine release syndrome \(CRS\)")
NERVOUS_HEADING = re.compile(r"Nervous system problems")


def normalise(text):
    """Compare texts as a reader would: curly quotes, spacing and case do not matter."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).lower()


def source_text(knowledge, source_id):
    return normalise((default_sources_dir() / knowledge.sources[source_id].file).read_text(encoding="utf-8"))


def test_source_files_exist(knowledge):
    for source in knowledge.sources.values():
        assert (default_sources_dir() / source.file).is_file(), source.file


def test_every_quote_is_in_its_source(knowledge):
    missing = [
        (source_id, quote)
        for source_id, quote in knowledge.quoted_texts()
        if normalise(quote) not in source_text(knowledge, source_id)
    ]
    assert not missing, missing


def test_quote_check_would_catch_an_invented_quote(knowledge):
    assert normalise("Fever is nothing to worry about") not in source_text(knowledge, "acs-car-t-side-effects")


def bullet_items_after(heading, text):
    """The bullet list that follows a heading in a source file, as the document prints it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if heading.search(line))
    items = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(("-", "•")):
            items.append(stripped.lstrip("-• ").strip())
        elif items:
            break
    return items


@pytest.mark.parametrize("source_id", ["acs-car-t-side-effects", "acs-all-immunotherapy"])
@pytest.mark.parametrize("heading,group", [(CRS_HEADING, "crs"), (NERVOUS_HEADING, "icans")])
def test_every_item_of_the_crs_and_nervous_system_lists_is_covered(knowledge, source_id, heading, group):
    raw = (default_sources_dir() / knowledge.sources[source_id].file).read_text(encoding="utf-8")
    items = bullet_items_after(heading, raw)
    assert len(items) >= 5, items
    ours = {
        normalise(item.quote): item.symptoms
        for side_effect_list in knowledge.lists
        if side_effect_list.source == source_id and side_effect_list.group == group
        for item in side_effect_list.items
    }
    for item in items:
        assert normalise(item) in ours, f"{source_id}: list item {item!r} is not in the knowledge base"
        assert ours[normalise(item)], f"{source_id}: list item {item!r} maps to no symptom"


REQUIRED_CRS = (
    "fever chills trouble_breathing nausea vomiting diarrhea dizziness headache fast_heartbeat fatigue muscle_pain "
    "joint_pain"
).split()
REQUIRED_ICANS = (
    "headache consciousness_change confusion agitation seizure tremor trouble_speaking trouble_understanding "
    "loss_of_balance"
).split()


def test_required_symptom_ids_and_groups(knowledge):
    for symptom_id in REQUIRED_CRS:
        assert "crs" in knowledge.symptoms[symptom_id].groups, symptom_id
    for symptom_id in REQUIRED_ICANS:
        assert "icans" in knowledge.symptoms[symptom_id].groups, symptom_id


def test_every_symptom_has_words_and_a_source_or_a_clinical_anchor(knowledge):
    for symptom in knowledge.symptoms.values():
        assert symptom.phrases or symptom.red_flag_phrases, symptom.id
        assert symptom.listings or "safety" in symptom.groups or symptom.anchor, (
            f"{symptom.id} is named by no document and has no clinical anchor"
        )


def test_a_symptom_no_document_names_gets_the_documents_silence_not_a_quote(knowledge):
    from bot.triage.engine import SymptomReport, triage

    for symptom in knowledge.symptoms.values():
        if not symptom.listings and "safety" not in symptom.groups:  # the crisis reply quotes nothing
            result = triage([SymptomReport(symptom.id)])
            assert any("do not cover" in line.text and not line.source for line in result.guidance), symptom.id


def test_urgent_groups_are_urgent(knowledge):
    """CRS, nervous-system, infusion-reaction, infection and blood-clot symptoms are never routine."""
    for symptom in knowledge.symptoms.values():
        if set(symptom.groups) & {"crs", "icans", "infusion_reaction", "infection", "blood_clot"}:
            assert symptom.urgency in ("urgent", "emergency"), symptom.id


def test_therapies_name_the_documents_products(knowledge):
    names = {name for therapy in knowledge.therapies.values() for name in therapy.names}
    for product in [
        "kymriah",
        "yescarta",
        "tecartus",
        "breyanzi",
        "abecma",
        "carvykti",
        "aucatzyl",
        "tecvayli",
        "elrexfio",
        "blincyto",
        "besponsa",
        "revlimid",
        "thalomid",
        "pomalyst",
    ]:
        assert product in names, product


def test_a_phrase_belongs_to_one_symptom(knowledge):
    owner = {}
    for symptom in knowledge.symptoms.values():
        for phrase in symptom.phrases + symptom.red_flag_phrases:
            assert owner.setdefault(phrase, symptom.id) == symptom.id, f"{phrase!r} in {owner[phrase]} and {symptom.id}"


def test_a_shared_phrase_is_listed_by_another_symptom(knowledge):
    listed = {p: s.id for s in knowledge.symptoms.values() for p in s.phrases + s.red_flag_phrases}
    shared = [(p, s.id) for s in knowledge.symptoms.values() for p in s.shared_phrases]
    assert shared, "no symptom shares a phrase"
    for phrase, sharer in shared:
        assert listed.get(phrase) not in (None, sharer), (phrase, sharer)


def test_helplines_are_information_lines_from_the_documents(knowledge):
    phones = {h.phone for h in knowledge.helplines}
    assert phones == {"1-800-227-2345", "1-888-939-3333"}


def test_follow_up_questions_only_ask_about_what_the_crs_and_icans_lists_name(knowledge):
    lists = [item_list for item_list in knowledge.lists if item_list.group in ("crs", "icans")]
    named = {s for item_list in lists for item in item_list.items for s in item.symptoms}
    asked = {s for ids in knowledge.follow_up.related_symptoms.values() for s in ids}
    assert asked <= named, asked - named


def test_caregiver_checks_put_nervous_system_list_items_into_words(knowledge):
    checks = knowledge.follow_up.caregiver_checks
    assert len({c.slot for c in checks}) == len(checks) == 4
    for check in checks:
        assert "icans" in knowledge.symptoms[check.symptom].groups, check.slot


def test_car_t_and_bispecifics_are_reported_right_away_as_their_documents_ask(knowledge):
    assert set(knowledge.report_right_away) == {"car_t", "bispecific_antibody"}
    assert knowledge.report_right_away["car_t"].source == "acs-car-t-side-effects"
    for entry in knowledge.report_right_away.values():
        assert entry.kind in knowledge.therapy_kinds, entry
        assert entry.source in knowledge.sources, entry
        assert normalise(entry.quote) in source_text(knowledge, entry.source), entry


@pytest.mark.parametrize(
    "entry",
    [
        {"kind": "car_t", "source": "a-forum-post", "quote": "report anything"},
        {"kind": "chemotherapy", "source": "acs-car-t-side-effects", "quote": "report anything"},
    ],
)
def test_the_loader_refuses_right_away_reporting_without_a_known_source_and_kind(knowledge, entry):
    with pytest.raises(KnowledgeError):
        _read_report_right_away([entry], knowledge.therapy_kinds, knowledge.sources)
