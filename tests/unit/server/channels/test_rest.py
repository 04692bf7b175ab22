"""The REST channel's request reading: the client's message id, and what it refuses."""

from types import SimpleNamespace

import pytest
from sanic.exceptions import InvalidUsage

from bot.server.channels.rest import SafeRestInput


def metadata_of(body):
    return SafeRestInput().get_metadata(SimpleNamespace(json=body))


def test_the_client_message_id_travels_in_the_metadata_beside_the_clients_own():
    body = {"sender": "s", "message": "fever 39", "message_id": "web-41", "metadata": {"page": "chat"}}
    assert metadata_of(body) == {"page": "chat", "message_id": "web-41"}


def test_no_id_and_no_metadata_is_none_as_before():
    assert metadata_of({"sender": "s", "message": "fever"}) is None


def test_an_id_inside_the_metadata_is_not_taken_for_the_clients_promise():
    assert metadata_of({"sender": "s", "message": "fever", "metadata": {"message_id": "x"}}) is None


@pytest.mark.parametrize("message_id", ["", 7, ["a"], "x" * 129])
def test_a_malformed_id_is_a_bad_request(message_id):
    with pytest.raises(InvalidUsage, match="message_id"):
        metadata_of({"sender": "s", "message": "fever", "message_id": message_id})
