"""PostgreSQL and Redis stopped under the scaled set-up, then started again: never silent, never
in memory, the person still gets the safe advice, and the conversation goes on afterwards with
nothing lost that had been stored, without restarting Rasa.

After test_scale_out (alphabetical order is not relied on: each test restores what it stops)."""

from __future__ import annotations

import pytest

from ops.scaled_stack import services
from tests.support.database import user_messages
from tests.support.scaled import FAILURE_TEXT, post_message, readiness, wait_for
from tests.support.scaled import reply_texts as texts
from tests.support.stack import new_sender

EMERGENCY = "Call emergency services now"
CARE_TEAM = "care team"
ASK_THERAPY = "which treatment is this after?"
ASK_TIMING = "When was it last given?"


def ready_everywhere(scaled) -> bool:
    urls = [scaled.url] + [scaled.rasa_url(i) for i, s in enumerate(scaled.rasa_servers) if s.running]
    return all(readiness(url).status_code == 200 for url in urls)


def failing_checks(url: str) -> dict:
    answer = readiness(url)
    assert answer.status_code == 503, answer.text
    return {name: check["detail"] for name, check in answer.json()["checks"].items() if not check["ok"]}


@pytest.fixture
def running(scaled):
    """Both Rasa servers up and every check green before a fault is injected."""
    for index, server in enumerate(scaled.rasa_servers):
        if not server.running:
            scaled.restart_rasa(index)
    assert wait_for(lambda: ready_everywhere(scaled), timeout=60)
    return scaled


@pytest.mark.parametrize(
    "service, check, store_name",
    [
        ("postgres", "tracker_store", "The tracker store (postgresql)"),
        ("redis", "lock_store", "The lock store (redis)"),
    ],
)
def test_a_store_outage_is_loud_safe_and_recovers_without_a_restart(running, database, service, check, store_name):
    scaled = running
    sender = new_sender(f"outage-{service}")
    assert ASK_THERAPY in " ".join(texts(post_message(scaled.url, sender, "my wife has a fever of 39.1")))

    services("stop", service)
    try:
        during = texts(post_message(scaled.url, sender, "kymriah"))
        assert len(during) == 1 and FAILURE_TEXT in during[0] and CARE_TEAM in during[0], during
        red_flag = texts(post_message(scaled.url, sender, "oh no she just had a seizure"))
        assert red_flag[0].startswith("Your message mentions something that may be an emergency. " + EMERGENCY), (
            red_flag
        )
        for index in range(len(scaled.rasa_servers)):
            assert check in failing_checks(scaled.rasa_url(index))
        assert check in failing_checks(scaled.url)
    finally:
        services("start", service)

    assert wait_for(lambda: ready_everywhere(scaled), timeout=60)
    # The form goes on from the last stored turn: the therapy question was stored before the outage.
    after = texts(post_message(scaled.url, sender, "kymriah"))
    assert any(ASK_TIMING in reply for reply in after), after
    if service == "postgres":
        # What was said during the outage was answered but could not be stored.
        assert user_messages(database, sender) == ["my wife has a fever of 39.1", "kymriah"]
    logs = [scaled.rasa_log(index) for index in range(len(scaled.rasa_servers))]
    assert any(f"{store_name} is UNAVAILABLE" in log for log in logs)
    assert any(f"{store_name} has recovered" in log for log in logs)
    for log in logs:
        assert "InMemoryTrackerStore" not in log and "InMemoryLockStore" not in log
        assert "fever of 39.1" not in log and "seizure" not in log
