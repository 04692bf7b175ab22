"""A checker for what the assistant must never say: a diagnosis, a grade or score, reassurance,
wording that delays care, a medicine or dose, or advice to stop a treatment; and for a reply to a
report that asks a question before it advises.

Tests run every text the bot can produce through `find_unsafe_phrases`. The patterns look for
the act (telling someone they have CRS, telling them to take or stop something), so that the
assistant may still name what it will not do ("I cannot advise on medicines or doses").
"""

from __future__ import annotations

import re
from typing import List, Sequence

CONDITIONS = r"(?:crs|icans|cytokine release syndrome|neurotoxicity|an? infection|sepsis|a blood clot|a clot|a reaction|an allergic reaction|a side effect)"
MEDICINES = (
    r"(?:tylenol|paracetamol|acetaminophen|ibuprofen|advil|motrin|nurofen|aspirin|calpol|naproxen|"
    r"steroids?|dexamethasone|prednisone|tocilizumab|actemra|antihistamines?|benadryl|loperamide|"
    r"imodium|painkillers?|pain killers?|pain relief|medicine|medication|tablets?|pills?)"
)
TREATMENTS = r"(?:treatment|therapy|medicine|medication|pump|infusion|dose|doses|drug|blincyto|blinatumomab|lenalidomide|revlimid|pomalidomide|thalidomide|tablets|pills|cream|injections?)"

UNSAFE_PATTERNS = {
    "diagnosis": [
        rf"\byou(?:'ve| have|'re having| are having| are experiencing| probably have| might have| may have| could have) (?:got )?{CONDITIONS}\b",
        rf"\b(?:he|she|they) (?:has|have|'s got|probably has|might have|may have) (?:got )?{CONDITIONS}\b",
        rf"\b(?:this|that|it)(?:'s| is| sounds like| looks like| could be| might be| may be| must be| is probably| is likely) {CONDITIONS}\b",
        r"\bsounds like (?:crs|icans|cytokine|neurotox)",
        r"\b(?:diagnos(?:e|is) (?:is|of) |you are diagnosed)",
    ],
    "grade or score": [
        r"\bgrade\s*(?:[0-5]|i{1,3}v?|iv|one|two|three|four)\b",
        r"\b(?:ice|carte|ce) score\b",
        r"\bscore(?:s|d)? (?:of|is) \d",
        r"\b(?:mild|moderate|low[- ]grade|high[- ]grade) (?:crs|icans)\b",
    ],
    "reassurance": [
        r"\bprobably nothing\b",
        r"\bnothing to worry\b",
        r"\bdon'?t worry\b",
        r"\bno need to (?:worry|call|contact|panic)\b",
        r"\b(?:you|he|she|they)(?:'re|'s| are| is| will be|'ll be) (?:fine|ok|okay|alright|all right|safe)\b",
        r"\b(?:perfectly|completely|totally|quite) normal\b",
        r"\bnothing serious\b",
        r"\bnot serious\b",
        r"\b(?:should|will) (?:pass|go away|settle)\b",
        r"\bwait and see\b",
        r"\bcan wait\b",
        r"\bdon'?t need to (?:call|contact|see|worry)\b",
        r"\bnot (?:an )?emergency\b",
        r"\bno cause for concern\b",
    ],
    # Wording that puts off contacting the care team: after these treatments, side effects are
    # reported right away. "If it gets worse" as the first instruction is caught by
    # `delays_care_first`; here, words that delay care wherever they stand.
    "delaying care": [
        r"\bmonitor (?:it |this |that |them |him |her |things |symptoms |the symptoms )?(?:at home|for now|overnight)\b",
        r"\bkeep an eye on (?:it|this|that|things|symptoms?|the symptoms?)\b",
        r"\bsee how (?:it|things|you|he|she|they) (?:goes|go|feel|feels|are|is) (?:overnight|tomorrow|for a (?:day|while))\b",
        r"\b(?:rest|sleep) (?:it off|and see)\b",
        r"\bwait (?:until|till|til) (?:the )?(?:morning|tomorrow|your next appointment|monday)\b",
        r"\bno need to (?:rush|hurry)\b",
    ],
    "medicine or dose": [
        r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|ml|milligrams?|micrograms?|millilit(?:er|re)s?)\b",
        rf"\b(?:take|taking|give|giving|try|use|have)\s+(?:(?:some|a|an|him|her|them|me|your|his|their|the|more)\s+){{0,3}}{MEDICINES}\b",
        r"\b(?:every|each) \d+ hours\b",
    ],
    "stopping a treatment": [
        rf"\b(?:stop|pause|skip|disconnect|turn off|switch off|unplug|hold off on|come off)\s+(?:taking\s+|using\s+)?(?:your\s+|the\s+|his\s+|her\s+|their\s+)?{TREATMENTS}\b",
    ],
}
COMPILED = {kind: [re.compile(p, re.IGNORECASE) for p in patterns] for kind, patterns in UNSAFE_PATTERNS.items()}


# A condition for acting that comes before any instruction: "if it gets worse, call them".
CONDITIONAL_DELAY = re.compile(
    r"\bif (?:it|this|that|things|they|he|she|you|the symptoms?|symptoms?)(?:'s| is| are| get| gets| become|"
    r" becomes| keep| keeps)? ?(?:getting |any )?(?:worse|worsen|worsens|persists?|carries on|carry on|"
    r"does ?n[o']t (?:improve|get better|settle)|do ?n[o']t (?:improve|get better|settle))\b",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
QUESTION = re.compile(r"\?(?:\s|$)")
# What makes a message the advice: it sends the person to the care team or emergency services.
ADVICE = re.compile(r"\b(?:care team|emergency services|call 911|the 988)\b", re.IGNORECASE)


def delays_care_first(text: str) -> bool:
    """The reply's first instruction waits for things to get worse ("If it gets worse, call...")."""
    first_sentence = SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return bool(CONDITIONAL_DELAY.search(first_sentence))


def asks_before_advising(turn: Sequence[str]) -> bool:
    """A reply to a symptom report (the bot's texts of one turn, in order) asks a question before it
    has given any advice: the question would hold the person back from calling."""
    for text in turn:
        advice_at = ADVICE.search(text)
        question_at = QUESTION.search(text)
        if question_at and (advice_at is None or question_at.start() < advice_at.start()):
            return True
        if advice_at:
            return False
    return False


def find_unsafe_phrases(text: str) -> List[str]:
    """Each unsafe phrase found, as 'kind: phrase'; an empty list means the text is safe."""
    normalised = text.replace("’", "'")
    found = []
    for kind, patterns in COMPILED.items():
        for pattern in patterns:
            found.extend(f"{kind}: {m.group(0)}" for m in pattern.finditer(normalised))
    if delays_care_first(normalised):
        found.append(f"delaying care: {SENTENCE_END.split(normalised.strip(), maxsplit=1)[0]}")
    return found
