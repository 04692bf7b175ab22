"""Readings off home devices: oxygen saturation ("sats 89", "pulse ox reading 87", "o2 was 90%"),
heart rate ("pulse 150", "hr 45", "130 bpm"), blood pressure ("85 over 50", "bp 88/52") and
breathing rate ("rr 28", "26 breaths a minute"), and low temperatures. Each reading in a band of
knowledge/vital_signs.yml becomes a symptom mention, a red flag in an emergency band (NEWS2's red
band). A number counts only with a word naming the sign beside it, in the same clause; one in a
question about what could happen ("should I call if his sats go under 90?") is not a reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from bot.triage.engine import NEGATED, PRESENT
from bot.triage.recognition.mentions import Mention, Temperature

NUMBER = re.compile(r"(?<![\w.,/:])(\d{1,3})(?![\d.,:/]\d)(\s*(?:%|percent\b))?")
BLOOD_PRESSURE = re.compile(r"(?<![\w.,/:])(\d{2,3})\s*(?:/|\bover\b)\s*(\d{2,3})(?![\d/])")
CLAUSE_END = re.compile(r"[.;!?\n]")
# After the number only its unit may name it ("89% on the pulse ox", "130 bpm", "26 breaths a
# minute"): not the next reading's word ("sats 97, pulse 88").
AFTER_END = re.compile(r"[.;!?\n,]|\band\b|\d")
# How far a naming word may stand from its number, in characters, before or after it.
BEFORE_WINDOW, AFTER_WINDOW = 32, 24
HYPOTHETICAL = re.compile(r"\b(?:if|in case|should i|when should|when do i|what if|unless)\b")
TEMPERATURE = "temperature"


@dataclass(frozen=True)
class Band:
    symptom: str
    emergency: bool
    at_most: Optional[float] = None
    at_least: Optional[float] = None
    denies: bool = False  # a normal reading: the symptom is recorded as denied

    def holds(self, value: float) -> bool:
        return (self.at_most is None or value <= self.at_most) and (self.at_least is None or value >= self.at_least)


@dataclass(frozen=True)
class Sign:
    name: str
    label: str
    unit: str
    cues: Optional[re.Pattern]
    value_range: Tuple[float, float]
    bands: Tuple[Band, ...]

    def band(self, value: float) -> Optional[Band]:
        return next((b for b in self.bands if b.holds(value)), None)


def load_signs(config: dict) -> Dict[str, Sign]:
    signs = {}
    for name, sign in config["signs"].items():
        cues = sorted(sign.get("cues", []), key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in cues) + r")(?!\w)") if cues else None
        bands = tuple(
            Band(
                symptom=b["symptom"],
                emergency=bool(b.get("emergency")),
                at_most=b.get("at_most"),
                at_least=b.get("at_least"),
                denies=bool(b.get("denies")),
            )
            for b in sign["bands"]
        )
        signs[name] = Sign(name, sign["label"], sign["unit"], pattern, tuple(sign.get("range", (0, 0))), bands)
    return signs


@dataclass(frozen=True)
class Reading:
    sign: str
    value: float
    text: str
    start: int
    end: int
    display: str


class VitalSignsReader:
    def __init__(self, config: dict) -> None:
        self.signs = load_signs(config)

    def readings(self, text: str, temperatures: Sequence[Temperature] = ()) -> List[Reading]:
        lowered = text.lower()
        taken = [(t.start, t.end) for t in temperatures]
        found: List[Reading] = []
        for match in BLOOD_PRESSURE.finditer(lowered):
            systolic, diastolic = int(match.group(1)), int(match.group(2))
            sign = self.signs["systolic_pressure"]
            says_over = "over" in match.group(0)
            if not (sign.value_range[0] <= systolic <= sign.value_range[1] and diastolic < systolic):
                continue
            if not (says_over or self._cue_distance(lowered, match.start(), match.end(), sign) is not None):
                continue
            if self._hypothetical(lowered, match.start()):
                continue
            found.append(
                Reading(
                    sign.name,
                    systolic,
                    text[match.start() : match.end()],
                    match.start(),
                    match.end(),
                    f"{sign.label} {systolic}/{diastolic}",
                )
            )
            taken.append((match.start(), match.end()))
        for match in NUMBER.finditer(lowered):
            start, end = match.start(1), match.end()
            if any(s <= start < e for s, e in taken):
                continue
            value = int(match.group(1))
            sign = self._nearest_sign(lowered, start, end, value, percent=bool(match.group(2)))
            if sign is None or self._hypothetical(lowered, start):
                continue
            unit = "%" if sign.unit == "%" else f" {sign.unit}"
            found.append(Reading(sign.name, value, text[start:end].strip(), start, end, f"{sign.label} {value}{unit}"))
        return sorted(found, key=lambda r: r.start)

    def mentions(self, readings: Sequence[Reading], temperatures: Sequence[Temperature] = ()) -> List[Mention]:
        """A mention for each reading in a band; temperatures only for their low and normal bands
        (fever is readings.TemperatureReader's). A normal reading is a denial."""
        banded = [(self.signs[r.sign].band(r.value), r.text, r.start, r.end, r.display) for r in readings]
        banded += [(self.signs[TEMPERATURE].band(t.celsius), t.text, t.start, t.end, t.display()) for t in temperatures]
        return [
            Mention(
                symptom_id=band.symptom,
                text=text,
                start=start,
                end=end,
                red_flag=band.emergency,
                assertion=NEGATED if band.denies else PRESENT,
                value=display,
            )
            for band, text, start, end, display in banded
            if band
        ]

    def _nearest_sign(self, text: str, start: int, end: int, value: int, percent: bool) -> Optional[Sign]:
        best: Optional[Tuple[int, int, Sign]] = None
        for sign in self.signs.values():
            if sign.cues is None or not sign.value_range[0] <= value <= sign.value_range[1]:
                continue
            if percent and sign.unit != "%":
                continue
            distance = self._cue_distance(text, start, end, sign)
            if distance is not None and (best is None or distance < best[0]):
                best = (distance, -len(sign.name), sign)
        return best[2] if best else None

    @staticmethod
    def _cue_distance(text: str, start: int, end: int, sign: Sign) -> Optional[int]:
        """Characters between the number and the nearest word naming the sign in its clause, if any."""
        before = text[max(0, start - BEFORE_WINDOW) : start]
        clause_break = list(CLAUSE_END.finditer(before))
        if clause_break:
            before = before[clause_break[-1].end() :]
        after = AFTER_END.split(text[end : end + AFTER_WINDOW])[0]
        distances = [len(before) - m.end() for m in sign.cues.finditer(before)]
        distances += [m.start() for m in sign.cues.finditer(after)]
        return min(distances) if distances else None

    @staticmethod
    def _hypothetical(text: str, start: int) -> bool:
        """A number in a question about what could happen: "call if his sats go under 90?"."""
        clause_start = max((m.end() for m in CLAUSE_END.finditer(text, 0, start)), default=0)
        return bool(HYPOTHETICAL.search(text[clause_start:start]))
