#!/usr/bin/env bash
# The web app's tests: unit tests (Vitest), then browser tests driving Debian's Chromium
# against a real `tessera` server. Installs Chromium if it is missing. Screenshots of every
# screen land in frontend/test-results/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium (Debian package) for the browser tests…"
  apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
bash scripts/web.sh
cargo build --locked -p tessera-server --bin tessera
cd frontend
npm run --silent test:unit
npm run --silent test:e2e
