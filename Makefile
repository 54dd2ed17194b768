# reidlab: every entry point. `make reproduce` and `make test` set themselves up (.venv from uv.lock).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
STAMP := $(VENV)/.reidlab-installed
DATA ?=
ONLY ?=
PYTEST_ARGS ?=
export MPLBACKEND ?= Agg
export PYTHONHASHSEED ?= 0

.PHONY: install jupyter-setup reproduce test test-fast test-slow check export clean-nbs nbtest lab bench lint hooks help

help:
	@echo "make reproduce [DATA=/datasets] [ONLY='hctriplet ssan']  run every reproduce notebook (demo without DATA)"
	@echo "make test                     check + lint + all tests + a smoke-size run of every notebook"
	@echo "make test-fast                exported and integration tests, no notebook runs"
	@echo "make lab                      JupyterLab on 127.0.0.1 with the project's kernel and settings"
	@echo "make export / check / clean-nbs / bench / lint"

$(STAMP): uv.lock pyproject.toml common/pyproject.toml $(wildcard papers/*/pyproject.toml)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) sync --locked --all-packages --compile-bytecode --python $(PY)
	@$(MAKE) --no-print-directory jupyter-setup
	@if git rev-parse --git-dir >/dev/null 2>&1; then git config core.hooksPath .githooks; fi
	@touch $@

# The `reidlab` kernel (this venv's Python; every notebook names it) and the project's Jupyter settings:
# Lab without the news pop-up, long code lines wrapped, notebooks under nbs/ saved clean (tools/jupyter/).
jupyter-setup:
	$(PY) -m ipykernel install --sys-prefix --name reidlab --display-name "Python 3 (reidlab)" >/dev/null
	@mkdir -p $(VENV)/etc/jupyter $(VENV)/share/jupyter/lab/settings
	@ln -sf "$(CURDIR)/tools/jupyter/jupyter_server_config.py" $(VENV)/etc/jupyter/jupyter_server_config.py
	@ln -sf "$(CURDIR)/tools/jupyter/overrides.json" $(VENV)/share/jupyter/lab/settings/overrides.json

install: $(STAMP)

hooks:
	git config core.hooksPath .githooks

reproduce: $(STAMP)
	$(PY) tools/reproduce.py $(if $(DATA),--data "$(DATA)") $(if $(ONLY),--only $(ONLY))

test: $(STAMP)
	$(PY) tools/nbx.py check
	$(VENV)/bin/ruff check common/reidlab_common papers/*/reidlab_* tools tests/integration benchmarks
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not notebook" $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

check: $(STAMP)
	$(PY) tools/nbx.py check

export: $(STAMP)
	$(PY) tools/nbx.py export clean

clean-nbs: $(STAMP)
	$(PY) tools/nbx.py clean

nbtest: $(STAMP)
	$(PY) tools/nbx.py test $(if $(ONLY),--only $(ONLY))

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) --notebook-dir .

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

lint: $(STAMP)
	$(VENV)/bin/ruff check common/reidlab_common papers/*/reidlab_* tools tests/integration benchmarks
