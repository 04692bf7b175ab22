"""The red-flag catalogue (knowledge/red_flag_catalogue.yml): nothing is an emergency without an
anchored entry, no entry is left without a rule, and each entry is recognised in the words tired,
worried people type, through the lexicon and the plain-Python engine (no learned model). The
phrasings are this file's own; the table in docs/clinical_safety.md is the catalogue's."""

import re
from typing import NamedTuple, Tuple

import pytest

from bot import REPO_ROOT
from bot.triage import knowledge as knowledge_module
from bot.triage.engine import triage
from bot.triage.knowledge import KnowledgeError

CLINICAL_SAFETY = REPO_ROOT / "docs" / "clinical_safety.md"
TABLE_START = "<!-- red-flag catalogue: generated from bot/triage/knowledge/red_flag_catalogue.yml -->"
TABLE_END = "<!-- end of the red-flag catalogue -->"


class Phrasings(NamedTuple):
    story: str  # what happened, not the symptom word
    caregiver: str  # told by someone else ("my husband...", "mum...")
    more: Tuple[str, ...]


PHRASINGS = {
    "seizure": Phrasings(
        story="she was sat on the sofa then went stiff and started shaking and wouldnt answer me",
        caregiver="my husband had a fit in the kitchen hes coming round now",
        more=(
            "mum started jerking all over and her eyes rolled back",
            "hes siezing right now what do i do",
            "i think i had a seizure in my sleep bit my tongue",
            "had a convulsion an hour ago im ok now",
        ),
    ),
    "unresponsive_or_collapse": Phrasings(
        story="went to get up from the table and next thing i knew i was on the floor",
        caregiver="cant wake my dad up hes breathing but wont open his eyes",
        more=(
            "she passed out in the shower but shes awake now",
            "i fainted at the shops earlier feel ok now",
            "my wife just collapsed in the hallway",
            "nan is really hard to wake this morning and just mumbles",
            "he blacked out for a few seconds while we were talking",
        ),
    ),
    "severe_breathing_trouble": Phrasings(
        story="walking to the loo leaves her so out of breath she cant talk",
        caregiver="my son is gasping for air after the infusion",
        more=(
            "cant breath properly lips look a bit blue",
            "she has to stop after every couple of words to get her breath",
            "really struggling to breathe",
            "his oxygen monitor is reading 86",
            "so out of breath on the phone he couldnt get his words out",
        ),
    ),
    "chest_pain": Phrasings(
        story="was carrying the shopping up the stairs and had to stop clutching my chest",
        caregiver="dad says it feels like someone is sitting on his chest",
        more=(
            "crushing pain in my chest going into my left arm",
            "it feels like a band squeezing round my chest",
            "chest hurts when i breath in",
            "pain in the middle of my chest",
        ),
    ),
    "stroke_signs": Phrasings(
        story="dad was talking at dinner then his words went funny and he kept dropping his fork with his right hand",
        caregiver="my husbands smile looks lopsided and he cant lift his right arm",
        more=(
            "one side of her face has dropped and shes slurring",
            "i cant feel my left arm and leg all of a sudden",
            "mums face looks droopy on one side",
            "his left leg just gave way and his speech is slurred",
        ),
    ),
    "severe_allergic_reaction": Phrasings(
        story="an hour after the infusion her eyes puffed up and she started wheezing",
        caregiver="my wife is covered in hives and says she feels faint",
        more=(
            "lips swelling up after the injection",
            "tongue feels too big for my mouth",
            "came out in hives all over and now my throat feels tight",
            "he came out in hives during the drip and said he couldnt breathe",
        ),
    ),
    "heavy_bleeding": Phrasings(
        story="cut himself shaving ages ago and the blood just keeps coming",
        caregiver="my mums gums have been bleeding for two hours and it wont stop",
        more=(
            "nosebleed for over an hour wont stop",
            "coughing up blood this morning",
            "he threw up and it looked like coffee grounds",
            "vommitting blood",
            "theres blood in his sick",
        ),
    ),
    "severe_headache_or_stiff_neck": Phrasings(
        story="she was fine at lunch then out of nowhere got a splitting headache and now she doesnt know where she is",
        caregiver="my son has a blinding headache and cant bend his neck",
        more=(
            "worst headache of my life and my neck is really stiff",
            "his head is killing him and he cant put his chin on his chest",
            "terrible headache came on suddenly and now shes confused",
            "temp 38.9 and her neck is stiff",
        ),
    ),
    "shock": Phrasings(
        story="he had a fever all night and when i touched his hands they were ice cold and grey",
        caregiver="my dad has a temperature and his skin looks mottled",
        more=(
            "temp 39 and hes cold and clammy",
            "fever and her knees look blotchy and purple",
            "running a temp and bp is 85 over 50",
            "high temp and his blood pressure is really low",
            "shes burning up and has gone all pale and sweaty",
        ),
    ),
    "dangerous_confusion": Phrasings(
        story="found him wandering down the road at 3am in his pyjamas not knowing where he was",
        caregiver="my husband doesnt know who i am and he tried to hit me",
        more=(
            "hes confused and keeps trying to get out of the window",
            "mum is pulling out her picc line and hitting the nurses",
            "shes so agitated she threw a chair at the carer",
            "dad is really confused and keeps trying to go out in the traffic",
            "my wife is seeing things and trying to climb over the bed rails",
        ),
    ),
    "suicide_or_self_harm": Phrasings(
        story="ive been saving up my sleeping tablets for when i decide to end it",
        caregiver="mum keeps saying everyone would be better off without her",
        more=(
            "i dont want to be here anymore",
            "my husband said he wants to end it all",
            "my son has been cutting his arms again",
            "cant see the point in going on anymore",
        ),
    ),
    "news2_red_band": Phrasings(
        story="mum seemed a bit off so we checked her sats and they were 87",
        caregiver="my wifes heart rate is 145 and shes just sitting still",
        more=(
            "sats 90",
            "bp 82/50",
            "shes breathing 30 times a minute",
            "temp 34.8",
            "his pulse is 38",
            "top number on the blood pressure machine was 78",
        ),
    ),
}

