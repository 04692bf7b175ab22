"""When the treatment was last given, from the words people use: "3 days ago", "day +5", "last
Tuesday", "on the 14th", "Nov 14".

The care team counts from the day of the treatment (CRS usually starts within days), so the
assistant turns what people say into a number of days when it safely can, and otherwise keeps
their words as they said them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Optional

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "a couple of": 2,
    "couple of": 2,
    "couple": 2,
    "few": 3,
    "a few": 3,
}
DAY_NUMBER_PATTERN = re.compile(r"\b(?:day|d)\s*\+\s*(\d{1,3})\b|\bday\s+(\d{1,3})\b", re.IGNORECASE)
AGO_PATTERN = re.compile(
    r"\b(\d{1,3}|a couple of|couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|fourteen)\s+(days?|weeks?)\s+(?:ago|after|since|post|back)\b",
    re.IGNORECASE,
)
RELATIVE_DAY_PATTERN = re.compile(
    r"\b(yesterday|last night|today|this morning|tonight|this afternoon)\b", re.IGNORECASE
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Whole names only: "sat", "sun" and "wed" are everyday words.
WEEKDAY_PATTERN = re.compile(
    r"\b(monday|tuesday|tues|wednesday|weds|thursday|thurs|friday|saturday|sunday)\b", re.IGNORECASE
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
DAY_MONTH_PATTERN = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}", re.IGNORECASE)
MONTH_DAY_PATTERN = re.compile(rf"\b{_MONTH}\s+{_DAY}\b", re.IGNORECASE)
ISO_DATE_PATTERN = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b")
DAY_OF_MONTH_PATTERN = re.compile(r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)


def days_ago(text: str, today: date) -> Optional[int]:
    """Days from the time `text` names to `today`, or None when it names no usable time.

    A date without a year is the most recent one on or before today; a weekday alone ("on
    Tuesday", "last Tuesday") is the most recent one before today.
    """
    match = DAY_NUMBER_PATTERN.search(text)
    if match:
        return int(match.group(1) or match.group(2))
    match = AGO_PATTERN.search(text)
    if match:
        amount, unit = match.group(1).lower(), match.group(2).lower()
        count = int(amount) if amount.isdigit() else NUMBER_WORDS[amount]
        return count * (7 if unit.startswith("week") else 1)
    match = RELATIVE_DAY_PATTERN.search(text)
    if match:
        return 1 if match.group(1).lower() in ("yesterday", "last night") else 0
    given = _date_named(text, today)
    if given is not None:
        return (today - given).days
    match = WEEKDAY_PATTERN.search(text)
    if match:
        weekday = next(i for i, name in enumerate(WEEKDAYS) if name.startswith(match.group(1).lower()[:3]))
        return (today.weekday() - weekday - 1) % 7 + 1
    return None


def _date_named(text: str, today: date) -> Optional[date]:
    match = ISO_DATE_PATTERN.search(text)
    if match:
        return _valid_past(int(match.group(1)), int(match.group(2)), int(match.group(3)), today)
    for pattern, day_group, month_group in ((DAY_MONTH_PATTERN, 1, 2), (MONTH_DAY_PATTERN, 2, 1)):
        match = pattern.search(text)
        if match:
            month = MONTHS.index(match.group(month_group).lower()[:3]) + 1
            return _most_recent(month, int(match.group(day_group)), today)
    match = DAY_OF_MONTH_PATTERN.search(text)
    if match:
        day = int(match.group(1))
        this_month = _valid_past(today.year, today.month, day, today)
        if this_month is not None:
            return this_month
        last_month = today.replace(day=1) - timedelta(days=1)
        return _valid_past(last_month.year, last_month.month, day, today)
    return None


def _most_recent(month: int, day: int, today: date) -> Optional[date]:
    this_year = _valid_past(today.year, month, day, today)
    return this_year if this_year is not None else _valid_past(today.year - 1, month, day, today)


def _valid_past(year: int, month: int, day: int, today: date) -> Optional[date]:
    try:
        given = date(year, month, day)
    except ValueError:
        return None
    return given if given <= today else None


def describe_timing(value, today: date) -> Optional[str]:
    """The treatment timing as the summary shows it: the person's words and, when known, days."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return f"{int(value)} days ago" if int(value) != 1 else "1 day ago"
    text = str(value).strip()
    if text == "unknown":
        return "not known"
    days = days_ago(text, today)
    if days is None or re.fullmatch(r"\d+ days? ago", text, re.IGNORECASE):
        return f"“{text}”" if days is None else text
    return f"“{text}” (about {days} day{'s' if days != 1 else ''} ago)"
