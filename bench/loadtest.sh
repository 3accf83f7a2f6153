#!/usr/bin/env bash
# The scheduler's load figures: `tessera loadtest` on SQLite and on PostgreSQL, side by side
# with the GET /health ceiling of the same server. Loopback only, bounded in time.
#
#   bench/loadtest.sh [VOLUNTEERS] [SECONDS] [TASKS]
set -euo pipefail
cd "$(dirname "$0")/.."
volunteers=${1:-2000}
seconds=${2:-30}
tasks=${3:-1000000}

cargo build --release -p tessera-server --bin tessera
bin=target/release/tessera

echo "== SQLite (embedded default)"
"$bin" loadtest --volunteers "$volunteers" --duration "$seconds" --tasks "$tasks"

echo "== PostgreSQL"
bash scripts/pg-start.sh
db="tessera_load_$$"
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
trap 'psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres' EXIT
"$bin" loadtest --volunteers "$volunteers" --duration "$seconds" --tasks "$tasks" \
  --database-url "postgres://postgres@127.0.0.1:5432/$db"
