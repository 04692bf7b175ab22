"""Numbers read off home devices: temperatures in C or F ("38.6", "101F", "38,6"), and a fever
from 38.0 C / 100.4 F. A bare number counts only with a decimal, a unit or a temperature word near it."""

from __future__ import annotations

import re
from typing import Callable, List, Sequence

from spacy.tokens import Doc

from bot.triage.recognition.mentions import Mention, Temperature
from bot.triage.recognition.tokens import Tokens, sequence_at

TEMPERATURE_PATTERN = re.compile(
    r"(?<![\d.,/])(\d{2,3}(?:[.,]\d{1,2})?)\s*(°|º|deg(?:rees?|s)?)?\s*([cCfF](?:elsius|ahrenheit)?)?(?![\w/])"
)


class TemperatureReader:
    def __init__(self, tokens: Tokens, language: dict, make_doc: Callable[[str], Doc]) -> None:
        settings = language["temperature"]
        self.celsius_range = settings["celsius_range"]
        self.fahrenheit_range = settings["fahrenheit_range"]
        self.window = settings["window"]
        self.fever_celsius = settings["fever_celsius"]
        self.cues = tokens.norm_sequences(settings["cues"])
        self.not_temperature_units = set(settings["not_followed_by"])
        self.person_cues = tokens.norm_sequences(settings["person_cues"])
        self.person_fahrenheit_range = settings["person_fahrenheit_range"]
        self.make_doc = make_doc

    def temperatures(self, text: str) -> List[Temperature]:
        low_c, high_c = self.celsius_range
        low_f, high_f = self.fahrenheit_range
        found = []
        for match in TEMPERATURE_PATTERN.finditer(text):
            number, degree, unit = match.group(1), match.group(2), match.group(3)
            value = float(number.replace(",", "."))
            following = text[match.end() :].split()[:1]
            if following and following[0].lower().strip(".,!?") in self.not_temperature_units:
                continue
            explicit = bool(degree or unit)
            has_decimal = "." in number or "," in number
            a_person_fever = self.person_fahrenheit_range[0] <= value <= self.person_fahrenheit_range[1]
            needs_words_before = a_person_fever or not (explicit or has_decimal)
            before = [t.norm_ for t in self.make_doc(text[: match.start()])] if needs_words_before else []
            if a_person_fever and not unit and self._ends_with_a_person(before):
                unit = "F"
            elif not (explicit or has_decimal or self._has_temperature_cue(before)):
                continue
            if unit:
                scale = unit[0].upper()
            elif low_c <= value <= high_c:
                scale = "C"
            elif low_f <= value <= high_f:
                scale = "F"
            else:
                continue
            valid_range = (low_c, high_c) if scale == "C" else (low_f, high_f)
            if not valid_range[0] <= value <= valid_range[1]:
                continue
            reading = match.group(0).strip()
            found.append(
                Temperature(
                    text=reading, start=match.start(), end=match.start() + len(reading), value=value, unit=scale
                )
            )
        return found

    def _ends_with_a_person(self, before: List[str]) -> bool:
        """Whether the words (NORM) right before a number are a person: "I'm", "she's"."""
        return any(len(before) >= len(cue) and tuple(before[-len(cue) :]) == cue for cue in self.person_cues)

    def _has_temperature_cue(self, before: List[str]) -> bool:
        norms = before[-self.window :]
        return any(sequence_at(norms, i, self.cues) for i in range(len(norms)))

    def fevers(self, temperatures: Sequence[Temperature]) -> List[Mention]:
        return [
            Mention(
                symptom_id="fever",
                text=t.text,
                start=t.start,
                end=t.end,
                red_flag=False,
                value=t.display(),
            )
            for t in temperatures
            if t.celsius >= self.fever_celsius
        ]