CAREGIVER = re.compile(r"\b(my (husband|wife|son|daughter|dad|mum)s?|mums?|dad)\b")

NOT_EMERGENCIES = [
    "no chest pain just a bit of a cough",
    "what if he has a seizure?",
    "should i ring 911 if her lips swell up",
    "he hasnt passed out or anything just very tired",
    "sats 97 and pulse 80",
    "mild headache but his neck is fine",
    "bad headache but shes not confused at all",
    "he cut his finger on a tin and it bled a bit",
    "had a nosebleed this morning it stopped after 5 mins",
    "dad is a bit confused and restless tonight",
    "is it normal to feel faint after the infusion?",
    "takes him ages to get out of the chair these days",
    "her hair has gone grey since the chemo",
    "i take all my tablets in the morning",
]


def triaged(extractor, text):
    extraction = extractor.extract(text)
    return triage(extraction.reports, temperatures=extraction.readings)


def entry_symptoms(knowledge, entry):
    """The symptoms an entry's rules make red flags: its own, its combinations', its bands'."""
    bands = {
        band["id"]: band["symptom"]
        for sign in knowledge.vital_signs["signs"].values()
        for band in sign["bands"]
        if band.get("emergency")
    }
    found = set(entry.symptoms) | {bands[band_id] for band_id in entry.vital_signs}
    for combination_id in entry.combinations:
        found |= knowledge.red_flag_combinations_by_id[combination_id]
    return found


def emergency_rules(knowledge):
    """Every rule of the knowledge base that makes an emergency, as (kind, what it is about)."""
    rules = set()
    for symptom in knowledge.symptoms.values():
        if symptom.urgency == "emergency":
            rules.add(("symptom", symptom.id))
        if symptom.red_flag_phrases or symptom.severe_is_red_flag:
            rules.add(("symptom", symptom.id))
    rules |= {("symptom", rule["symptom"]) for rule in knowledge.compositions if rule["red_flag"]}
    rules |= {("combination", combination_id) for combination_id in knowledge.red_flag_combinations_by_id}
    for sign in knowledge.vital_signs["signs"].values():
        rules |= {("vital sign", band["id"]) for band in sign["bands"] if band.get("emergency")}
    return rules


def test_every_emergency_rule_belongs_to_an_anchored_entry(knowledge):
    catalogued = set()
    for entry in knowledge.red_flag_catalogue:
        assert entry.anchor.strip() and entry.title.strip(), entry.id
        catalogued |= {("symptom", s) for s in entry.symptoms}
        catalogued |= {("combination", c) for c in entry.combinations}
        catalogued |= {("vital sign", v) for v in entry.vital_signs}
    assert emergency_rules(knowledge) - catalogued == set()
    assert catalogued - emergency_rules(knowledge) == set()


