# account_xero — the two commands of the README, and a few more.
# Odoo 18 is a prerequisite: ODOO_PYTHON (default /opt/odoo18/venv/bin/python).
SHELL := /bin/bash
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run:  ## PostgreSQL + local Xero + Odoo with a connected demo company on http://127.0.0.1:8069
	@bash tools/run.sh

stop:  ## stop what 'make run' started
	@bash tools/run.sh --stop

test:  ## every test: addon (real Odoo 18 + emulator over HTTP), emulator, uninstall/reinstall
	@bash tools/test.sh

test-addon:  ## only the addon's tests (TAGS=/account_xero:TestClass to narrow)
	@bash tools/test.sh --addon-only $(if $(TAGS),--tags $(TAGS))

test-emulator:  ## only the emulator's own test suite
	@bash tools/test.sh --emulator-only

screenshots:  ## the README's pictures (docs/img) from a fresh demo, in headless Chromium
	@bash tools/screenshots.sh

lint:  ## ruff + pylint-odoo
	@bash tools/lint.sh

bench:  ## benchmarks and fault runs (not part of make test)
	@bash bench/run.sh

.PHONY: help run stop test test-addon test-emulator screenshots lint bench
