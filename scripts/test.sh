#!/usr/bin/env bash
# Every test: Rust unit, storage, HTTP and binary tests on SQLite and PostgreSQL, the web app's
# unit and browser tests, then lints. Installs what it needs (PostgreSQL, cargo-nextest, GDAL
# for the export round-trip, Node.js packages and Chromium, when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/pg-start.sh
# A one-off build (CI, a fresh clone) gains nothing from incremental caches, which are large.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi
command -v ogrinfo >/dev/null || { apt-get update -qq && apt-get install -y -qq gdal-bin python3-gdal; }

cargo nextest run --workspace --locked --no-fail-fast
# nextest does not run doctests; they are part of the specification of public functions.
cargo test --workspace --locked --doc
bash scripts/web-test.sh
bash scripts/lint.sh
