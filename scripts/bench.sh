#!/usr/bin/env bash
# `make bench`: starts the Docker engine if it is not running (the container start and gateway
# benchmarks need it) and a local registry (the signature verification benchmark), runs every
# benchmark, and stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_stop EXIT

services_start docker registry || exit 1
status=0
cargo bench --locked -p berth-store -p berth-catalog -p berth-servers || status=1
# The gateway benchmark runs Berth's CLI gateway, which opens the keychain.
with_keychain cargo bench --locked -p berth-cli --bench gateway || status=1
with_keychain cargo bench --locked -p berth-cli --bench bridge || status=1
# Image signature verification's cost on a start, against the local registry.
cargo bench --locked -p berth-api --bench verify || status=1
exit $status
