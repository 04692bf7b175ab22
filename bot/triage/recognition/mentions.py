"""What recognition finds in one message: symptom mentions, readings, therapies, timing, reporter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Set, Tuple

from bot.triage.engine import HYPOTHETICAL, NEGATED, PRESENT, RESOLVED, SymptomReport
from bot.triage.knowledge import most_specific_therapy


@dataclass(frozen=True)
class Temperature:
    text: str
    start: int
    end: int
    value: float
    unit: str  # "C" or "F"

    @property
    def celsius(self) -> float:
        return round(self.value if self.unit == "C" else (self.value - 32) * 5 / 9, 1)

    def display(self) -> str:
        """How a care team writes it: the reading as given, with the Celsius value for F."""
        if self.unit == "C":
            return f"{self.value:g} C"
        return f"{self.value:g} F ({self.celsius:g} C)"


@dataclass(frozen=True)
class Mention:
    """A symptom found in the text, with its character offsets and how it is asserted: present,
    negated ("no fever"), hypothetical ("what if he has a fit?") or resolved ("the fever broke")."""

    symptom_id: str
    text: str
    start: int
    end: int
    red_flag: bool
    assertion: str = PRESENT
    value: Optional[str] = None
    worse: bool = False

    @property
    def negated(self) -> bool:
        return self.assertion == NEGATED

    @property
    def reported(self) -> bool:
        """Present or resolved: it happened, so it counts for triage."""
        return self.assertion in (PRESENT, RESOLVED)

    def as_report(self) -> SymptomReport:
        return SymptomReport(
            symptom_id=self.symptom_id,
            negated=self.negated,
            resolved=self.assertion == RESOLVED,
            red_flag=self.red_flag,
            text=self.text,
            value=self.value,
            worse=self.worse,
        )


@dataclass(frozen=True)
class TherapyMention:
    therapy_id: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Extraction:
    mentions: Tuple[Mention, ...]
    temperatures: Tuple[Temperature, ...]
    therapies: Tuple[TherapyMention, ...]
    days_since_treatment: Optional[int]
    caregiver: bool
    # The learned recogniser read an emergency that the lexicon found no red flag for.
    emergency_described: bool = False
    # Words that say someone is unwell without naming a symptom ("he seems off": language.yml).
    unwell_described: bool = False

    @property
    def readings(self) -> Tuple[str, ...]:
        return tuple(t.display() for t in self.temperatures)

    @property
    def reports(self) -> List[SymptomReport]:
        """What the message reports: a hypothetical mention is a question, not a report."""
        return [m.as_report() for m in self.mentions if m.assertion != HYPOTHETICAL]

    def hypothetical_ids(self) -> Set[str]:
        return (
            {m.symptom_id for m in self.mentions if m.assertion == HYPOTHETICAL}
            - self.present_ids()
            - {m.symptom_id for m in self.mentions if m.negated}
        )

    @property
    def therapy_id(self) -> Optional[str]:
        """The most specific therapy named: a product beats "CAR-T" or "bispecific"."""
        return most_specific_therapy([t.therapy_id for t in self.therapies])

    def present_ids(self) -> Set[str]:
        """Present or resolved."""
        return {m.symptom_id for m in self.mentions if m.reported}

    def negated_ids(self) -> Set[str]:
        present = self.present_ids()
        return {m.symptom_id for m in self.mentions if m.negated and m.symptom_id not in present}
