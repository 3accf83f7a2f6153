#!/usr/bin/env bash
# The server's consensus job at Raqqa scale on SQLite: a campaign of TILES² georeferenced tasks
# with 5 simulated answers each (default 632² ≈ 400,000 tasks, 2,000,000 answers) is written
# straight into a fresh database; the job's first pass (a full run) is timed, then NEW more
# answers (default 1,000, from new volunteers) arrive and the next pass (an incremental run) is
# timed. Each pass also reports how long a probe's one-row write waited for the writer while the
# job ran — what answer intake would have waited.
# usage: bench/consensus-job.sh [TILES=632] [NEW=1000]   (needs python3; ~3 GB of disk;
#   KEEP=1 keeps the database in WORK, default a fresh temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
TILES=${1:-632}; NEW=${2:-1000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
WORK=${WORK:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
cargo build -q --release --locked -p tessera-consensus --example simulate
cargo build -q --release --locked -p tessera-server --example consensus_job
SIM=$CARGO_TARGET_DIR/release/examples/simulate
JOB=$CARGO_TARGET_DIR/release/examples/consensus_job
DB=$WORK/tessera.db
"$SIM" --tiles "$TILES" --answers 5 --seed 1 --out "$WORK/answers.jsonl" > /dev/null 2>&1
"$JOB" "sqlite://$DB" --init
seed() {   # seed ANSWERS_FILE FIRST_ANSWER_ONLY(count or 0 = all) USER_PREFIX
  python3 - "$DB" "$@" <<'PY'
import json, sqlite3, sys
db, path, limit, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
new = c.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
if new:
    c.execute("INSERT INTO campaigns (id, slug, name, description, status, settings, created_at, updated_at)"
              " VALUES ('bench-c', 'bench', 'Bench', '', 'active', ?, 0, 0)",
              (json.dumps({"redundancy": {"min": 5, "max": 5}}),))
users, tasks, answers, marks = set(), [], [], []
n = 0
with open(path) as f:
    for line in f:
        row = json.loads(line)
        if row["type"] == "task":
            if new:
                fp = row["footprint"]
                lons = [p[0] for p in fp]; lats = [p[1] for p in fp]
                gold = row.get("gold")
                tasks.append((row["id"] + 1, json.dumps(fp), min(lons), min(lats), max(lons), max(lats),
                              gold is not None, json.dumps(gold) if gold is not None else None))
            continue
        if limit and n >= limit:
            continue
        user = prefix + row["volunteer"]
        users.add(user)
        answer = f"{prefix}a{n}"
        kind = "marks" if row.get("marks") else ("cant_tell" if row.get("cant_tell") else "nothing_here")
        answers.append((answer, row["task"] + 1, user, kind, answer, n))
        for m in row.get("marks") or []:
            marks.append((answer, row["task"] + 1, m["x"], m["y"], m["class"]))
        n += 1
c.executemany("INSERT INTO tasks (id, campaign_id, kind, footprint, min_lon, min_lat, max_lon, max_lat,"
              " px_w, px_h, status, answer_count, needed, is_gold, gold_answer, created_at)"
              " VALUES (?, 'bench-c', 'search', ?, ?, ?, ?, ?, 256, 256, 'retired', 5, 5, ?, ?, 0)", tasks)
c.executemany("INSERT OR IGNORE INTO users (id, handle, handle_key, handle_skeleton, password_hash, role, created_at)"
              " VALUES (?, ?, ?, ?, '!', 'volunteer', 0)", [(u, u, u, u) for u in users])
now = int(__import__("time").time() * 1000)
c.executemany("INSERT INTO answers (id, task_id, user_id, campaign_id, kind, idempotency_key, submitted_at)"
              " VALUES (?, ?, ?, 'bench-c', ?, ?, ?)", [a[:5] + (now,) for a in answers])
c.executemany("INSERT INTO marks (answer_id, task_id, campaign_id, x, y, class) VALUES (?, ?, 'bench-c', ?, ?, ?)", marks)
c.commit()
# A live campaign's database has long been checkpointed; a run right after a bulk load would
# mostly measure the checkpoint of its WAL.
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(f"seeded {len(tasks)} tasks, {len(answers)} answers, {len(marks)} marks, {len(users)} volunteers")
PY
}
seed "$WORK/answers.jsonl" 0 ""
echo "full run:"
/usr/bin/time -f "  process wall_s=%e max_rss_kb=%M" "$JOB" "sqlite://$DB"
# New answers: another simulated crowd's first NEW answers, from volunteers not seen before.
"$SIM" --tiles "$TILES" --answers 5 --seed 2 --out "$WORK/more.jsonl" > /dev/null 2>&1
seed "$WORK/more.jsonl" "$NEW" "late-"
echo "incremental run after $NEW new answers:"
/usr/bin/time -f "  process wall_s=%e max_rss_kb=%M" "$JOB" "sqlite://$DB"
