# Zhengqi: `make run` serves the demo, `make test` runs the whole suite. Both set themselves up.
PY ?= python3
# Two workers: this is a 2-core machine; on PostgreSQL each worker gets its own database (tests/conftest.py).
PYTEST_ARGS ?= -n 2
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Front-end packages come from npm (package-lock.json) and are served from static/vendor: no CDN on intranets.
NPM_STAMP := node_modules/.installed
VENDOR := static/vendor

.PHONY: run test install install-test migrate demo lint bench i18n clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml $(NPM_STAMP)
	$(BIN)/pip install --quiet -e .
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo

run: demo
	@echo "Serving on http://127.0.0.1:5000  (Ctrl-C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(BIN)/python bench/run_all.py

i18n: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --ignore-dirs='.venv tests bench' .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width 110 --no-fuzzy-matching

clean:
	rm -rf $(VENV) *.egg-info node_modules $(VENDOR)
