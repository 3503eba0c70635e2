#!/usr/bin/env bash
# `make run`: starts the desktop app. On a machine without a display it starts Xvfb, and without
# a desktop session it provides a private D-Bus session and keychain, saying so.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
trap services_stop EXIT

services_start display || exit 1
app="${CARGO_TARGET_DIR:-target}/debug/berth-desktop"
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  "$app"
else
  echo "==> no D-Bus session: running Berth with a private session and a throwaway keychain" >&2
  with_keychain "$app"
fi
