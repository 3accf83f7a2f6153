#!/usr/bin/env bash
# The layering rule of docs/ARCHITECTURE.md: only storage (server/src/db/) and the use cases
# that choose how to write (server/src/scheduler/) may look at which database backend a
# connection is. Anywhere else, a match on `DbConn::Sqlite` / `DbConn::Pg`, or a comparison with
# `Backend::Sqlite` / `Backend::Postgres`, means a handler, a job or a command is choosing the
# backend itself: give its use case one call instead. (Reporting the backend, as /health does, is
# fine: it names no variant.)
set -euo pipefail
cd "$(dirname "$0")/.."

found=$(grep -rnE '(DbConn::(Sqlite|Pg)|Backend::(Sqlite|Postgres))\b' server/src --include='*.rs' \
  | grep -vE '^server/src/(db|scheduler)/' || true)
if [ -n "$found" ]; then
  echo "A backend match outside server/src/db/ and server/src/scheduler/:" >&2
  echo "$found" >&2
  echo "Move the choice into the use case (scheduler/) or the table's module (db/)." >&2
  exit 1
fi
