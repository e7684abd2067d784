# ttt: two commands from a bare machine.  make run  -> service with demo data on :8000
#                                          make test -> the whole suite on a fresh test database
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for make test, one test database each (TEST_WORKERS=0: a single process)
TEST_WORKERS ?= auto
export TTT_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/ttt

.PHONY: install postgis db run test lint bench clean help messages

help:
	@echo "make run    - set up everything, seed the demo, serve API + scheduler on http://$(HOST):$(PORT)"
	@echo "make test   - set up everything, run the whole test suite"
	@echo "make lint   - ruff + import boundaries"
	@echo "make bench  - benchmarks (QUICK=1 for a short run)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)
	@$(BIN)/pybabel compile -d locales -D ttt >/dev/null 2>&1 || $(BIN)/pybabel compile -d locales -D ttt  # .mo files: built, not committed

postgis:
	@WANT_GDAL=$(WANT_GDAL) scripts/ensure_postgis.sh

db: install postgis
	@$(BIN)/ttt db create
	@$(BIN)/ttt db upgrade

run: db
	@$(BIN)/ttt demo
	@( $(BIN)/ttt users add admin --role admin 2>/dev/null || $(BIN)/ttt users rotate admin ) | tail -1 | sed 's/^/Admin token (new, shown once): /'
	@echo "API docs: http://$(HOST):$(PORT)/docs   OGC API: http://$(HOST):$(PORT)/ogc"
	$(BIN)/ttt serve --host $(HOST) --port $(PORT)

test: install
	@WANT_GDAL=1 scripts/ensure_postgis.sh
	@scripts/ensure_chromium.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: db
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,)

messages: install  ## extract every user-facing string and update the catalogues (fr, en, ar...)
	$(BIN)/pybabel extract -F babel.cfg -k Text -o locales/ttt.pot --no-location --sort-output --project ttt --omit-header .
	$(BIN)/pybabel update -i locales/ttt.pot -d locales -D ttt --width 110 --ignore-obsolete
	$(BIN)/pybabel compile -d locales -D ttt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
