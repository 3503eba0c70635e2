#!/usr/bin/env bash
# `make bench`: starts the Docker engine if it is not running (the container start and gateway
# benchmarks need it), a local registry (the signature verification benchmark) and a display (the
# idle memory benchmark), runs every benchmark, writes BENCHMARKS.md from what each printed, and
# stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_stop EXIT

services_start docker registry display || exit 1
out=$(mktemp -d -t berth-bench.XXXXXX)
status=0
names=()

# Runs one benchmark: `bench NAME SOURCE cargo-args…`. Its standard output goes to the terminal
# and to $out/NAME.txt; its exit status to $out/NAME.status; its source file's path (whose `//!`
# lines say what it compares) to $out/NAME.source.
bench() {
  local name=$1 source=$2
  shift 2
  names+=("$name")
  echo "$source" >"$out/$name.source"
  echo "==> benchmark $name" >&2
  "$@" | tee "$out/$name.txt"
  local rc=${PIPESTATUS[0]}
  echo "$rc" >"$out/$name.status"
  [ "$rc" = 0 ] || status=1
}

bench store crates/store/benches/store.rs cargo bench --locked -p berth-store
bench catalog crates/catalog/benches/catalog.rs cargo bench --locked -p berth-catalog
bench start crates/servers/benches/start.rs cargo bench --locked -p berth-servers
# The gateway benchmarks run Berth's CLI gateway, which opens the keychain.
bench gateway crates/cli/benches/gateway.rs with_keychain cargo bench --locked -p berth-cli --bench gateway
bench bridge crates/cli/benches/bridge.rs with_keychain cargo bench --locked -p berth-cli --bench bridge
# Image signature verification's cost on a start, against the local registry.
bench verify crates/api/benches/verify.rs cargo bench --locked -p berth-api --bench verify
# Idle memory: the desktop app and a bare Tauri window app, built together (so they share every
# dependency build) as the packages build the app: release profile, assets embedded with Tauri's
# custom-protocol feature. The measuring program itself needs no optimising.
if cargo build --release --locked -p berth-desktop -p berth-bare-window --features tauri/custom-protocol; then
  export BERTH_DESKTOP_BIN="$CARGO_TARGET_DIR/release/berth-desktop"
  export BERTH_BARE_WINDOW="$CARGO_TARGET_DIR/release/berth-bare-window"
  bench idle_memory src-tauri/benches/idle_memory.rs with_keychain cargo bench --locked --profile dev -p berth-desktop --bench idle_memory
else
  status=1
fi

scripts/bench-report.sh "$out" "${names[@]}" >BENCHMARKS.md || status=1
echo "==> BENCHMARKS.md written" >&2
rm -rf "$out"
exit $status
