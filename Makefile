# Tessera's task runner: CI runs exactly these recipes (see .ci/run).

CARGO ?= cargo

.PHONY: run web test lint pg-start deps bless-help

## Run the platform with a demo campaign on the embedded default (SQLite + tiles in ./tessera-data).
run: web
	$(CARGO) run --release -p tessera-server --bin tessera -- demo

## Build the web app into frontend/dist (installs its npm packages when needed).
web:
	bash scripts/web.sh

## Run every test on both storage backends, then the lints. Installs what it needs.
test:
	bash scripts/test.sh

## Lints alone: clippy with warnings as errors, formatting, dependency direction.
lint:
	bash scripts/lint.sh

## Start the local PostgreSQL cluster if it is not running.
pg-start:
	bash scripts/pg-start.sh
