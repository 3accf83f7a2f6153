#!/usr/bin/env bash
# Wall time and peak RSS of a whole consensus run (read, consensus, write) on simulated
# georeferenced campaigns of 200k, 500k, 1M and 2M answers (5 answers per tile; 2M answers is
# `simulate --tiles 632`, a ~505 MB file). Each size runs REPEAT times (default 3) and the median
# is printed; the machine is shared, so run it when quiet.
# usage: bench/consensus-scale.sh [SIZES="200 316 447 632"]   (tiles per side)
#   TESSERA=path/to/tessera times `tessera consensus` instead of the library's consensus example.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-"200 316 447 632"}
REPEAT=${REPEAT:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-consensus}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cargo build -q --release -p tessera-consensus --example simulate --example consensus
BIN=$CARGO_TARGET_DIR/release/examples
echo "| answers | file MB | wall s (median of $REPEAT) | peak RSS MB (median) | runs (s) |"
echo "|---|---|---|---|---|"
for tiles in $SIZES; do
  "$BIN/simulate" --tiles "$tiles" --answers 5 --seed 1 --out "$WORK/answers.jsonl" > /dev/null 2>&1
  answers=$(grep -c '"type":"answer"' "$WORK/answers.jsonl")
  mb=$(( $(stat -c %s "$WORK/answers.jsonl") / 1000000 ))
  walls=(); rss=()
  for _ in $(seq "$REPEAT"); do
    if [ -n "${TESSERA:-}" ]; then
      cmd=("$TESSERA" consensus --input "$WORK/answers.jsonl" --out "$WORK/out.jsonl")
    else
      cmd=("$BIN/consensus" --input "$WORK/answers.jsonl" --out "$WORK/out.jsonl")
    fi
    /usr/bin/time -f "%e %M" -o "$WORK/time" "${cmd[@]}" 2> /dev/null
    read -r w m < "$WORK/time"
    walls+=("$w"); rss+=("$m")
  done
  python3 - "$answers" "$mb" "${walls[*]}" "${rss[*]}" <<'PY'
import statistics, sys
answers, mb, walls, rss = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
w = statistics.median(float(x) for x in walls)
r = statistics.median(int(x) for x in rss) / 1024
print(f"| {answers} | {mb} | {w:.2f} | {r:.0f} | {' '.join(walls)} |")
PY
done
