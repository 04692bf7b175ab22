"""The ResponseSelector runs only on the messages DIET read as its retrieval intent (faq)."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.training_data.message import Message

from bot.server.components.retrieval_only import RetrievalOnlyResponseSelector


def message(text, intent):
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})


def test_only_faq_messages_reach_the_response_selector(monkeypatch, tmp_path):
    selector = RetrievalOnlyResponseSelector.create(
        {**RetrievalOnlyResponseSelector.get_default_config(), "retrieval_intent": "faq"},
        LocalModelStorage(tmp_path),
        Resource("response_selector"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    selected = []
    monkeypatch.setattr(ResponseSelector, "process", lambda self, messages: selected.extend(messages) or messages)
    messages = [
        message("what is cytokine release syndrome", "faq"),
        message("hes burning up 39.1 and shaking", "report_symptom"),
        message("thanks", "thank"),
        Message(data={"text": ""}),
    ]
    assert selector.process(messages) is messages
    assert [m.get("text") for m in selected] == ["what is cytokine release syndrome"]
