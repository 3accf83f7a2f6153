#!/usr/bin/env bash
# Panoptes-compatible mode vs the real panoptes_aggregation point_reducer_dbscan on the same
# simulated input: same cluster count per (task, class), centres within 0.01 px.
# usage: bench/consensus_compat.sh [TILES=30] [ANSWERS=5] [EPS=5] [MIN_SAMPLES=3]
# Needs python3; installs panoptes_aggregation in $PANOPTES_VENV (default ./.venv-panoptes) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
TILES=${1:-30}; ANSWERS=${2:-5}; EPS=${3:-5}; MIN_SAMPLES=${4:-3}
VENV=${PANOPTES_VENV:-.venv-panoptes}
SHARED=${SHARED_BENCH:-../shared/bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-consensus}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import panoptes_aggregation' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q panoptes_aggregation
fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cargo build -q --release -p tessera-consensus --example simulate --example consensus
BIN=$CARGO_TARGET_DIR/release/examples
"$BIN/simulate" --tiles "$TILES" --answers "$ANSWERS" --seed 42 --out "$WORK/answers.jsonl"
"$VENV/bin/python" "$SHARED/panoptes_reduce.py" "$WORK/answers.jsonl" --eps "$EPS" --min-samples "$MIN_SAMPLES" --out "$WORK/py.jsonl"
"$BIN/consensus" --mode panoptes-dbscan --input "$WORK/answers.jsonl" --eps "$EPS" --min-samples "$MIN_SAMPLES" --out "$WORK/rs.jsonl"
python3 - "$WORK/py.jsonl" "$WORK/rs.jsonl" <<'PY'
import json, sys
from collections import defaultdict
def load(p):
    g = defaultdict(list)
    for line in open(p):
        r = json.loads(line)
        g[(json.dumps(r["task"]), r["class"])].append((r["x"], r["y"], r["count"]))
    return {k: sorted(v) for k, v in g.items()}
py, rs = load(sys.argv[1]), load(sys.argv[2])
keys = set(py) | set(rs)
bad_count = [k for k in keys if len(py.get(k, [])) != len(rs.get(k, []))]
worst = 0.0
bad_centre = 0
for k in keys:
    if k in bad_count:
        continue
    for a, b in zip(py[k], rs[k]):
        d = max(abs(a[0] - b[0]), abs(a[1] - b[1]))
        worst = max(worst, d)
        if d > 0.01 or a[2] != b[2]:
            bad_centre += 1
n = sum(len(v) for v in py.values())
print(f"groups={len(keys)} clusters_panoptes={n} clusters_tessera={sum(len(v) for v in rs.values())} "
      f"groups_with_different_count={len(bad_count)} centres_off={bad_centre} max_centre_diff_px={worst:.2e}")
sys.exit(1 if bad_count or bad_centre else 0)
PY
echo "compat: OK"
