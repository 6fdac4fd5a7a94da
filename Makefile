# The two commands that matter: `make demo` and `make test`. Everything else serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= $(CURDIR)/instance/demo.sqlite
export POOL_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: demo test bench bench-web install install-test translations browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations

translations: $(VENV)/.installed
	for dir in $$(find web -type d -name translations); do $(BIN)/pybabel compile -d $$dir >/dev/null 2>&1 || exit 1; done

## demo: fresh SQLite database, the Sandviken demo, the scheduler, and the web app at http://127.0.0.1:5000
demo: install
	mkdir -p instance
	rm -f $(DEMO_DB)
	POOL_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/pool db upgrade
	POOL_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/pool seed demo
	export POOL_DATABASE_URL=sqlite:///$(DEMO_DB); $(BIN)/pool scheduler & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; $(BIN)/pool serve --host 127.0.0.1 --port 5000

## test: the whole suite, on SQLite and on PostgreSQL when one is reachable, in TEST_WORKERS processes
TEST_WORKERS ?= 2
test: install-test browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Debian's Chromium for tests/browser (`playwright install` downloads browsers, which this network refuses).
# Without it the browser tests skip, or fail under POOL_REQUIRE_BROWSER=1.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium could not be installed: browser tests will skip"; \
	fi

## bench: solve generated instances of every size and print the figures
bench: install
	$(BIN)/pool bench $(BENCH_ARGS)

## bench-web: server time to render the coordinator's week grid of the demo's busiest week (median under 150 ms)
bench-web: install
	$(BIN)/python -m web.bench $(BENCH_WEB_ARGS)

clean:
	rm -rf $(VENV) instance/demo.sqlite build *.egg-info .pytest_cache
