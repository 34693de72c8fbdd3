# The two commands of the README. Both install what they need first (scripts/setup.sh is idempotent).
.PHONY: app test setup

export HF_HUB_OFFLINE ?= 1
export GRADIO_ANALYTICS_ENABLED ?= False
export ANONYMIZED_TELEMETRY ?= False

app:
	scripts/setup.sh
	.venv/bin/python app.py

test:
	scripts/setup.sh --test
	.venv/bin/python -m pytest

setup:
	scripts/setup.sh --test
