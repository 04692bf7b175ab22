"""When the treatment was last given, from what people type in answer to "when was it last given?"."""

from datetime import date

import pytest

from bot.triage.recognition.treatment_dates import days_ago, describe_timing

SUNDAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    "text,days",
    [
        ("3 days ago", 3),
        ("three days ago", 3),
        ("a couple of days ago", 2),
        ("about a week ago", 7),
        ("2 weeks ago", 14),
        ("day +5", 5),
        ("day 7", 7),
        ("d+3", 3),
        ("yesterday", 1),
        ("last night", 1),
        ("this morning", 0),
        ("on tuesday", 5),
        ("last Tuesday", 5),
        ("saturday", 1),
        ("Sunday", 7),  # the most recent Sunday before today
        ("on the 14th", 8),
        ("the 28th", 25),  # not yet this month, so last month's
        ("nov 14", 8),
        ("14 November", 8),
        ("November 14th", 8),
        ("14th of nov", 8),
        ("december 1st", 356),  # no year: the most recent 1 December on or before today
        ("2026-11-15", 7),
    ],
)
def test_days_ago(text, days):
    assert days_ago(text, SUNDAY) == days


@pytest.mark.parametrize(
    "text",
    [
        "not sure",
        "the purple bag one",
        "i sat down",
        "in the sun",
        "2026-12-01",
        "31 february",
        "wed be glad",
    ],
)
def test_no_usable_time_is_none(text):
    assert days_ago(text, SUNDAY) is None


@pytest.mark.parametrize(
    "value,shown",
    [
        (5, "5 days ago"),
        (1.0, "1 day ago"),
        ("3 days ago", "3 days ago"),
        ("last tuesday", "“last tuesday” (about 5 days ago)"),
        ("yesterday", "“yesterday” (about 1 day ago)"),
        ("after the second cycle", "“after the second cycle”"),
        ("unknown", "not known"),
        (None, None),
    ],
)
def test_describe_timing(value, shown):
    assert describe_timing(value, SUNDAY) == shown
