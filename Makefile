# The commands people run. `make run` serves the bot; `make test` runs every test.
# Everything installs into .venv from nothing: a Python 3.10 interpreter is the only prerequisite.
# uv installs the pinned packages (constraints.txt) in under a minute, where pip took three. It
# compiles them to bytecode as pip does: PYTHONDONTWRITEBYTECODE (below) keeps the tree clean, so
# without that every process would compile Rasa and TensorFlow again as it starts.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# `rasa`, with the dependencies' deprecation warnings filtered where it starts (ops/rasa_cli.py).
RASA := $(PY) -m ops.rasa_cli
MODEL := models/triage.tar.gz
# What a model is trained from: a change to any of these makes it stale. The knowledge base and
# the symptom component's code are read when the model is loaded, not stored in it. Rasa reads
# only these folders of data/ (data/recognition is the recogniser's corpus, not Rasa's).
RASA_DATA := data/nlu data/rules data/stories data/responses
TRAINING_DATA := domain.yml $(shell find $(RASA_DATA) -name '*.yml' 2>/dev/null)
TRAINING_INPUTS := config.yml $(TRAINING_DATA)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning
export ACTION_SERVER_URL ?= http://localhost:5055/webhook
export TRACKER_STORE_URL ?= sqlite:///state/conversations.db
export LOCK_STORE_TYPE ?= in_memory
# Read only when LOCK_STORE_TYPE names a Redis lock store (the scaled set-up: ops/services.sh).
export LOCK_STORE_URL ?= redis://localhost:6379/1

TOOLS := .venv-tools

.DEFAULT_GOAL := help
help:  ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  make %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
WIDGET := web/node_modules/rasa-webchat/lib/index.js

.PHONY: help venv web browser tools services train models eval bench bench-scaled run run-scaled prune-conversations test test-unit \
  train-recogniser peer floor generate lint validate test-stories test-e2e test-scale test-scale-when-possible clean

$(VENV)/.installed: requirements.txt constraints.txt ops/find_python310.sh
	@python310=$$(ops/find_python310.sh) || exit 1; \
	  [ -x $(PY) ] || "$$python310" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt -c constraints.txt
	touch $@

venv: $(VENV)/.installed  ## Create .venv and install the pinned packages

# The web chat widget, rasa-webchat, from the npm registry (not copied into the repository).
$(WIDGET): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(WIDGET)

web: $(WIDGET)  ## Install the web chat widget from npm

# Debian's Chromium and its driver, for the browser test (test tools cannot download browsers here).
browser:  ## Install Debian's Chromium and chromedriver (browser test)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# PostgreSQL, Redis and nginx (Debian's packages) for the scaled set-up, installed when missing.
services:  ## Install PostgreSQL, Redis and nginx (scaled set-up)
	ops/services.sh install

# Test tools that must not share Rasa's pinned environment: schemathesis for the agent-assist API.
$(TOOLS)/.installed: requirements-tools.txt constraints-tools.txt
	@python310=$$(ops/find_python310.sh) || exit 1; \
	  [ -x $(TOOLS)/bin/python ] || "$$python310" -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt -c constraints-tools.txt
	touch $@

tools: $(TOOLS)/.installed  ## Create .venv-tools (ruff, schemathesis)

# Each training rule records how long `rasa train` took next to the model, for `make bench`; the
# record is touched after the model, so that a model trained some other way is seen to be newer.
$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$${TRAINED_SIDE_BY_SIDE:+nice -n 10} ops/timed.sh models/triage.train_seconds \
	  $(RASA) train --data $(RASA_DATA) --fixed-model-name triage --out models
	@touch $(MODEL) models/triage.train_seconds

# The learned recogniser (bot/triage/recognition/learned.py), trained on the corpus, served beside
# the lexicon: the NLU component loads models/recogniser (docs/performance.md, "Recognition by
# layer"). Its thresholds are chosen with the lexicon beside it, so the lexicon is an input too.
RECOGNISER := models/recogniser/thresholds.json
# The knowledge the lexicon recognises with (the guidance files, quotes and advice, are not read).
RECOGNITION_KNOWLEDGE := $(addprefix bot/triage/knowledge/,symptoms.yml language.yml compositions.yml \
  vital_signs.yml red_flag_combinations.yml)
