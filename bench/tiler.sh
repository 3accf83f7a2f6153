#!/usr/bin/env bash
# Tiler throughput against libvips, on one synthetic 8192² RGB GeoTIFF (natural-image texture).
#
# usage: bench/tiler.sh [SIZE=8192] [RUNS=3] [VARIANT=plain|deflate]
#   env: BENCH_DIR (default /tmp/tessera-bench) — frame and outputs;
#        TESSERA_TILE_CMD — command prefix taking `FRAME --out DIR --tile-size 256 --overlap 0
#          --quality 85 --threads 2`; default `target/release/tessera tile` when that binary has a
#          `tile` subcommand (its codecs are the server build's features: see tiles/README.md),
#          otherwise — or when set to `example` — the library's example `tile FRAME OUT 256 0 85 2`, built with
#          TESSERA_TILE_FEATURES (default `native-codecs` = libjpeg-turbo + libdeflate; set it empty
#          for the pure-Rust build).
# Needs: gdal-bin, libvips-tools, cmake, nasm (apt; installed if missing), python3 + numpy +
# tifffile (a venv is made if missing).
# Runs are interleaved (tessera, vips, tessera, vips, …) because the machine is shared and noisy;
# compare the ratio, not absolute numbers. Each run: wall time, CPU time (user + system) and peak RSS
# from /usr/bin/time -v, total tile bytes, megapixels/s. The CPU-time ratio is the steadier figure
# when other jobs compete for the cores (it shows the work each tool does, not who got the cores).
set -euo pipefail
size=${1:-8192}; runs=${2:-3}; variant=${3:-plain}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-/tmp/tessera-bench}
mkdir -p "$work"
shared=$root/../shared/bench

for tool in gdalinfo:gdal-bin vips:libvips-tools; do
  command -v "${tool%%:*}" >/dev/null || apt-get install -y -qq "${tool#*:}" >/dev/null
done
if ! python3 -c 'import numpy, tifffile' 2>/dev/null; then
  [ -x "$work/.venv/bin/python" ] || { python3 -m venv "$work/.venv" && "$work/.venv/bin/pip" install -q numpy tifffile; }
  export PATH=$work/.venv/bin:$PATH
fi
"$shared/make_frame.sh" "$work" "$size" >/dev/null
frame=$work/frame$size.tif
[ "$variant" = deflate ] && frame=$work/frame${size}_deflate.tif

target=${CARGO_TARGET_DIR:-$root/target}
force_example=
[ "${TESSERA_TILE_CMD:-}" = example ] && { force_example=1; TESSERA_TILE_CMD=; }
if [ -z "${TESSERA_TILE_CMD:-}" ]; then
  if [ -z "$force_example" ]; then
    # `tessera tile` as shipped for real campaigns: the server built with the native codecs.
    features=${TESSERA_TILE_FEATURES-native-codecs}
    if [ -n "$features" ] && ! { command -v cmake && command -v nasm; } >/dev/null; then
      apt-get install -y -qq cmake nasm >/dev/null
    fi
    (cd "$root" && cargo build -q --release -p tessera-server --bin tessera ${features:+--features "$features"})
    TESSERA_TILE_CMD="$target/release/tessera tile"
  else
    # The libjpeg-turbo encoder needs cmake + nasm to build; without them, the pure-Rust one.
    features=${TESSERA_TILE_FEATURES-native-codecs}
    if [ -n "$features" ] && ! { command -v cmake && command -v nasm; } >/dev/null; then
      echo "cmake/nasm missing: benchmarking the pure-Rust jpeg-encoder" >&2; features=
    fi
    (cd "$root" && cargo build -q --release -p tessera-tiles --example tile ${features:+--features "$features"})
    example=$target/release/examples/tile
  fi
fi

run_tessera() { # OUT
  if [ -n "${TESSERA_TILE_CMD:-}" ]; then
    $TESSERA_TILE_CMD "$frame" --out "$1" --tile-size 256 --overlap 0 --quality 85 --threads 2
  else
    "$example" "$frame" "$1" 256 0 85 2
  fi
}
run_vips() { # OUT
  VIPS_CONCURRENCY=2 vips dzsave "$frame" "$1" --tile-size 256 --overlap 0 --depth one --suffix '.jpg[Q=85]'
}

measure() { # NAME OUT → "wall_s cpu_s rss_mb tile_bytes tiles"
  local name=$1 out=$2 log=$work/time.log
  rm -rf "$out"; sync
  /usr/bin/time -v -o "$log" bash -c "run_$name \"\$1\"" _ "$out" >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
  local wall cpu rss bytes tiles
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s+=$2} END {print s}' "$log")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$log")
  bytes=$(find "$out"* -name '*.jpg' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')
  tiles=$(find "$out"* -name '*.jpg' 2>/dev/null | wc -l)
  echo "$wall $cpu $rss $bytes $tiles"
}
export -f run_tessera run_vips
export frame example TESSERA_TILE_CMD

mp=$(python3 -c "print($size*$size/1e6)")
echo "frame: $frame (${size}x${size} RGB, $(du -m "$frame" | cut -f1) MB), $runs interleaved runs"
echo "tessera: ${TESSERA_TILE_CMD:-$example FRAME OUT 256 0 85 2}"
echo "vips:    VIPS_CONCURRENCY=2 vips dzsave FRAME OUT --tile-size 256 --overlap 0 --depth one --suffix '.jpg[Q=85]'"
printf '%-8s %4s %8s %8s %8s %8s %12s %6s\n' tool run wall_s cpu_s MP/s rss_MB tile_bytes tiles
ratios=(); cpu_ratios=()
for i in $(seq 1 "$runs"); do
  read -r tw tc trss tb tn < <(measure tessera "$work/out-tessera")
  read -r vw vc vrss vb vn < <(measure vips "$work/out-vips")
  printf '%-8s %4d %8.2f %8.2f %8.1f %8s %12d %6d\n' tessera "$i" "$tw" "$tc" "$(python3 -c "print($mp/$tw)")" "$trss" "$tb" "$tn"
  printf '%-8s %4d %8.2f %8.2f %8.1f %8s %12d %6d\n' vips "$i" "$vw" "$vc" "$(python3 -c "print($mp/$vw)")" "$vrss" "$vb" "$vn"
  ratios+=("$(python3 -c "print($vw/$tw)")"); cpu_ratios+=("$(python3 -c "print($vc/$tc)")")
done
python3 - "${#ratios[@]}" "${ratios[@]}" "${cpu_ratios[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); r = [float(x) for x in sys.argv[2:2 + n]]; c = [float(x) for x in sys.argv[2 + n:]]
print(f"throughput ratio tessera/vips: median {statistics.median(r):.2f}x (runs: {', '.join(f'{x:.2f}' for x in r)})")
print(f"CPU-time ratio vips/tessera:   median {statistics.median(c):.2f}x (runs: {', '.join(f'{x:.2f}' for x in c)})")
PY
