#!/usr/bin/env bash
# The day's HTTP ceiling, side by side: `wrk -t1 -c64 -d10s` against an actix-web hello world and
# against `tessera serve`'s GET /api/v1/health. Tessera's load goals are stated against a hello
# world of ~55,000 requests/s; on a shared 2-core machine that figure moves by a factor of two or
# three between days, so scale a `tessera loadtest` figure by this run's hello world to compare it
# with a goal.
#
#   bench/ceiling.sh [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
if ! command -v wrk >/dev/null; then
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
cargo build -q --release -p tessera-server --bin tessera --example hello
bin=target/release
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/examples/hello" 127.0.0.1:18089 & pids+=($!)
"$bin/tessera" serve --bind 127.0.0.1:18090 --data-dir "$work" --consensus-interval 0 \
  >/dev/null 2>&1 & pids+=($!)
for url in http://127.0.0.1:18089/ http://127.0.0.1:18090/api/v1/health; do
  for _ in $(seq 100); do curl -fs -o /dev/null "$url" && break; sleep 0.1; done
done

rate() { wrk -t1 -c64 -d"${secs}s" "$1" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
hello=$(rate http://127.0.0.1:18089/)
health=$(rate http://127.0.0.1:18090/api/v1/health)
echo "actix-web hello world   ${hello} requests/s (the goals' reference: ~55,000)"
echo "tessera GET /health     ${health} requests/s"
awk -v h="$hello" 'BEGIN { printf "scale for goals set at 55,000: %.2f\n", h / 55000 }'
