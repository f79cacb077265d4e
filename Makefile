# Two commands do everything on a fresh machine (Python 3.11 with pip):
#   make reports   set up .venv and build every sample country's report into reports/
#   make test      set up .venv (and the browser the dashboard tests drive) and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: setup reports test browser clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(INSTALLED)

setup: $(INSTALLED)

reports: $(INSTALLED)
	$(BIN)/workbench batch --data data/samples --out reports

# Debian's Chromium for the browser tests, installed by the project, never by hand.
browser:
	@command -v chromium >/dev/null 2>&1 || sh scripts/install-chromium.sh

test: $(INSTALLED) browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports/*/ reports/index.html reports/manifest.json
