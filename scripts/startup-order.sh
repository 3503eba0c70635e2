#!/usr/bin/env bash
# `make startup-order`: writes src-tauri/startup-order.txt, the functions the desktop app runs from
# launch until idle, in the order it first runs them. Release builds hand the list to the linker,
# which lays those functions out side by side (see src-tauri/build.rs). Run it again after a
# dependency or toolchain update, or a change to what the app does at start: names the build no
# longer has are skipped, so a stale list only costs memory.
#
# How: builds the release app, starts a display, Docker and a keychain, and launches the app once
# as the idle memory benchmark does, with scripts/startup-tracer.c preloaded; the tracer records
# each function's first call. Needs a C compiler and readelf (binutils).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_stop EXIT
services_start docker display || exit 1

cargo build --release --locked -p berth-desktop --features tauri/custom-protocol
bin="$CARGO_TARGET_DIR/release/berth-desktop"
work=$(mktemp -d -t berth-order.XXXXXX)
trap 'rm -rf "$work"; services_stop' EXIT
cc -O2 -shared -fPIC -o "$work/tracer.so" scripts/startup-tracer.c

# Every function in the binary with a size, one name per address: "address name".
readelf -sW "$bin" | awk '$4 == "FUNC" && $3 != "0" && $7 != "UND" { print $2, $8 }' | sort -u -k1,1 >"$work/functions"
cut -d' ' -f1 "$work/functions" >"$work/addresses"

STARTUP_TRACER="$work/tracer.so" STARTUP_TRACE_FUNCS="$work/addresses" STARTUP_TRACE_OUT="$work/called" \
  BERTH_DESKTOP_BIN="$bin" with_keychain cargo bench --locked --profile dev -p berth-desktop --bench idle_memory

awk 'NR == FNR { name[$1] = $2; next } ($1 in name) { print name[$1] }' "$work/functions" "$work/called" \
  >"$work/order"
# A launch the tracer saw nothing of (no compiler output, a crash) must not empty the list.
if [ "$(wc -l <"$work/order")" -lt 100 ]; then
  echo "the tracer recorded $(wc -l <"$work/order") functions; src-tauri/startup-order.txt is left as it was" >&2
  exit 1
fi
mv "$work/order" src-tauri/startup-order.txt
echo "==> src-tauri/startup-order.txt: $(wc -l <src-tauri/startup-order.txt) functions" >&2
