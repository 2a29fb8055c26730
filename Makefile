# Two commands matter: `make lab` (set up, open the workbook on the local sandbox) and `make test`.
# Everything else is a step they use, or a longer variant (fuzz, load, bench) run on purpose.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
NBVAL := $(BIN)/pytest -p no:cacheprovider -o addopts= -o filterwarnings= --nbval --nbval-current-env \
	--nbval-sanitize-with notebooks/nbval_sanitize.cfg --nbval-cell-timeout=120
export PINGHELPERS_TARGET ?=

.PHONY: setup lab test lint typecheck unit nbval notebooks check-notebooks clean fuzz load hygiene bench bench-servers \
	bench-setup

# Setup installs the pinned requirements.txt (+ this package, editable) into .venv with uv — seconds instead of
# pip's minute. uv comes from the machine when it is there, else pip bootstraps it into .venv, so python3 + pip +
# make stay all a fresh machine needs. `make clean && make setup INSTALLER=pip` is the plain-pip fallback.
INSTALLER ?= uv
UV_VERSION := 0.13.9
# uv reads the operating system's certificate store (where a proxy's local CA is installed; pip is pointed at it by
# its `cert` setting) instead of its own built-in roots. UV_NATIVE_TLS is the older uv versions' name for it.
export UV_SYSTEM_CERTS ?= 1
export UV_NATIVE_TLS ?= 1
# A machine's pip.conf may list index locations that do not exist there ("WARNING: Location '…' is ignored: it
# is neither a file nor a directory", once per package): the machine's configuration talking, not this project,
# and harmless — pip falls through to the next index. Only those lines are dropped; pip's exit status is kept.
PIP_INSTALL := $(BIN)/python -m pip install -q --disable-pip-version-check
PIP_FILTER := 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }

$(STAMP): requirements.txt pyproject.toml
ifeq ($(INSTALLER),pip)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@set -o pipefail; $(PIP_INSTALL) --upgrade pip $(PIP_FILTER)
	@set -o pipefail; $(PIP_INSTALL) -r requirements.txt -e . $(PIP_FILTER) \
		|| { echo "setup failed: pip could not install requirements.txt (see above)"; exit 1; }
else ifeq ($(INSTALLER),uv)
	@# No pip inside the new .venv yet: the machine's pip (22.3+) installs uv into it with --python, which spares
	@# ensurepip's ~5 s of CPU. Where that pip is missing or older, ensurepip puts one in .venv to do it.
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@set -o pipefail; uv=$(BIN)/uv; \
	if [ ! -x $$uv ]; then uv=$$(command -v uv || true); fi; \
	if [ -z "$$uv" ]; then uv=$(BIN)/uv; \
		$(PYTHON) -m pip --python $(BIN)/python install -q --disable-pip-version-check uv==$(UV_VERSION) \
			>/dev/null 2>&1 \
		|| { { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; } \
			&& $(PIP_INSTALL) uv==$(UV_VERSION) $(PIP_FILTER); } \
		|| { echo "setup failed: pip could not install uv (see above; or: make clean && make setup INSTALLER=pip)"; exit 1; }; \
	fi; \
	$$uv pip install -q --python $(BIN)/python -r requirements.txt -e . pip \
		|| { echo "setup failed: uv could not install requirements.txt (see above; or: make clean && make setup INSTALLER=pip)"; exit 1; }
else
	@echo "setup: INSTALLER must be uv (default) or pip, not '$(INSTALLER)'"; exit 1
endif
	@$(BIN)/python -c "import pinghelpers, jwt, requests, werkzeug, ipywidgets, nbval" \
		|| { echo "setup failed: packages did not install (see the installer's output above)"; exit 1; }
	@touch $(STAMP)

setup: $(STAMP)

