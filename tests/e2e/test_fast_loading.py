"""The trained model, loaded without Rasa's training step (bot/server/components/fast_loading.py), answers exactly as
when Rasa loads it its own way: same intents, confidences, entities and FAQ answers for every
held-out message.

Rasa's own way is reached through the fallback: when the check that every weight came from the
model file fails, each neural component is loaded Rasa's way, with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from typing import List

import pytest
from rasa.core.agent import Agent
from tensorflow.python.checkpoint.checkpoint import CheckpointLoadStatus

from evaluation.quality import held_out_examples
from ops.stack import MODEL


def parses(texts: List[str]) -> list:
    agent = Agent.load(str(MODEL))

    async def parse() -> list:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
def test_fast_loading_answers_as_rasas_own_loading(monkeypatch, caplog):
    texts = [example["text"] for example in held_out_examples()]
    fast_parses = parses(texts)
    assert not [r for r in caplog.records if "slower way" in r.getMessage()]

    def weight_not_in_file(status: CheckpointLoadStatus) -> None:
        raise AssertionError("unresolved object")

    monkeypatch.setattr(CheckpointLoadStatus, "assert_existing_objects_matched", weight_not_in_file)
    with caplog.at_level(logging.WARNING, logger="bot.server.components.fast_loading"):
        rasa_parses = parses(texts)
    fell_back = {r.getMessage().split(":")[0] for r in caplog.records if "slower way" in r.getMessage()}
    assert fell_back == {"FastLoadingDIET", "FastLoadingDIET2BOW"}

    assert len(fast_parses) == len(texts) > 400
    assert fast_parses == rasa_parses
