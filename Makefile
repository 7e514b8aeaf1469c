# Realio — `make run` serves the whole graph with demo data; `make test` checks everything.
# Both install what is missing first: uv (pinned) into .tools/, the locked dependencies into .venv/.

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := $(CURDIR)
# Bytecode caches: every process the tests and `make run` start (routers, subgraphs, workers)
# would otherwise compile each module from source again (about 0.7 s of a router's 1.2 s start,
# 4 s of a subgraph's imports). Site-packages are compiled at install, ours on first import.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install test-deps run test lint typecheck schema schema-check unit integration e2e bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

# GraphiQL's browser assets (decision 0016): pinned npm packages, served by the router.
GRAPHIQL_ASSETS := web/graphiql/node_modules/.installed
$(GRAPHIQL_ASSETS): web/graphiql/package.json web/graphiql/package-lock.json
	cd web/graphiql && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.synced $(GRAPHIQL_ASSETS)

run: install
	$(PY) -m common.launcher

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy common router subgraphs tests bench

schema: install
	$(PY) -m common.sdl_export
	$(PY) -m router compose

schema-check: install
	$(PY) -m common.sdl_export --check
	$(PY) -m router compose --check

# Debian packages the tests drive for real (nginx in front of the router, Chromium for pages).
test-deps:
	bash tools/test-deps.sh

test: test-deps lint typecheck schema-check
	$(VENV)/bin/pytest -q -ra

unit: install
	$(VENV)/bin/pytest -q tests/unit

integration: install
	$(VENV)/bin/pytest -q tests/integration

e2e: install
	$(VENV)/bin/pytest -q tests/e2e

bench: install
	@for module in bench/*_bench.py; do \
		name=$$(basename $$module .py); \
		echo "== $$name"; \
		$(PY) -m bench.$$name || exit 1; \
	done

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
