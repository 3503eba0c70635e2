#!/usr/bin/env bash
# `make bench`: starts the Docker engine if it is not running (the container start benchmark needs
# it), runs every benchmark, and stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_stop EXIT

services_start docker || exit 1
cargo bench --locked -p berth-store -p berth-catalog -p berth-servers