## make lab — open the workbook (the student edition) in JupyterLab on 127.0.0.1, talking to the local sandbox
## unless PINGONE_* is set. The answers (notebooks/solutions) and the sources (notebooks/src) are not listed.
LAB_HIDE := "--ContentsManager.hide_globs=['__pycache__','*.pyc','*.pyo','.DS_Store','*~','.ipynb_checkpoints','*.cfg','solutions','src']"
lab: setup
	@echo "Opening JupyterLab at http://127.0.0.1:$(LAB_PORT)/lab — Ctrl+C to stop."
	@echo "Target: the local sandbox (offline), unless PINGONE_* settings are present in the environment or .env."
	@$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --ServerApp.root_dir=notebooks $(LAB_HIDE) \
		--LabApp.default_url=/lab/tree/00-index.ipynb --LabApp.extension_manager=readonly \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## make lab-solutions — the trainer's edition (every exercise answered) in JupyterLab
.PHONY: lab-solutions
lab-solutions: setup
	@echo "Opening the solutions edition at http://127.0.0.1:$(LAB_PORT)/lab — Ctrl+C to stop."
	@$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --ServerApp.root_dir=notebooks/solutions \
		--LabApp.default_url=/lab/tree/00-index.ipynb --LabApp.extension_manager=readonly \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## make test — everything CI runs: lint, types and the test tiers side by side, $(JOBS) at a time (they share
## no ports: every server binds a free loopback port), each one's output printed whole when it ends. Longest
## first, so no long tier is left alone at the end with a core idle; the unit tests run as three tiers.
TIERS := lint typecheck unit-tools unit-rest test-class test-browser unit-core nbval hygiene test-newman
JOBS ?= 4
test: setup browser-deps class-deps newman-deps
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target $(TIERS)
	@echo "make test: all tiers passed"

PY_DIRS := $(wildcard pinghelpers tests benchmarks tools class examples)

lint: setup
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)

typecheck: setup
	$(BIN)/mypy

## make unit — every test that needs neither a browser, a hub nor Newman; `make test` runs it as three tiers
## side by side: the package's own tests (unit, sandbox, contract, interop), the CLI / probe / notebook-tool
## tests, and the robustness tests (+ the README's)
UNIT_MARK := -m "not browser and not classroom and not newman"
UNIT_CORE := tests/unit tests/sandbox tests/contract tests/interop
UNIT_TOOLS := tests/cli tests/probe tests/notebooks
.PHONY: unit-core unit-tools unit-rest
unit: setup
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q $(UNIT_MARK) tests

unit-core: setup
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q $(UNIT_MARK) $(UNIT_CORE)

unit-tools: setup
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q $(UNIT_MARK) $(UNIT_TOOLS)

unit-rest: setup
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q $(UNIT_MARK) tests $(addprefix --ignore=,$(UNIT_CORE) $(UNIT_TOOLS))

# nbval: both editions (pytest collects notebooks/*.ipynb and notebooks/solutions/*.ipynb)
nbval: setup check-notebooks
	PINGHELPERS_TARGET=sandbox $(NBVAL) -q notebooks/

check-notebooks: setup
	$(BIN)/python tools/notebooks.py check

## make notebooks — regenerate both editions (notebooks/, notebooks/solutions/) from notebooks/src in fresh
## kernels (sandbox only)
notebooks: setup
	$(BIN)/python tools/notebooks.py build

## make notebooks-live-check — every notebook down its live code paths, failing on any error cell, three times:
## the basic settings alone, with the worker app too (a sandbox process reached only through PINGONE_*: no
## in-process sandbox, no fault switches), and a standards provider that is not PingOne (Authlib on loopback).
## A few minutes; not part of `make test`.
.PHONY: notebooks-live-check
notebooks-live-check: setup
	$(BIN)/python tools/notebooks.py live-check

## make record-cassettes — re-record tests/cassettes/05-*.jsonl (notebook 5 against a sandbox process through
## PINGONE_*, masked at record time); `make test` replays it offline (tests/notebooks/test_replay.py)
.PHONY: record-cassettes
record-cassettes: setup
	$(BIN)/python tools/notebooks.py record 05

