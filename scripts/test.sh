#!/usr/bin/env bash
# `make test`: starts the real services (Docker engine, display, Secret Service), runs every
# Rust, UI and end-to-end test, stops what it started, and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_stop EXIT

services_start docker display registry || exit 1
export BERTH_REQUIRE_SERVICES=1

failed=()
step() {
  local name=$1; shift
  echo "==> $name"
  if "$@"; then echo "==> $name: ok"; else echo "==> $name: FAILED"; failed+=("$name"); fi
}

step "UI type check" bash -c 'cd ui && npx --no-install svelte-check --tsconfig ./tsconfig.json --threshold error'
step "UI unit tests" bash -c 'cd ui && npx --no-install vitest run'
# The installed-package test needs the packages; building them is a step of its own.
step "Packages (.deb, .rpm)" scripts/package.sh
step "Rust tests (unit, integration, end-to-end)" with_keychain cargo test --workspace --locked --no-fail-fast

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "All test suites passed."
