#!/usr/bin/env bash
# Exporting N strike sites (default 100,000) end to end: `tessera export` reading them from an
# SQLite database (each site with its consensus run, a task and two frames, as consensus writes
# them) against ogr2ogr converting the same points (the CSV `tessera export` wrote) into the same
# format, side by side in one run. Reports wall seconds and peak RSS (GNU time's %e and %M).
# Goal: tessera at least as fast as ogr2ogr in every format, peak RSS under 100 MB.
# usage: bench/export-db.sh [N]   (needs gdal-bin and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
for tool in ogr2ogr /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench/export-db.sh needs $tool" >&2; exit 1; }
done
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cargo build -q --release --locked -p tessera-server --bin tessera
BIN=$CARGO_TARGET_DIR/release/tessera
export TESSERA_DATA_DIR=$WORK/data
# Creates the database (migrations run on open); the campaign does not exist yet.
"$BIN" export --campaign bench --format csv --out "$WORK/none.csv" 2>/dev/null || true
python3 - "$WORK/data/tessera.db" "$N" <<'PY'
import json, random, sqlite3, sys, uuid
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
rng = random.Random(7)
classes = ["destroyed", "severe", "moderate", "crater"]
settings = json.dumps({"damage_classes": classes})
c.execute("INSERT INTO campaigns (id, slug, name, description, status, settings, created_at, updated_at)"
          " VALUES ('bench-c', 'bench', 'Bench', '', 'active', ?, 0, 0)", (settings,))
c.execute("INSERT INTO consensus_runs (id, campaign_id, parameters, code_version, started_at, finished_at)"
          " VALUES ('bench-run', 'bench-c', ?, 'tessera bench', 0, 1)", (json.dumps({"eps_m": 5.0, "classes": classes}),))
for f in ("before", "after"):
    c.execute("INSERT INTO frames (id, campaign_id, source_path, sha256, file_size, width, height, bands, crs,"
              " geotransform, footprint, min_lon, min_lat, max_lon, max_lat, created_at)"
              " VALUES (?, 'bench-c', '/dev/null', ?, 0, 1, 1, 3, 'EPSG:4326', '[0,1,0,0,0,-1]', '[]', 38.9, 35.9, 39.1, 36.0, 0)",
              (f, (f * 32)[:64]))
tasks = 1000
c.executemany("INSERT INTO tasks (campaign_id, kind, frame_id, before_frame_id, footprint, min_lon, min_lat, max_lon, max_lat, status, created_at)"
              " VALUES ('bench-c', 'search', 'after', 'before', '[]', 38.9, 35.9, 39.1, 36.0, 'open', 0)", [() for _ in range(tasks)])
first = c.execute("SELECT min(id) FROM tasks").fetchone()[0]
sites, links = [], []
for i in range(n):
    sid = str(uuid.UUID(int=(i + 1) << 64 | rng.getrandbits(64)))
    sites.append((sid, 38.9 + rng.random() * 0.2, 35.9 + rng.random() * 0.1, classes[i % 4], rng.random(),
                  rng.random(), rng.randint(3, 9), rng.random() * 10, rng.choice(["candidate", "confirmed", "rejected"])))
    links.append((sid, first + i % tasks))
c.executemany("INSERT INTO sites (id, campaign_id, lon, lat, class, confidence, support, seen_by, uncertainty_m, status,"
              " consensus_run_id, created_at, updated_at) VALUES (?, 'bench-c', ?, ?, ?, ?, ?, ?, ?, ?, 'bench-run', 0, 0)", sites)
c.executemany("INSERT INTO site_tasks (site_id, task_id) VALUES (?, ?)", links)
c.commit()
PY

measure() {
  if ! /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err"; then
    cat "$WORK/err" >&2; exit 1
  fi
  awk '{ printf "%.2f %.1f", $1, $2 / 1024 }' "$WORK/time"
}

"$BIN" export --campaign bench --format csv --out "$WORK/input.csv" 2>/dev/null
IN=(-oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -oo AUTODETECT_TYPE=YES
  -a_srs EPSG:4326 "$WORK/input.csv")
# KML: GDAL's streaming KML driver (LIBKML builds the whole document in memory; see export.sh).
declare -A OGR=(
  [geojson]="-f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=7"
  [csv]="-f CSV"
  [kml]="-f KML"
  [gpkg]="-f GPKG"
)
echo "exporting $N sites from SQLite with tessera export ($(ogr2ogr --version | cut -d, -f1) converting the same points)"
printf '%-8s %12s %12s %12s %12s %8s\n' format "tessera s" "tessera MB" "ogr2ogr s" "ogr2ogr MB" "speedup"
for format in geojson csv kml gpkg; do
  tessera=$(measure "$BIN" export --campaign bench --format "$format" --out "$WORK/tessera.$format")
  # shellcheck disable=SC2086 # the options are words
  ogr=$(measure ogr2ogr ${OGR[$format]} "$WORK/ogr.$format" "${IN[@]}")
  read -r ts tm <<<"$tessera"
  read -r os om <<<"$ogr"
  speedup=$(awk -v t="$ts" -v o="$os" 'BEGIN { printf "%.1fx", (t > 0 ? o / t : 0) }')
  printf '%-8s %12s %12s %12s %12s %8s\n' "$format" "$ts" "$tm" "$os" "$om" "$speedup"
done
count=$(ogrinfo -ro -so -al "$WORK/tessera.gpkg" | awk -F': ' '/Feature Count/ { print $2 }')
echo "GDAL counts $count features in tessera's GeoPackage"