def test_every_entry_has_its_phrasings_here(knowledge):
    assert [entry.id for entry in knowledge.red_flag_catalogue] == list(PHRASINGS)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"symptoms": ["headache_typo"]}, "unknown symptom"),
        ({"symptoms": ["rash"]}, "no red-flag rule"),
        ({"combinations": ["fever_with_rash"]}, "unknown combination"),
        ({"vital_signs": ["pulse_100_or_more"]}, "no emergency band"),
        ({}, "names no rule"),
    ],
)
def test_the_loader_refuses_an_entry_that_names_no_emergency_rule(monkeypatch, change, message):
    read = knowledge_module._read

    def read_with_a_bad_entry(name):
        data = read(name)
        if name == "red_flag_catalogue.yml":
            data["entries"].append({"id": "bad", "title": "t", "anchor": "a", "recognised_by": change})
        return data

    monkeypatch.setattr(knowledge_module, "_read", read_with_a_bad_entry)
    with pytest.raises(KnowledgeError, match=message):
        knowledge_module.load_knowledge.__wrapped__()


@pytest.mark.parametrize("entry_id", list(PHRASINGS))
def test_every_entry_has_five_phrasings_with_a_story_and_a_caregiver(entry_id):
    phrasings = PHRASINGS[entry_id]
    assert len({phrasings.story, phrasings.caregiver, *phrasings.more}) >= 5
    assert CAREGIVER.search(phrasings.caregiver), phrasings.caregiver


@pytest.mark.parametrize(
    "entry_id,text",
    [(entry_id, text) for entry_id, p in PHRASINGS.items() for text in (p.story, p.caregiver, *p.more)],
)
def test_each_phrasing_is_an_emergency_through_its_entrys_rules(knowledge, extractor, entry_id, text):
    result = triaged(extractor, text)
    assert result.urgency == "emergency", (text, [(s.id, s.negated) for s in result.symptoms])
    entry = next(e for e in knowledge.red_flag_catalogue if e.id == entry_id)
    red_flags = {s.id for s in result.symptoms if s.red_flag}
    assert red_flags & entry_symptoms(knowledge, entry), (text, red_flags)


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_a_denial_a_question_or_a_milder_version_is_no_emergency(extractor, text):
    assert triaged(extractor, text).urgency != "emergency"


def red_flag_rules(knowledge, symptom_id):
    """Which of a symptom's own rules make it a red flag, in words."""
    symptom = knowledge.symptoms[symptom_id]
    kinds = [
        "always an emergency" if symptom.urgency == "emergency" else "",
        "red-flag phrases" if symptom.red_flag_phrases else "",
    ]
    kinds.append("with a severity word" if symptom.severe_is_red_flag else "")
    compositions = sum(1 for rule in knowledge.compositions if rule["red_flag"] and rule["symptom"] == symptom_id)
    kinds.append(f"{compositions} compositional rule{'s' if compositions > 1 else ''}" if compositions else "")
    return ", ".join(kind for kind in kinds if kind)


def catalogue_table(knowledge):
    """The catalogue as docs/clinical_safety.md shows it: entry, anchor, the rules that recognise it."""
    readings = {}
    for sign in knowledge.vital_signs["signs"].values():
        unit = sign["unit"] if sign["unit"] == "%" else f" {sign['unit']}"
        for band in (b for b in sign["bands"] if b.get("emergency")):
            bound, side = (band["at_most"], "or less") if "at_most" in band else (band["at_least"], "or more")
            readings[band["id"]] = f"{sign['label']} {bound:g}{unit} {side}"
    rows = ["| Entry | Anchor | Recognised by |", "| --- | --- | --- |"]
    for entry in knowledge.red_flag_catalogue:
        how = [f"{knowledge.symptoms[s].label} (`{s}`: {red_flag_rules(knowledge, s)})" for s in entry.symptoms]
        for combination_id in entry.combinations:
            labels = sorted(knowledge.symptoms[s].label for s in knowledge.red_flag_combinations_by_id[combination_id])
            how.append(f"{' with '.join(labels)} (`{combination_id}`)")
        how += [f"{readings[band_id]} (`{band_id}`)" for band_id in entry.vital_signs]
        rows.append(f"| {entry.title} | {' '.join(entry.anchor.split())} | {'; '.join(how)} |")
    return "\n".join(rows)


def test_the_clinical_safety_review_shows_the_catalogue_as_it_is(knowledge):
    text = CLINICAL_SAFETY.read_text(encoding="utf-8")
    assert TABLE_START in text and TABLE_END in text
    shown = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    expected = catalogue_table(knowledge)
    assert shown == expected, f"docs/clinical_safety.md: replace the table between the markers with:\n{expected}"
