"""The trained model, loaded without Rasa's training step (bot/server/components/fast_loading.py), answers exactly as
when Rasa loads it its own way: same intents, confidences, entities and FAQ answers for every
held-out message, and the same TED probabilities for each as a first turn.

Rasa's own way is reached through the fallback: when the check that every weight came from the
model file fails, each neural component is loaded Rasa's way, with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from typing import List

import pytest
from rasa.core.agent import Agent
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from tensorflow.python.checkpoint.checkpoint import CheckpointLoadStatus

from bot.server.components.fast_loading import FastLoadingTEDPolicy
from evaluation.quality import held_out_examples
from ops.stack import MODEL


def parses_and_ted_probabilities(texts: List[str]) -> tuple:
    agent = Agent.load(str(MODEL))
    ted_node = next(
        name
        for name, node in agent.processor.model_metadata.predict_schema.nodes.items()
        if node.uses is FastLoadingTEDPolicy
    )

    async def parse() -> list:
        return [await agent.parse_message(text) for text in texts]

    parses = asyncio.run(parse())
    probabilities = []
    for number, parse_data in enumerate(parses):
        tracker = DialogueStateTracker.from_events(
            f"fast-loading-{number}",
            [
                ActionExecuted("action_listen"),
                UserUttered(parse_data["text"], parse_data["intent"], parse_data["entities"], parse_data),
            ],
        )
        prediction = agent.processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[ted_node])[
            ted_node
        ]
        probabilities.append(prediction.probabilities)
    return parses, probabilities


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
def test_fast_loading_answers_as_rasas_own_loading(monkeypatch, caplog):
    texts = [example["text"] for example in held_out_examples()]
    fast_parses, fast_ted = parses_and_ted_probabilities(texts)
    assert not [r for r in caplog.records if "slower way" in r.getMessage()]

    def weight_not_in_file(status: CheckpointLoadStatus) -> None:
        raise AssertionError("unresolved object")

    monkeypatch.setattr(CheckpointLoadStatus, "assert_existing_objects_matched", weight_not_in_file)
    with caplog.at_level(logging.WARNING, logger="bot.server.components.fast_loading"):
        rasa_parses, rasa_ted = parses_and_ted_probabilities(texts)
    fell_back = {r.getMessage().split(":")[0] for r in caplog.records if "slower way" in r.getMessage()}
    assert fell_back == {"FastLoadingDIET", "FastLoadingDIET2BOW", "FastLoadingTED"}

    assert len(fast_parses) == len(texts) > 400
    assert fast_parses == rasa_parses
    assert fast_ted == rasa_ted
