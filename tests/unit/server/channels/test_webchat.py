"""The widget channel's pure parts: links, emergency marking, allowed origins."""

import asyncio

import pytest

from bot.server.channels.webchat import EMERGENCY_CSS, WidgetOutput, allowed_origins_from_environment, with_links


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "call emergency services (911 in the US and Canada)",
            "call emergency services ([911](tel:911) in the US and Canada)",
        ),
        ("Call us at 1-800-227-2345", "Call us at [1-800-227-2345](tel:18002272345)"),
        ("see https://www.cancer.org/x", "see [https://www.cancer.org/x](https://www.cancer.org/x)"),
        ("day 9115 after", "day 9115 after"),
    ],
)
def test_phone_numbers_and_addresses_become_links(text, expected):
    assert with_links(text) == expected


class FakeServer:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data=None, room=None, **kwargs):
        self.emitted.append((event, data, room, kwargs))


def test_emergency_advice_is_marked_and_payloads_are_not_sent():
    server = FakeServer()
    output = WidgetOutput(server, "bot_uttered")
    asyncio.run(
        output.send_text_message(
            "room1", "Call 911 now.\n\nThen tell the care team.", metadata={"urgency": "emergency"}
        )
    )
    asyncio.run(output.send_text_message("room1", "Please contact your care team.", metadata={}))
    asyncio.run(output.send_custom_json("room1", {"triage": {"urgency": "emergency"}}))
    sent = [data for _, data, _, _ in server.emitted]
    assert sent[0] == {"text": "Call [911](tel:911) now.", "metadata": {"customCss": EMERGENCY_CSS}}
    assert sent[1]["metadata"] == {"customCss": EMERGENCY_CSS}
    assert sent[2] == {"text": "Please contact your care team."}
    assert len(sent) == 3


def test_allowed_origins(monkeypatch):
    monkeypatch.delenv("WEBCHAT_ALLOWED_ORIGINS", raising=False)
    assert allowed_origins_from_environment() is None
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "https://clinic.example/, https://charity.example")
    assert allowed_origins_from_environment() == ["https://clinic.example", "https://charity.example"]
