"""A message sent again with the same id is answered from the conversation, not handled twice."""

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.server.channels.redelivery import adopt_client_message_id, answer_redeliveries, client_message_id, replies_to

SEIZURE = "he had a seizure and now hes really sleepy"


class RecordingProcessor:
    """Stands in for Rasa's MessageProcessor: stores each message and two replies, counts handlings."""

    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.handled = []

    async def handle_message(self, message: UserMessage) -> None:
        self.handled.append(message.text)
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        for number in (1, 2):
            reply = BotUttered(
                f"reply {number} to {message.text}", data={"buttons": [{"title": "ok"}]} if number == 2 else {}
            )
            tracker.update(reply)
            await message.output_channel.send_response(message.sender_id, reply.message())
        await self.tracker_store.save(tracker)


def send(processor, text, message_id=None, sender="caregiver-1"):
    """One message as a channel delivers it; returns what the client received."""
    output = CollectingOutputChannel()
    metadata = {"message_id": message_id} if message_id else None
    message = UserMessage(text, output, sender, metadata=metadata)
    adopt_client_message_id(message)
    asyncio.run(processor.handle_message(message))
    return output.messages


def stored_user_messages(processor, sender="caregiver-1"):
    tracker = asyncio.run(processor.tracker_store.retrieve(sender))
    return [(event.text, event.message_id) for event in tracker.events if isinstance(event, UserUttered)]


def test_a_message_sent_again_gets_its_first_replies_and_is_stored_once():
    processor = RecordingProcessor()
    answer_redeliveries(processor)

    first = send(processor, SEIZURE, "m-1")
    again = send(processor, SEIZURE, "m-1")

    assert processor.handled == [SEIZURE]
    assert again == first
    assert [m["text"] for m in again] == [f"reply 1 to {SEIZURE}", f"reply 2 to {SEIZURE}"]
    assert again[1]["buttons"] == [{"title": "ok"}]
    assert stored_user_messages(processor) == [(SEIZURE, "m-1")]


def test_a_message_sent_again_after_later_messages_gets_only_its_own_replies():
    processor = RecordingProcessor()
    answer_redeliveries(processor)
    send(processor, "fever 39.2", "m-1")
    send(processor, "and shaking", "m-2")

    again = send(processor, "fever 39.2", "m-1")

    assert [m["text"] for m in again] == ["reply 1 to fever 39.2", "reply 2 to fever 39.2"]
    assert processor.handled == ["fever 39.2", "and shaking"]


def test_the_same_words_with_a_new_id_or_no_id_are_handled_again():
    processor = RecordingProcessor()
    answer_redeliveries(processor)
    send(processor, "still 38.9", "m-1")
    send(processor, "still 38.9", "m-2")
    send(processor, "still 38.9")
    send(processor, "still 38.9")

    assert processor.handled == ["still 38.9"] * 4


def test_ids_are_per_conversation():
    processor = RecordingProcessor()
    answer_redeliveries(processor)
    send(processor, "fever", "m-1", sender="patient-a")
    send(processor, "confused", "m-1", sender="patient-b")

    assert processor.handled == ["fever", "confused"]


def test_wrapping_twice_checks_once():
    processor = RecordingProcessor()
    answer_redeliveries(processor)
    wrapped = processor.handle_message
    answer_redeliveries(processor)

    assert processor.handle_message is wrapped


def test_replies_to_reads_only_the_bot_utterances_up_to_the_next_user_message():
    events = [
        UserUttered("hi", message_id="a"),
        BotUttered("hello"),
        UserUttered("fever", message_id="b"),
        ActionExecuted("action_triage"),
        SlotSet("x", 1),
        BotUttered("contact your care team"),
        BotUttered("how high?"),
        UserUttered("39", message_id="c"),
        BotUttered("thanks"),
    ]
    assert [m["text"] for m in replies_to(events, "b")] == ["contact your care team", "how high?"]
    assert replies_to(events, "missing") is None
    assert replies_to([UserUttered("fever", message_id="d")], "d") == []


def test_only_an_id_the_client_gave_is_adopted():
    output = CollectingOutputChannel()
    given = UserMessage("fever", output, "s", metadata={"message_id": "client-7"})
    adopt_client_message_id(given)
    assert given.message_id == "client-7"

    for metadata in (None, {}, {"message_id": ""}, {"message_id": 7}):
        message = UserMessage("fever", output, "s", metadata=metadata)
        rasa_id = message.message_id
        adopt_client_message_id(message)
        assert client_message_id(message) is None
        assert message.message_id == rasa_id
