"""The floor: `rasa init`'s project, written from the installed Rasa, keeping conversations in
Rasa's own SQL tracker store at the URL `make bench` gives each stack."""

import importlib.util
from pathlib import Path

import yaml

from evaluation.floor import build

INITIAL_PROJECT = Path(importlib.util.find_spec("rasa").origin).parent / "cli" / "initial_project"


def test_the_floor_is_rasa_inits_project(tmp_path):
    floor = tmp_path / "floor"
    (floor / "data").mkdir(parents=True)
    (floor / "data" / "left_over.yml").write_text("from an earlier build")
    build(floor)
    for name in ("config.yml", "domain.yml", "credentials.yml", "data/nlu.yml", "data/rules.yml", "data/stories.yml"):
        assert (floor / name).read_text() == (INITIAL_PROJECT / name).read_text(), name
    assert not (floor / "data" / "left_over.yml").exists()
    domain = yaml.safe_load((floor / "domain.yml").read_text())
    assert all(name.startswith("utter_") for name in domain["responses"]) and not domain.get("actions")


def test_the_floor_keeps_conversations_in_rasas_sql_store_at_the_stacks_url(tmp_path, monkeypatch):
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    build(tmp_path / "floor")
    endpoints = (tmp_path / "floor" / "endpoints.yml").read_text()
    assert endpoints.startswith((INITIAL_PROJECT / "endpoints.yml").read_text())
    database = tmp_path / "conversations.db"
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{database}")
    config = read_endpoint_config(str(tmp_path / "floor" / "endpoints.yml"), "tracker_store")
    store = TrackerStore.create(config)
    assert type(store) is SQLTrackerStore
    assert store.engine.url.database == str(database) and database.exists()
