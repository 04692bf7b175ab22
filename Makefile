# The commands people run. `make run` serves the bot; `make test` runs every test.
# Everything installs into .venv from nothing: a Python 3.10 interpreter is the only prerequisite.
# uv installs the pinned packages (constraints.txt) in under a minute, where pip took three. It
# compiles them to bytecode as pip does: PYTHONDONTWRITEBYTECODE (below) keeps the tree clean, so
# without that every process would compile Rasa and TensorFlow again as it starts.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/triage.tar.gz
# What a model is trained from: a change to any of these makes it stale. The knowledge base and
# the symptom component's code are read when the model is loaded, not stored in it.
TRAINING_DATA := domain.yml $(shell find data -name '*.yml' 2>/dev/null)
TRAINING_INPUTS := config.yml $(TRAINING_DATA)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning
export ACTION_SERVER_URL ?= http://localhost:5055/webhook
export TRACKER_STORE_URL ?= sqlite:///state/conversations.db
export LOCK_STORE_TYPE ?= in_memory
# Read only when LOCK_STORE_TYPE names a Redis lock store (the scaled set-up: scripts/services.sh).
export LOCK_STORE_URL ?= redis://localhost:6379/1

TOOLS := .venv-tools
WIDGET := web/node_modules/rasa-webchat/lib/index.js

.PHONY: venv web browser tools services train models eval bench bench-scaled run run-scaled prune-conversations test test-unit validate \
  test-stories test-e2e test-scale test-scale-when-possible clean

$(VENV)/.installed: requirements.txt constraints.txt scripts/find_python310.sh
	@python310=$$(scripts/find_python310.sh) || exit 1; \
	  [ -x $(PY) ] || "$$python310" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt -c constraints.txt
	touch $@

venv: $(VENV)/.installed

# The web chat widget, rasa-webchat, from the npm registry (not copied into the repository).
$(WIDGET): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(WIDGET)

web: $(WIDGET)

# Debian's Chromium and its driver, for the browser test (test tools cannot download browsers here).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# PostgreSQL, Redis and nginx (Debian's packages) for the scaled set-up, installed when missing.
services:
	scripts/services.sh install

# Test tools that must not share Rasa's pinned environment: schemathesis for the agent-assist API.
$(TOOLS)/.installed: requirements-tools.txt constraints-tools.txt
	@python310=$$(scripts/find_python310.sh) || exit 1; \
	  [ -x $(TOOLS)/bin/python ] || "$$python310" -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt -c constraints-tools.txt
	touch $@

tools: $(TOOLS)/.installed

# Each training rule records how long `rasa train` took next to the model, for `make bench`; the
# record is touched after the model, so that a model trained some other way is seen to be newer.
$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$${TRAINED_SIDE_BY_SIDE:+nice -n 10} scripts/timed.sh models/triage.train_seconds \
	  $(RASA) train --fixed-model-name triage --out models
	@touch $(MODEL) models/triage.train_seconds

train: $(MODEL)

# Rasa's default pipeline, as `rasa init` writes it (copied from the installed Rasa), trained on
# the same data and domain: the baseline that `make eval` compares against.
BASELINE_MODEL := models/baseline.tar.gz
BASELINE_CONFIG := models/baseline-config.yml

$(BASELINE_MODEL): $(VENV)/.installed $(TRAINING_DATA)
	@mkdir -p models
	$(PY) -c "import importlib.util, os, shutil; shutil.copy(os.path.join(os.path.dirname(importlib.util.find_spec('rasa').origin), 'cli', 'initial_project', 'config.yml'), '$(BASELINE_CONFIG)')"
	RASA_CACHE_DIRECTORY=.rasa/cache-baseline scripts/timed.sh models/baseline.train_seconds \
	  $(RASA) train --config $(BASELINE_CONFIG) --fixed-model-name baseline --out models
	@touch $(BASELINE_MODEL) models/baseline.train_seconds

# Both models, trained side by side when both are stale (a fresh clone's `make eval` or `make
# bench`). One training keeps about 1.25 of the 2 cores busy, so the project's (5 minutes alone)
# runs at a lower priority in what the baseline's (12 minutes alone) leaves. Their recorded
# training times then say "side by side". Each training has a cache of its own, whose SQLite file
# is not meant for two writers.
models: $(VENV)/.installed
	@if ! $(MAKE) -sq $(MODEL) && ! $(MAKE) -sq $(BASELINE_MODEL); then export TRAINED_SIDE_BY_SIDE=yes; fi; \
	  $(MAKE) --no-print-directory -j2 $(MODEL) $(BASELINE_MODEL)

# The held-out NLU set and the vignettes through both pipelines: reports/eval.md and plots.
eval: models
	$(PY) -m evaluation.quality $(MODEL) $(BASELINE_MODEL)

# Both pipelines served as `make run` serves them, under 1, 8 and 32 concurrent conversations:
# reports/bench.md, bench_latency.png and bench_raw.json. BENCH_SECONDS sets the seconds per level.
bench: models
	$(PY) -m evaluation.bench

# The project's model on the scaled set-up, 1 then 2 Rasa servers behind nginx: reports/bench_scaled.md.
bench-scaled: $(MODEL) services
	$(PY) -m evaluation.bench_scaled

run: $(MODEL) $(WIDGET)
	scripts/run.sh

# Several Rasa servers behind nginx, sharing PostgreSQL and Redis, on loopback (README, "Deploying
# for more users"). RASA_SERVERS sets how many.
RASA_SERVERS ?= 2
run-scaled: $(MODEL) $(WIDGET) services
	$(PY) -m evaluation.scaled_stack --rasa-servers $(RASA_SERVERS)

# Deletes the conversations with no message in the last DAYS days from $(TRACKER_STORE_URL).
DAYS ?= 30
prune-conversations: $(VENV)/.installed
	$(PY) -m bot.retention --days $(DAYS)

test-unit: $(VENV)/.installed
	$(PY) -m pytest tests --ignore=tests/e2e --ignore=tests/scale -q

validate: $(VENV)/.installed
	scripts/validate_data.sh $(RASA)

# Plain `rasa test` exits 0 when stories fail: --fail-on-prediction-errors makes failures fail.
test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out reports/stories

test-e2e: $(MODEL) $(WIDGET) browser tools
	$(PY) -m pytest tests/e2e -q

# The scaled set-up for real: 56 conversations through nginx while a Rasa server crashes, then
# PostgreSQL and Redis stopped and started. Prints its figures.
test-scale: $(MODEL) services
	$(PY) -m pytest tests/scale -q -p no:cacheprovider

# `make test` runs the scale test when the services can be installed (as root on Debian, as CI
# does); SCALE_TEST=required (CI) makes a failed install fail the run instead of skipping.
test-scale-when-possible: $(MODEL)
	@if scripts/services.sh install; then $(MAKE) --no-print-directory test-scale; \
	elif [ "$${SCALE_TEST:-}" = required ]; then echo "make test: the services for the scale test could not be installed" >&2; exit 1; \
	else echo "make test: SKIPPED the scale test: PostgreSQL, Redis and nginx could not be installed (see above)." >&2; fi

test: test-unit validate test-stories test-e2e test-scale-when-possible

clean:
	rm -rf models reports .pytest_cache