RECOGNISER_INPUTS := data/recognition/labels.yml data/recognition/splits.yml \
  $(shell find data/recognition/corpus -name '*.yml' 2>/dev/null) $(RECOGNITION_KNOWLEDGE) \
  $(wildcard bot/triage/recognition/*.py) ops/train_recogniser.py
$(RECOGNISER): $(VENV)/.installed $(RECOGNISER_INPUTS)
	$(PY) -m ops.train_recogniser

# What `make run` serves: the Rasa model and the learned recogniser, trained side by side on the two
# cores when stale. The wall time of that is written to models/served.train_seconds.
.PHONY: served
served: $(VENV)/.installed
	@if ! $(MAKE) -sq $(MODEL) || ! $(MAKE) -sq $(RECOGNISER); then \
	  ops/timed.sh models/served.train_seconds $(MAKE) --no-print-directory -j2 $(MODEL) $(RECOGNISER); fi

train: served  ## Train the model and the learned recogniser (side by side) if missing or stale

train-recogniser: $(RECOGNISER)  ## Train the learned recogniser (served beside the lexicon)

# Rasa's default pipeline, as `rasa init` writes it (copied from the installed Rasa), trained on
# the same data and domain: the baseline that `make eval` compares against.
BASELINE_MODEL := models/baseline.tar.gz
BASELINE_CONFIG := models/baseline-config.yml

$(BASELINE_MODEL): $(VENV)/.installed $(TRAINING_DATA)
	@mkdir -p models
	$(PY) -c "import importlib.util, os, shutil; shutil.copy(os.path.join(os.path.dirname(importlib.util.find_spec('rasa').origin), 'cli', 'initial_project', 'config.yml'), '$(BASELINE_CONFIG)')"
	RASA_CACHE_DIRECTORY=.rasa/cache-baseline ops/timed.sh models/baseline.train_seconds \
	  $(RASA) train --data $(RASA_DATA) --config $(BASELINE_CONFIG) --fixed-model-name baseline --out models
	@touch $(BASELINE_MODEL) models/baseline.train_seconds

# The side-by-side peer a Rasa team would build (evaluation/rasa_peer.py): the same default pipeline,
# trained with `rasa train nlu` on the recognition corpus's training split with the symptoms annotated
# as entities (spans located by the lexicon) and the knowledge base's phrases as lookup tables. The
# data is written into models/peer/ at build time; `make eval` scores the peer beside the recogniser.
PEER_MODEL := models/peer.tar.gz
PEER_INPUTS := data/recognition/splits.yml $(shell find data/recognition/corpus -name '*.yml' 2>/dev/null) \
  $(shell find bot/triage/knowledge bot/triage/recognition -name '*.yml' -o -name '*.py' 2>/dev/null) evaluation/rasa_peer.py
$(PEER_MODEL): $(VENV)/.installed $(PEER_INPUTS)
	$(PY) -m evaluation.rasa_peer build models/peer
	RASA_CACHE_DIRECTORY=.rasa/cache-peer nice -n 10 ops/timed.sh models/peer.train_seconds \
	  $(RASA) train nlu --nlu models/peer/nlu.yml --config models/peer/config.yml --domain models/peer/domain.yml \
	  --fixed-model-name peer --out models
	@touch $(PEER_MODEL) models/peer.train_seconds

peer: $(PEER_MODEL)  ## Train the Rasa peer (DIET entities + lookup tables) that make eval scores

# Both models, trained side by side when both are stale (a fresh clone's `make eval`). One training
# keeps about 1.25 of the 2 cores busy, so the project's (5 minutes alone) runs at a lower
# priority in what the baseline's (12 minutes alone) leaves. Their recorded training times then
# say "side by side". Each training has a cache of its own, whose SQLite file is not meant for two
# writers. Then Rasa's floor (2 minutes), so that `make bench` after `make eval` trains nothing.
models: $(VENV)/.installed  ## Train the project model and the baseline, side by side, and Rasa's floor
	@if ! $(MAKE) -sq $(MODEL) && ! $(MAKE) -sq $(BASELINE_MODEL); then export TRAINED_SIDE_BY_SIDE=yes; fi; \
	  $(MAKE) --no-print-directory -j2 $(MODEL) $(BASELINE_MODEL)
	@$(MAKE) --no-print-directory $(FLOOR_MODEL)

# medspaCy's ConText measured against the clause rules (evaluation/assertion_context.py, docs/assertion.md):
# reports/assertion_comparison.md. medspaCy 1.2.0 goes into .venv-context, which sees .venv's packages
# through a .pth file and holds only the packages .venv lacks, pinned (what `pip install --dry-run
# medspacy==1.2.0` in .venv would add): .venv itself is not changed. SKIP_BLIND names blind sets not to open.
CONTEXT_VENV := .venv-context
CONTEXT_PACKAGES := medspacy==1.2.0 medspacy_quickumls==3.2 medspacy_unqlite==0.9.8 PyRuSH==1.0.13 PyFastNER==1.0.10 \
  quicksectx==0.4.1 pysbd==0.3.4 pysimstring==1.3.0 Unidecode==1.4.0 nltk==3.10.4 loguru==0.7.3 defusedxml==0.7.1 Cython==3.1.8
SKIP_BLIND ?=
$(CONTEXT_VENV)/.installed: $(VENV)/.installed
	@python310=$$(ops/find_python310.sh) || exit 1; \
	  [ -x $(CONTEXT_VENV)/bin/python ] || "$$python310" -m venv --without-pip $(CONTEXT_VENV)
	$(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > \
	  "$$($(CONTEXT_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/main-venv.pth"
	$(VENV)/bin/uv pip install --quiet --no-deps --compile-bytecode --python $(CONTEXT_VENV)/bin/python $(CONTEXT_PACKAGES)
	touch $@

.PHONY: compare-assertion
compare-assertion: $(CONTEXT_VENV)/.installed  ## Assertion: the clause rules against medspaCy's ConText (in .venv-context)
	nice -n 10 $(CONTEXT_VENV)/bin/python -m evaluation.assertion_context $(foreach stem,$(SKIP_BLIND),--skip-blind $(stem))

# The held-out NLU set and the vignettes through both pipelines: reports/eval.md and plots.
eval: models $(RECOGNISER) $(PEER_MODEL)  ## Quality report: held-out sets, vignettes, recognition by layer, assertion
	$(PY) -m evaluation.quality $(MODEL) $(BASELINE_MODEL)
	$(PY) -m evaluation.recognition
	$(PY) -m evaluation.assertion

# The floor of `make bench`: Rasa's own minimal assistant, the project `rasa init --no-prompt` writes,
# built from the installed Rasa into models/floor/ (evaluation/floor.py) and trained once.
FLOOR_MODEL := models/floor.tar.gz
$(FLOOR_MODEL): $(VENV)/.installed evaluation/floor.py
	$(PY) -m evaluation.floor build models/floor
	rm -rf .rasa/cache-floor  # trained from nothing, so that its recorded training time is a whole one
	RASA_CACHE_DIRECTORY=.rasa/cache-floor ops/timed.sh models/floor.train_seconds \
	  $(RASA) train --config models/floor/config.yml --domain models/floor/domain.yml --data models/floor/data \
	  --fixed-model-name floor --out models
	@touch $(FLOOR_MODEL) models/floor.train_seconds

floor: $(FLOOR_MODEL)  ## Train Rasa's minimal assistant (`rasa init`'s), the floor of make bench

# Rasa's floor and the project, each served as `make run` serves the project: under 1, 8 and 32
# concurrent conversations, by turn index, and (the project) at human pace; every figure also as a
# ratio to the floor's. Writes reports/bench.md, bench_latency.png, bench_turns.png and
# bench_raw.json. BENCH_SECONDS sets the seconds per level (evaluation/bench.py lists the other
# settings); BENCH_PIPELINES="floor project default" adds Rasa's default pipeline (and trains it).
BENCH_PIPELINES ?= floor project
bench: served $(FLOOR_MODEL) $(if $(filter default,$(BENCH_PIPELINES)),$(BASELINE_MODEL))  ## Performance report: latency, throughput, memory, ready time, against Rasa's floor
	BENCH_PIPELINES="$(BENCH_PIPELINES)" $(PY) -m evaluation.bench

# The project's model on the scaled set-up, 1 then 2 Rasa servers behind nginx: reports/bench_scaled.md.
bench-scaled: served services  ## The scaled set-up with 1 and 2 Rasa servers
	$(PY) -m evaluation.bench_scaled

run: served $(WIDGET)  ## Serve the bot: action server :5055, Rasa :5005 (pages and APIs)
	ops/run.sh

# Several Rasa servers behind nginx, sharing PostgreSQL and Redis, on loopback (README, "Deploying
# for more users"). RASA_SERVERS sets how many.
RASA_SERVERS ?= 2
run-scaled: served $(WIDGET) services  ## Several Rasa servers behind nginx with PostgreSQL and Redis
	$(PY) -m ops.scaled_stack --rasa-servers $(RASA_SERVERS)

# Deletes the conversations with no message in the last DAYS days from $(TRACKER_STORE_URL).
DAYS ?= 30
prune-conversations: $(VENV)/.installed  ## Delete conversations idle for DAYS days (default 30)
	$(PY) -m bot.server.stores.retention --days $(DAYS)

test-unit: $(VENV)/.installed  ## Unit tests (no servers)
	$(PY) -m pytest tests/unit -q

# The files written from one table or definition (ops/generate_data.py): data/rules/forms.yml and
# the emergency number's slots in domain.yml.
generate: $(VENV)/.installed  ## Write the generated rules and domain slots
	$(PY) -m ops.generate_data

# ruff (pyproject.toml): lint and format, checked as part of `make test`.
lint: tools  ## ruff lint and format check
	$(TOOLS)/bin/ruff check .
	$(TOOLS)/bin/ruff format --check .

validate: $(VENV)/.installed  ## rasa data validate, failing on warnings
	ops/validate_data.sh $(RASA_DATA)

# Plain `rasa test` exits 0 when stories fail: --fail-on-prediction-errors makes failures fail.
test-stories: served  ## Conversation test stories (fail on any prediction error)
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out reports/stories

test-e2e: served $(WIDGET) browser tools  ## End-to-end tests: the running stack over REST, socket.io and a browser
	$(PY) -m pytest tests/e2e -q

# The scaled set-up for real: 56 conversations through nginx while a Rasa server crashes, then
# PostgreSQL and Redis stopped and started. Prints its figures.
test-scale: served services  ## Scale-out and fault tests with PostgreSQL, Redis and nginx
	$(PY) -m pytest tests/scale -q -p no:cacheprovider

# `make test` runs the scale test when the services can be installed (as root on Debian, as CI
# does); SCALE_TEST=required (CI) makes a failed install fail the run instead of skipping.
test-scale-when-possible: served
	@if ops/services.sh install; then $(MAKE) --no-print-directory test-scale; \
	elif [ "$${SCALE_TEST:-}" = required ]; then echo "make test: the services for the scale test could not be installed" >&2; exit 1; \
	else echo "make test: SKIPPED the scale test: PostgreSQL, Redis and nginx could not be installed (see above)." >&2; fi

test: lint test-unit validate test-stories test-e2e test-scale-when-possible  ## Every test: lint, unit, data, stories, e2e, scale

clean:  ## Remove models and reports
	rm -rf models reports .pytest_cache
