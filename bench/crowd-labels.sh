#!/usr/bin/env bash
# Consensus on four real crowd-labelling data sets with ground truth, beside majority vote and
# Dawid–Skene from the same answers (see consensus/README.md, "Evaluation on real crowd labels").
# usage: bench/crowd-labels.sh [--set KEY=VALUE …]   (data: $CROWD_LABELS_DIR or ../shared/data/crowd-labels)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q --release -p tessera-consensus --example crowd_labels -- "$@"
