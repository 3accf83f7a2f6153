#!/usr/bin/env bash
# Lints: formatting, clippy (pedantic, warnings are errors) and the one-way dependency rule
# (tiles, consensus and export never import the web or the database; only db/ and scheduler/
# choose a backend: docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/check-tests.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
for crate in tessera-tiles tessera-consensus tessera-export; do
  if cargo tree -p "$crate" -e normal --locked | grep -Eq '^.*(diesel|actix)'; then
    echo "$crate must not depend on diesel or actix" >&2
    exit 1
  fi
done
bash scripts/check-layers.sh
echo "lint: ok"
