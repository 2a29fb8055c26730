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

.PHONY: setup lab test lint typecheck unit nbval notebooks check-notebooks clean fuzz load hygiene bench bench-servers

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt -e . 2>&1 \
		| grep -v -e '^WARNING: Location' -e '^ *$$' -e 'wheel_obj' -e '!!' -e '\*\*\*\*' -e 'BuildBackendWarning' \
			-e 'Please be careful' -e 'name as your package' || true
	@$(BIN)/python -c "import pinghelpers, jwt, requests, werkzeug, ipywidgets, nbval" \
		|| { echo "setup failed: packages did not install (see pip output above)"; exit 1; }
	@touch $(STAMP)

setup: $(STAMP)

## make lab — open the workbook in JupyterLab on 127.0.0.1, talking to the local sandbox unless PINGONE_* is set
lab: setup
	@echo "Opening JupyterLab at http://127.0.0.1:$(LAB_PORT)/lab — Ctrl+C to stop."
	@echo "Target: the local sandbox (offline), unless PINGONE_* settings are present in the environment or .env."
	@$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --ServerApp.root_dir=notebooks \
		--LabApp.default_url=/lab/tree/00-index.ipynb --LabApp.extension_manager=readonly \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## make test — everything CI runs. The three test tiers run side by side (they share no ports: every server
## binds a free loopback port), each tier's output printed whole when it ends.
test: setup lint typecheck browser-deps class-deps
	@$(MAKE) --no-print-directory -j5 --output-sync=target unit nbval test-browser hygiene test-class
	@echo "make test: all tiers passed"

PY_DIRS := $(wildcard pinghelpers tests benchmarks tools class)

lint: setup
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)

typecheck: setup
	$(BIN)/mypy

unit: setup
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q -m "not browser and not classroom" tests

nbval: setup check-notebooks
	PINGHELPERS_TARGET=sandbox $(NBVAL) -q notebooks/

check-notebooks: setup
	$(BIN)/python tools/notebooks.py check

## make notebooks — regenerate the committed notebooks from notebooks/src in fresh kernels (sandbox only)
notebooks: setup
	$(BIN)/python tools/notebooks.py build

## make notebooks-live-check — every notebook down its live code paths (a sandbox process reached only through
## PINGONE_* variables: no in-process sandbox, no fault switches); ~70 s, not part of `make test`
.PHONY: notebooks-live-check
notebooks-live-check: setup
	$(BIN)/python tools/notebooks.py live-check

## make fuzz / load / hygiene / bench — longer variants, run on purpose (each bounded in count and time)
# fuzz: 22 400 Hypothesis cases, ~4 min (the bounded 840-case run is part of `make test`)
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

## make html — the executed notebooks as offline HTML (diagrams included, secrets masked) in docs/html/
html: setup browser-deps
	$(BIN)/python tools/export_html.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

## Class tier — the workbook on a real JupyterHub, one JupyterLab server and local sandbox per learner (docs/class.md)
.PHONY: class class-deps test-class bench-class
CLASS_STAMP := $(VENV)/.class-installed
CLASS_PROXY := class/node_modules/.bin/configurable-http-proxy
LEARNERS ?= 3

# JupyterHub is the trainer's tool, not the learners': class/requirements.txt, not requirements.txt.
$(CLASS_STAMP): $(STAMP) class/requirements.txt
	@set -o pipefail; $(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt \
		-r class/requirements.txt 2>&1 | { grep -v '^WARNING: Location' || true; }
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
