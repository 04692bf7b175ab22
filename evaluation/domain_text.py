"""domain.yml as the bot says it: response texts with the slots' values filled in, as Rasa fills them."""

from __future__ import annotations

import functools
import re

import yaml

from bot import REPO_ROOT

DOMAIN_FILE = REPO_ROOT / "domain.yml"
SLOT_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@functools.lru_cache(maxsize=1)
def load_domain() -> dict:
    """The domain, every response text filled with its slots' initial values."""
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    values = {name: slot.get("initial_value") for name, slot in domain["slots"].items()}
    for variations in domain["responses"].values():
        for variation in variations:
            if isinstance(variation.get("text"), str):
                variation["text"] = SLOT_PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), variation["text"])
    return domain
