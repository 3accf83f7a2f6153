# Tessera's task runner: CI runs exactly these recipes (see .ci/run).

CARGO ?= cargo

.PHONY: run test lint pg-start deps bless-help

## Run the platform with a demo campaign on the embedded default (SQLite + tiles in ./tessera-data).
run:
	$(CARGO) run --release -p tessera-server --bin tessera -- demo

## Run every test on both storage backends, then the lints. Installs what it needs.
test:
	bash scripts/test.sh

## Lints alone: clippy with warnings as errors, formatting, dependency direction.
lint:
	bash scripts/lint.sh

## Start the local PostgreSQL cluster if it is not running.
pg-start:
	bash scripts/pg-start.sh
