#!/usr/bin/env bash
# `make package`: Berth's Linux packages, built with the Tauri bundler (tauri-cli, installed with
# cargo on first use): a .deb and an .rpm holding the desktop app (`berth-desktop`), the CLI on
# PATH (`/usr/bin/berth`) and a desktop file that registers `berth://` links. AppImage is left
# out: its bundler downloads tools at build time. Prints where the packages are.
set -euo pipefail
cd "$(dirname "$0")/.."

TAURI_CLI_VERSION=2.12.4
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}"
export PATH="$HOME/.cargo/bin:$PATH"

if ! cargo tauri --version 2>/dev/null | grep -qx "tauri-cli $TAURI_CLI_VERSION"; then
  echo "==> installing tauri-cli $TAURI_CLI_VERSION (once)" >&2
  cargo install tauri-cli --version "$TAURI_CLI_VERSION" --locked
fi

echo "==> building the berth CLI (release)" >&2
cargo build --release --locked -p berth-cli

# The CLI goes into both packages beside the app; the bundler takes its path from this config,
# which is merged over tauri.conf.json. The desktop file is the bundler's own with `%u` on its
# Exec line, so a berth:// link reaches the app as its argument.
stage="$CARGO_TARGET_DIR/package"
mkdir -p "$stage"
cat > "$stage/tauri.package.json" <<JSON
{
  "bundle": {
    "active": true,
    "targets": ["deb", "rpm"],
    "category": "DeveloperTool",
    "shortDescription": "A desktop control room for MCP servers",
    "longDescription": "Berth finds MCP servers in catalogs, runs them as hardened containers, connects remote servers and OAuth, verifies image signatures and gives AI clients one gateway. The berth command does the same from a terminal.",
    "linux": {
      "deb": {
        "section": "devel",
        "desktopTemplate": "$PWD/packaging/berth.desktop",
        "files": { "/usr/bin/berth": "$CARGO_TARGET_DIR/release/berth" }
      },
      "rpm": {
        "desktopTemplate": "$PWD/packaging/berth.desktop",
        "files": { "/usr/bin/berth": "$CARGO_TARGET_DIR/release/berth" }
      }
    }
  }
}
JSON

echo "==> bundling the desktop app (cargo tauri build)" >&2
rm -rf "$CARGO_TARGET_DIR/release/bundle/deb" "$CARGO_TARGET_DIR/release/bundle/rpm"
cargo tauri build --ci --config "$stage/tauri.package.json" --bundles deb,rpm -- --locked
ls -1 "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm
