#!/usr/bin/env bash
# Starts the services Berth's tests and `make run` need when they are not already there, and
# stops only what it started. Source it, call `services_start [docker] [display]`, and let the
# EXIT trap call `services_stop`.

STARTED_PIDS=()
SERVICE_TMP=$(mktemp -d -t berth-services.XXXXXX)

services_log() { echo "==> $*" >&2; }

start_docker() {
  if docker info >/dev/null 2>&1; then
    services_log "Docker engine already running"
    return
  fi
  command -v dockerd >/dev/null || { echo "error: dockerd not found; run scripts/setup.sh" >&2; return 1; }
  services_log "starting dockerd (log: $SERVICE_TMP/dockerd.log)"
  dockerd >"$SERVICE_TMP/dockerd.log" 2>&1 &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return
    sleep 0.25
  done
  echo "error: dockerd did not become ready in 30 s; see $SERVICE_TMP/dockerd.log" >&2
  tail -20 "$SERVICE_TMP/dockerd.log" >&2
  return 1
}

# A local OCI registry on a free loopback port; exports BERTH_TEST_REGISTRY=127.0.0.1:<port> and
# BERTH_TEST_REGISTRY_ROOT, its storage folder (where a test tampers with a stored blob).
start_registry() {
  local bin
  bin=$(command -v docker-registry || echo /usr/bin/docker-registry)
  [ -x "$bin" ] || { echo "error: docker-registry not found; run scripts/setup.sh" >&2; return 1; }
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$SERVICE_TMP/registry"
  cat >"$SERVICE_TMP/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $SERVICE_TMP/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  services_log "starting a local registry on 127.0.0.1:$port"
  "$bin" serve "$SERVICE_TMP/registry.yml" >"$SERVICE_TMP/registry.log" 2>&1 &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && {
      export BERTH_TEST_REGISTRY="127.0.0.1:$port" BERTH_TEST_REGISTRY_ROOT="$SERVICE_TMP/registry"
      return
    }
    sleep 0.1
  done
  echo "error: the registry did not start; see $SERVICE_TMP/registry.log" >&2
  return 1
}

start_display() {
  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    services_log "display already available (${DISPLAY:-$WAYLAND_DISPLAY})"
    return
  fi
  services_log "starting Xvfb"
  # -displayfd picks a free display number and writes it to fd 3.
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$SERVICE_TMP/display" 2>"$SERVICE_TMP/xvfb.log" &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 100); do
    [ -s "$SERVICE_TMP/display" ] && break
    sleep 0.1
  done
  [ -s "$SERVICE_TMP/display" ] || { echo "error: Xvfb did not start; see $SERVICE_TMP/xvfb.log" >&2; return 1; }
  export DISPLAY=":$(cat "$SERVICE_TMP/display")"
  services_log "Xvfb on $DISPLAY"
}

services_start() {
  for s in "$@"; do
    case "$s" in
      docker) start_docker ;;
      display) start_display ;;
      registry) start_registry ;;
    esac
  done
}

services_stop() {
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    # dockerd takes a few seconds to stop its containers; do not leave it half-way.
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$SERVICE_TMP"
}

# Runs "$@" inside a private D-Bus session with an unlocked Secret Service (gnome-keyring) whose
# keyring files live in a throwaway HOME, so tests never touch the user's real keychain.
with_keychain() {
  local keyring_home="$SERVICE_TMP/keyring-home"
  mkdir -p "$keyring_home"
  dbus-run-session -- bash -c '
    eval "$(printf berth-test | HOME="$0" XDG_DATA_HOME="$0/.local/share" gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    exec "$@"
  ' "$keyring_home" "$@"
}
