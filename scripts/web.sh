#!/usr/bin/env bash
# Builds the web app into frontend/dist, which `tessera serve` serves. Installs Node.js from
# Debian if it is missing, and the npm packages from package-lock.json when they changed.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if ! command -v npm >/dev/null 2>&1; then
  echo "Installing Node.js and npm (Debian packages)…"
  apt-get install -y nodejs npm >/dev/null || { apt-get update >/dev/null && apt-get install -y nodejs npm >/dev/null; }
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
