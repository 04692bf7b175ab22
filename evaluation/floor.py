"""The floor of `make bench`: Rasa's own minimal assistant, the project `rasa init --no-prompt` writes,
served beside the project's so that each figure can be read as a multiple of Rasa's fixed cost per
message on the same machine, in the same run.

`make bench` builds it into models/floor/ from the installed Rasa (never a copy kept in the
repository) and trains it once into models/floor.tar.gz. The one change to what `rasa init`
writes: endpoints.yml keeps the conversations in Rasa's own SQL tracker store at
TRACKER_STORE_URL, as the project keeps them (`rasa init` keeps them in memory). Its replies are
all responses in its domain, so it needs no action server.

Usage: python -m evaluation.floor build models/floor
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import List

from bot import REPO_ROOT

FLOOR_PROJECT = REPO_ROOT / "models" / "floor"
FLOOR_MODEL = REPO_ROOT / "models" / "floor.tar.gz"
# Rasa's SQL tracker store takes a whole database URL as its `url` (passed on as the host, which
# get_db_url then uses as it is: rasa/core/tracker_store.py), the same URL the project's store is
# given: `make bench` sets it per stack.
TRACKER_STORE = """
# Added by evaluation/floor.py: conversations in a SQL database, as the project keeps them.
tracker_store:
  type: SQL
  url: ${TRACKER_STORE_URL}
"""


def build(directory: Path) -> None:
    """Write `rasa init`'s project into `directory` (emptied first), with the SQL tracker store."""
    from rasa.cli.scaffold import create_initial_project

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    create_initial_project(str(directory))
    endpoints = directory / "endpoints.yml"
    endpoints.write_text(endpoints.read_text(encoding="utf-8") + TRACKER_STORE, encoding="utf-8")


def main(argv: List[str]) -> int:
    if len(argv) != 2 or argv[0] != "build":
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    build(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
