# The two set-up commands of the README:  make demo   and   make test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ROWS ?= 100000

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install  ## demo DB -> migrate into the embedded PostgreSQL -> GX suites -> app SQL scan + replay -> pytest checks/ -> reports/
	$(BIN)/python -m pgparity.demo demo.db --rows $(ROWS)
	env -u DATABASE_URL $(BIN)/python migrate.py demo.db --drop-existing
	$(BIN)/python -m pgparity.gx_suites demo.db
	@echo "== the example app's SQL: SQLite-only constructs (pgparity scan), then its queries replayed on both sides"
	-env -u DATABASE_URL $(BIN)/python -m pgparity.scan tests/fixtures/app
	-env -u DATABASE_URL $(BIN)/python -m pytest checks/ --pgparity-config demo.pgparity.toml -m queries \
		--queries tests/fixtures/app/queries.sql --reports reports/queries -q
	@echo "== the data: every check on every table (the cutover gate)"
	env -u DATABASE_URL $(BIN)/python -m pytest checks/ --pgparity-config demo.pgparity.toml -q

test: install  ## the project's own tests, against a real PostgreSQL
	$(BIN)/python -m pytest tests/ -q -rs

stop:  ## stop the embedded PostgreSQL started by pgparity
	$(BIN)/python -m pgparity.server stop

.PHONY: install demo test stop
