# Quick start: `make run` (console chat, or the Telegram bot when TELEGRAM_BOT_TOKEN is set)
# and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint unit bench bench-telegram bench-ask bench-kb locales-extract locales-update locales-compile clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory locales-compile
	$(BIN)/python -m compileall -q bot  # an editable install gets no bytecode; a wheel would
	@# The first run fills the cache folder (built knowledge, compiled patterns): do it now.
	$(BIN)/bouncedesk diagnose tests/fixtures/diagnosis/*.eml >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bouncedesk

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/mypy
	$(BIN)/bouncedesk kb check

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint unit

bench: $(STAMP)
	$(BIN)/python -m compileall -q bot  # time the program as installed: with its bytecode
	$(BIN)/python benchmarks/bench_diagnose.py $(BENCH_ARGS)

# 50 Telegram users at once through the Bot API emulator in ../shared (needs Node.js).
bench-telegram: $(STAMP)
	$(BIN)/python benchmarks/load_telegram.py $(BENCH_ARGS)

bench-ask: $(STAMP)
	$(BIN)/python benchmarks/bench_ask.py $(BENCH_ARGS)

bench-kb: $(STAMP)
	$(BIN)/python benchmarks/bench_kb.py $(BENCH_ARGS)

locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F locales/babel.cfg -o locales/messages.pot --project=bouncedesk \
		--no-location --sort-output --add-comments=TRANSLATORS: -k N_ bot

locales-update: locales-extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python locales/fill_english.py

# Compiled .mo files are build output (not committed); without them the .po is read at run time.
locales-compile:
	$(BIN)/pybabel compile -d locales -D messages --statistics

clean:
	rm -rf $(VENV) build dist *.egg-info