## make fuzz / load / hygiene / bench — longer variants, run on purpose (each bounded in count and time)
# fuzz: 27 200 Hypothesis cases, ~5 min (the bounded 1 020-case run is part of `make test`); issue 16's attack classes included
fuzz: setup
	PINGHELPERS_FUZZ_PROFILE=long PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q --timeout=900 tests/robustness/test_fuzz.py

# load: 50 learners × 5 full flows at once against one sandbox process; prints p50/p99, fails on any error
load: setup
	$(BIN)/python -m benchmarks.load --learners 50 --flows 5

# hygiene: every notebook in a fresh kernel against a marker secret; counts where the secret turns up
# (~2 s per notebook; `make test` runs it as one of its parallel tiers)
hygiene: setup
	PINGHELPERS_HYGIENE=1 PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q tests/robustness/test_hygiene.py

# bench: every figure with its same-run baseline and ratio (see README "Benchmarks")
bench: setup
	$(BIN)/python -m benchmarks.run

# bench-setup: a fresh clone's `make setup` (uv, empty caches) against venv + plain `pip install -r requirements.txt`
# with no cache, then both again warm; prints the times and the ratio (goal ≤ 0.3×). ~3 min, downloads from the
# package registries; runs with the system python3 (it measures the setup, so it does not need one).
bench-setup:
	$(PYTHON) -m benchmarks.bench_setup

# bench-servers: alternative WSGI servers for the local sandbox (server CPU/request, p50; 1 and 2 clients),
# a few minutes. Their packages are not project dependencies: they go into a venv of their own, .venv-servers.
SERVERS_VENV := .venv-servers
bench-servers:
	@test -x $(SERVERS_VENV)/bin/python || $(PYTHON) -m venv $(SERVERS_VENV)
	@set -o pipefail; $(SERVERS_VENV)/bin/python -m pip install -q --disable-pip-version-check \
		-r requirements.txt -e . -r benchmarks/servers/requirements.txt 2>&1 | { grep -v '^WARNING: Location' || true; }
	$(SERVERS_VENV)/bin/python -m benchmarks.servers.bench 3000 3

## Browser tier — JupyterLab driven by Playwright through Debian's chromium (never `playwright install`)
.PHONY: browser-deps test-browser screenshots html
CHROMIUM := /usr/bin/chromium

## make browser-deps — install Debian's chromium when it is missing (as root; otherwise print the command)
browser-deps:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "browser-deps: $(CHROMIUM) is missing. Install it with:"; \
		echo "    sudo apt-get update && sudo apt-get install -y chromium"; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "browser-deps: no apt-get here; install Chromium and set PINGHELPERS_CHROMIUM to its path"; exit 1; }; \
	echo "browser-deps: installing chromium with apt-get (about 20 s)"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
		|| { echo "browser-deps: apt-get install -y chromium failed (see above)"; exit 1; }; \
	test -x $(CHROMIUM) || { echo "browser-deps: chromium installed but $(CHROMIUM) is missing"; exit 1; }

## make test-browser — the browser tier (screenshots land in build/screenshots/)
test-browser: setup browser-deps
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q -m browser tests/browser

## make screenshots — the browser tier, refreshing the committed screenshots in docs/ that the README shows
screenshots: setup browser-deps
	PINGHELPERS_TARGET=sandbox PINGHELPERS_SCREENSHOTS=docs $(BIN)/pytest -q -m browser tests/browser

## make html — both editions as offline HTML (diagrams included, secrets masked): docs/html/, docs/html/solutions/
html: setup browser-deps
	$(BIN)/python tools/export_html.py

