# Dure: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# CPU build of PyTorch for the embedding runner (a wheel of this version is on the machines).
TORCH_VERSION ?= 2.13.0

.PHONY: install demo test test-fast lint check browsers schema messages bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Dure needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)'
	$(BIN)/python -m pip install --quiet -e '.[dev,fast]'
	@touch $(STAMP)

install: $(STAMP)

# Install, migrate an SQLite database, load the demo programme from ../shared/data and serve.
demo: install
	$(BIN)/dure manage migrate --noinput
	$(BIN)/dure messages
	$(BIN)/dure demo
	$(BIN)/dure manage runserver 0.0.0.0:$(PORT)

lint: install
	$(BIN)/ruff check dure tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy dure/core

check: install
	DJANGO_SETTINGS_MODULE=dure.settings.test $(BIN)/python -m django makemigrations --check --dry-run
	$(BIN)/dure messages
	DJANGO_SETTINGS_MODULE=dure.settings.test $(BIN)/dure schema --check
	DJANGO_SETTINGS_MODULE=dure.settings.production DURE_SECRET_KEY=check-deploy-only-$$(date +%s)-abcdefghijklmnopqrstuvwxyz0123456789 DURE_ALLOWED_HOSTS=dure.example.org $(BIN)/python -m django check --deploy --fail-level WARNING

# Headless Chromium for the browser tests (Debian's package; installed when running as root).
browsers:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chromium, Korean fonts and poppler for the browser and PDF tests …"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum poppler-utils >/dev/null; \
	  else echo "Chromium or poppler not found: browser tests are skipped (install chromium, fonts-nanum, poppler-utils)."; fi; \
	fi

# Install and run everything CI runs: lint, import contract, migrations, schema, tests.
test: lint check browsers
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -x

# Regenerate the committed OpenAPI schema after changing the API.
schema: install
	DJANGO_SETTINGS_MODULE=dure.settings.test $(BIN)/dure schema --write

messages: install
	cd dure && DJANGO_SETTINGS_MODULE=dure.settings.dev ../$(BIN)/python -m django makemessages -l ko --ignore="core/*" --ignore="testing/*" --no-location

bench: install
	$(BIN)/python -m bench.affinity
	$(BIN)/python -m bench.assign
	$(BIN)/python -m bench.rank
	$(BIN)/python -m bench.select
	$(BIN)/python -m bench.similar

clean:
	rm -rf $(VENV) *.egg-info dure.sqlite3
