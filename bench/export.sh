#!/usr/bin/env bash
# Exporting N strike sites (default 100,000) in every format: tessera-export (the `export`
# example, which generates the sites and writes them) against ogr2ogr converting the same points
# (a CSV written by the example) into the same format, side by side. Reports wall seconds and
# peak RSS (GNU time's %e and %M, as `/usr/bin/time -v` prints them) of each. Goal: tessera at
# least as fast as ogr2ogr in every format, peak RSS under 100 MB.
# usage: bench/export.sh [N]   (needs gdal-bin: apt-get install -y gdal-bin)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
for tool in ogr2ogr /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/export.sh needs $tool (gdal-bin, time)" >&2; exit 1; }
done
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cargo build -q --release --locked -p tessera-export --example export
BIN=$CARGO_TARGET_DIR/release/examples/export
"$BIN" csv "$N" "$WORK/input.csv" 2>/dev/null

# measure CMD...: prints "SECONDS MB" of one run, or the command's errors and exits.
measure() {
  if ! /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err"; then
    cat "$WORK/err" >&2; exit 1
  fi
  awk '{ printf "%.2f %.1f", $1, $2 / 1024 }' "$WORK/time"
}

# ogr2ogr reads the CSV with typed columns, so the GeoPackage's fields are typed as ours.
IN=(-oo X_POSSIBLE_NAMES=longitude -oo Y_POSSIBLE_NAMES=latitude -oo AUTODETECT_TYPE=YES
  -a_srs EPSG:4326 "$WORK/input.csv")
# KML: GDAL's streaming KML driver. LIBKML (GDAL's choice for .kml files) builds the document
# in memory: on 100,000 points it ran past 26 minutes at about 1 GB RSS without finishing.
declare -A OGR=(
  [geojson]="-f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=7"
  [csv]="-f CSV"
  [kml]="-f KML"
  [gpkg]="-f GPKG"
)

echo "exporting $N sites ($(ogr2ogr --version | cut -d, -f1))"
printf '%-8s %12s %12s %12s %12s %8s\n' format "tessera s" "tessera MB" "ogr2ogr s" "ogr2ogr MB" "speedup"
for format in geojson csv kml gpkg; do
  tessera=$(measure "$BIN" "$format" "$N" "$WORK/tessera.$format")
  # shellcheck disable=SC2086 # the options are words
  ogr=$(measure ogr2ogr ${OGR[$format]} "$WORK/ogr.$format" "${IN[@]}")
  read -r ts tm <<<"$tessera"
  read -r os om <<<"$ogr"
  speedup=$(awk -v t="$ts" -v o="$os" 'BEGIN { printf "%.1fx", (t > 0 ? o / t : 0) }')
  printf '%-8s %12s %12s %12s %12s %8s\n' "$format" "$ts" "$tm" "$os" "$om" "$speedup"
done
