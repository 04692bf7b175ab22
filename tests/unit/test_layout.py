"""The layout is the architecture: the triage core is plain Python, and imports point one way.

bot/triage  -> nothing of Rasa, rasa_sdk or sanic; nothing of bot.server, actions, ops or evaluation
actions     -> bot.triage and rasa_sdk, never bot.server (the action server does not run Rasa)
bot/server  -> Rasa and bot.triage, never actions
"""

import ast

import pytest

from bot import REPO_ROOT

FORBIDDEN = {
    "bot/triage": ("rasa", "rasa_sdk", "sanic", "bot.server", "actions", "ops", "evaluation", "tests"),
    "actions": ("bot.server", "rasa.", "sanic", "ops", "evaluation", "tests"),
    "bot/server": ("actions", "ops", "evaluation", "tests"),
}


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def crosses(module, forbidden):
    return any(module == f.rstrip(".") or module.startswith(f if f.endswith(".") else f + ".") for f in forbidden)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_across_the_line_in_the_wrong_direction(package):
    files = sorted((REPO_ROOT / package).rglob("*.py"))
    assert files, package
    wrong = [
        f"{path.relative_to(REPO_ROOT)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if crosses(module, FORBIDDEN[package])
    ]
    assert wrong == []


def test_the_rule_itself_catches_a_rasa_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from rasa.shared.nlu.constants import TEXT\nimport sanic\n")
    assert [m for m in imported_modules(sneaky) if crosses(m, FORBIDDEN["bot/triage"])] == [
        "rasa.shared.nlu.constants",
        "sanic",
    ]
