"""A checker for what the assistant must never say: a diagnosis, a grade or score, reassurance,
a medicine or dose, or advice to stop a treatment.

Tests run every text the bot can produce through `find_unsafe_phrases`. The patterns look for
the act (telling someone they have CRS, telling them to take or stop something), so that the
assistant may still name what it will not do ("I cannot advise on medicines or doses").
"""

from __future__ import annotations

import re
from typing import List

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


def find_unsafe_phrases(text: str) -> List[str]:
    """Each unsafe phrase found, as 'kind: phrase'; an empty list means the text is safe."""
    normalised = text.replace("’", "'")
    found = []
    for kind, patterns in COMPILED.items():
        for pattern in patterns:
            found.extend(f"{kind}: {m.group(0)}" for m in pattern.finditer(normalised))
    return found
