#!/usr/bin/env bash
# Every end-to-end test file in tests/ must be registered as a [[test]] target in
# server/Cargo.toml: cargo only finds test files in the package's own tests/ folder, so an
# unregistered tests/x.rs would compile never and run never, silently. This fails naming each
# file that has no entry, and each entry whose file is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

manifest=server/Cargo.toml
# The path of each [[test]] entry, relative to the repository root. An entry without `path`
# means cargo's default, server/tests/<name>.rs.
registered=$(awk '
  function flush() { if (in_test) print (path != "" ? "server/" path : "server/tests/" name ".rs") }
  /^\[/ { flush(); in_test = ($0 ~ /^\[\[test\]\]/); name = ""; path = ""; next }
  in_test && /^[[:space:]]*name[[:space:]]*=/ { split($0, a, "\""); name = a[2] }
  in_test && /^[[:space:]]*path[[:space:]]*=/ { split($0, a, "\""); path = a[2] }
  END { flush() }
' "$manifest" | sed -E 's#^server/\.\./##')

status=0
for file in tests/*.rs; do
  if ! grep -qxF "$file" <<<"$registered"; then
    echo "check-tests: $file has no [[test]] entry in $manifest, so it never runs; add:" >&2
    printf '  [[test]]\n  name = "%s"\n  path = "../%s"\n' "$(basename "$file" .rs)" "$file" >&2
    status=1
  fi
done
while read -r file; do
  if [ -n "$file" ] && [ ! -f "$file" ]; then
    echo "check-tests: $manifest has a [[test]] entry for $file, which does not exist" >&2
    status=1
  fi
done <<<"$registered"
if [ "$status" -eq 0 ]; then
  echo "check-tests: all $(wc -l <<<"$registered") test files are registered"
fi
exit "$status"
