#!/usr/bin/env bash
# The web app's tests: the API types are checked against the server's OpenAPI snapshot, then unit
# tests (Vitest), then browser tests driving Debian's Chromium against a real `tessera` server.
# Installs Chromium if it is missing. Screenshots of every screen land in frontend/test-results/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium (Debian package) for the browser tests…"
  apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
bash scripts/web.sh

# The committed src/lib/api-types.ts must be what tests/snapshots/openapi__openapi.snap gives.
fresh=$(mktemp --suffix=.ts)
trap 'rm -f "$fresh"' EXIT
(cd frontend && npm run --silent gen:api -- "$fresh")
if ! diff -u frontend/src/lib/api-types.ts "$fresh"; then
  echo "frontend/src/lib/api-types.ts is stale: run \`npm run gen:api\` in frontend/ and commit it." >&2
  exit 1
fi

cargo build --locked -p tessera-server --bin tessera
# The browser tests run the binary just built, wherever CARGO_TARGET_DIR puts it.
export TESSERA_BIN=${TESSERA_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/tessera}
cd frontend
npm run --silent test:unit
npm run --silent test:e2e
