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

.PHONY: setup lab test lint typecheck unit nbval notebooks check-notebooks clean

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

## make test — everything CI runs
test: setup lint typecheck unit nbval
	@echo "make test: all tiers passed"

PY_DIRS := $(wildcard pinghelpers tests benchmarks tools)

lint: setup
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)

typecheck: setup
	$(BIN)/mypy

unit: setup
	PINGHELPERS_TARGET=sandbox $(BIN)/pytest -q tests

nbval: setup check-notebooks
	PINGHELPERS_TARGET=sandbox $(NBVAL) -q notebooks/

check-notebooks: setup
	$(BIN)/python tools/notebooks.py check

## make notebooks — regenerate the committed notebooks from notebooks/src in fresh kernels (sandbox only)
notebooks: setup
	$(BIN)/python tools/notebooks.py build

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