clean:
	rm -rf $(VENV) $(NEWMAN_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis

## Class tier — the workbook on a real JupyterHub, one JupyterLab server and local sandbox per learner (docs/class.md)
.PHONY: class class-deps test-class bench-class
CLASS_STAMP := $(VENV)/.class-installed
CLASS_PROXY := class/node_modules/.bin/configurable-http-proxy
LEARNERS ?= 3

# JupyterHub is the trainer's tool, not the learners': class/requirements.txt, not requirements.txt.
$(CLASS_STAMP): $(STAMP) class/requirements.txt
	@set -o pipefail; uv=$(BIN)/uv; [ -x $$uv ] || uv=$$(command -v uv || true); \
	if [ -n "$$uv" ] && [ "$(INSTALLER)" = uv ]; then \
		$$uv pip install -q --python $(BIN)/python -r requirements.txt -r class/requirements.txt; \
	else $(PIP_INSTALL) -r requirements.txt -r class/requirements.txt $(PIP_FILTER); fi
	@$(BIN)/python -c "import jupyterhub, psutil" || { echo "class-deps: JupyterHub did not install"; exit 1; }
	@touch $(CLASS_STAMP)

# The hub's proxy (configurable-http-proxy, a Node package) pinned by class/package-lock.json, in class/node_modules.
$(CLASS_PROXY): class/package.json class/package-lock.json
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
			echo "class-deps: npm is missing. Install Node.js and npm (e.g. sudo apt-get install -y npm)"; exit 1; fi; \
		echo "class-deps: installing npm with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null \
			|| { echo "class-deps: apt-get install -y npm failed (see above)"; exit 1; }; fi
	@cd class && npm ci --no-audit --no-fund --loglevel=error
	@test -x $(CLASS_PROXY) && touch $(CLASS_PROXY)

## make class-deps — JupyterHub (into .venv) and its proxy (into class/node_modules)
class-deps: $(CLASS_STAMP) $(CLASS_PROXY)

## make class LEARNERS=N — a JupyterHub on 127.0.0.1:$(CLASS_PORT) for N learners (or LEARNERS=ada,grace);
## CLASS_PASSWORD=… to choose the class password (else one is generated and printed once), CLASS_DIR, CLASS_PORT
CLASS_PORT ?= 8000
class: class-deps
	@LEARNERS="$(LEARNERS)" CLASS_PORT="$(CLASS_PORT)" $(BIN)/python tools/class_hub.py

## make test-class — the class tier: a hub with 3 learners, each running the exchange notebook in their own kernel
test-class: class-deps browser-deps
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q -m classroom tests/classroom

## make bench-class — per-learner memory/CPU and how many learners this machine holds running Run All at once
bench-class: class-deps
	$(BIN)/python -m benchmarks.class_hub


## Postman tier — the collection `pinghelpers postman export` writes, run by newman against a local sandbox process
.PHONY: node-deps newman-deps test-newman
NEWMAN_DIR := .newman
NEWMAN := $(NEWMAN_DIR)/node_modules/.bin/newman

## make node-deps — Node.js and npm from Debian's packages when missing (as root; otherwise print the command)
node-deps:
	@if command -v node >/dev/null && command -v npm >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "node-deps: node and npm are missing (newman needs them). Install them with:"; \
		echo "    sudo apt-get update && sudo apt-get install -y nodejs npm"; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "node-deps: no apt-get here; install Node.js 16+ with npm"; exit 1; }; \
	echo "node-deps: installing nodejs and npm with apt-get"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
		|| { echo "node-deps: apt-get install -y nodejs npm failed (see above)"; exit 1; }; \
	command -v node >/dev/null && command -v npm >/dev/null || { echo "node-deps: installed, but node/npm not on PATH"; exit 1; }

## make newman-deps — newman, pinned with its whole tree in tests/newman/package-lock.json, from the npm registry
## into .newman/ (gitignored; no install scripts run)
newman-deps: node-deps $(NEWMAN)

$(NEWMAN): tests/newman/package.json tests/newman/package-lock.json
	@mkdir -p $(NEWMAN_DIR) && cp tests/newman/package.json tests/newman/package-lock.json $(NEWMAN_DIR)/
	@cd $(NEWMAN_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null \
		|| { echo "newman-deps: npm ci failed in $(NEWMAN_DIR) (see above)"; exit 1; }
	@test -x $(NEWMAN) && touch $(NEWMAN)

## make test-newman — export the collection, run it with newman: every request and test green; a wrong secret
## gets invalid_client (part of `make test`)
test-newman: setup newman-deps
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q -m newman tests/newman
