# The README's commands. Each installs what it needs first (scripts/setup.sh is idempotent).
#   make app         the app with the offline text lane (no torch; about 1 GB installed)
#   make app-visual  the same plus the visual lanes (DSE, CLIP, ColPali: torch and friends, about 6 GB)
#   make test        everything, then the linter (ruff check, ruff format --check) and the whole test suite
#   make numbers     render the docs' measured tables from docs/numbers/*.json (scripts/doc_numbers.py)
.PHONY: app app-visual test setup lint numbers

export HF_HUB_OFFLINE ?= 1
export GRADIO_ANALYTICS_ENABLED ?= False
export ANONYMIZED_TELEMETRY ?= False

app:
	scripts/setup.sh
	.venv/bin/python app.py

app-visual:
	scripts/setup.sh --visual
	.venv/bin/python app.py

test:
	scripts/setup.sh --test
	$(MAKE) --no-print-directory lint
	.venv/bin/python -m pytest

setup:
	scripts/setup.sh --test

# the linter alone (needs the test install: `make setup`)
lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# the docs' measured tables from the files measurements write (measuring again: scripts/doc_numbers.py measure NAME)
numbers:
	.venv/bin/python scripts/doc_numbers.py
