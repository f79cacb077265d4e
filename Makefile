# Two commands do everything on a fresh machine (Python 3.11 with pip):
#   make reports   set up .venv and build every sample country's report into reports/
#   make test      set up .venv (with the dashboard's plotly.js and the browser its tests
#                  drive), check the code with ruff and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The dashboard's own small plotly.js, built with Node.js and npm (not committed).
PLOTLY_BUNDLE := src/workbench/data/voila/templates/workbench/static/plotly-workbench.min.js

.PHONY: setup reports test browser clean catalogue

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(INSTALLED)

$(PLOTLY_BUNDLE): $(INSTALLED)
	$(BIN)/python -m workbench.dashboard.bundle

# The dashboard works without its own plotly.js (slower first page), so setup goes on.
setup: $(INSTALLED)
	-$(BIN)/python -m workbench.dashboard.bundle

reports: $(INSTALLED) browser
	$(BIN)/workbench batch --data data/samples --out reports

# The message catalogues brought in step with the source (docs/languages.md).
catalogue: $(INSTALLED)
	$(BIN)/python -m workbench.i18n_catalogue

# Debian's Chromium for the browser tests, installed by the project, never by hand.
browser:
	@command -v chromium >/dev/null 2>&1 || sh scripts/install-chromium.sh

test: $(INSTALLED) $(PLOTLY_BUNDLE) browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports/*/ reports/index.html reports/manifest.json $(PLOTLY_BUNDLE) build/plotly
