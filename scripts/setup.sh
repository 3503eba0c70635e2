#!/usr/bin/env bash
# Installs what Berth needs to build, run and test, skipping whatever is already there:
# system packages (apt-get, Debian/Ubuntu), the UI's npm packages, the UI build, and for tests and
# benchmarks tauri-driver and the MCP reference peers (scripts/peers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Building the desktop app (Tauri v2 on WebKitGTK 4.1)
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev pkg-config
  # Desktop tests: a virtual display, WebDriver for WebKitGTK, a D-Bus session
  xvfb webkit2gtk-driver dbus-x11 xdg-utils desktop-file-utils x11-utils curl
  # Finding, answering and photographing native dialogs, which WebDriver does not see
  xdotool python3-pil
  # A Japanese font, so the window's Japanese text renders (and wraps) as on a user's desktop
  fonts-ipafont-gothic
  # The OS keychain (Secret Service) and a client to check it independently
  gnome-keyring libsecret-tools
  # The container engine, a local OCI registry for pull tests, and the crypto of the test signer
  # that writes cosign-format signatures there
  docker.io docker-registry python3-cryptography
  # External-gateway tests: a self-signed certificate, and a network namespace of their own
  # (loopback only, its own /etc/hosts) where names resolve to private ranges
  openssl iproute2 util-linux
  # Node for the UI build
  nodejs npm
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A node from elsewhere (nvm, a tarball) is as good as Debian's.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  read -r -a missing <<<"${missing[*]}"
fi
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "error: missing system packages: ${missing[*]}" >&2
    echo "  Install them with your system's package manager (see README), then run this again." >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "==> installing system packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node 20.19+ is what Vite 7 needs.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)' || {
  echo "error: Node $(node --version) is too old; the UI build needs Node 20.19 or newer." >&2
  exit 1
}

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: npm here writes lockfiles without other platforms' optional
  # packages, which `npm ci` then rejects as out of sync. Versions still come from the lockfile.
  echo "==> npm install (ui/)"
  (cd ui && npm install --no-audit --no-fund)
fi

if [ "${BERTH_SETUP_TEST:-0}" = 1 ]; then
  # Node 24 and the MCP reference peers the gateway tests and benchmarks run against.
  scripts/peers.sh install
fi

if [ "${BERTH_SETUP_TEST:-0}" = 1 ] && ! command -v tauri-driver >/dev/null; then
  echo "==> installing tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked
fi

echo "==> building the UI"
(cd ui && npm run --silent build >/dev/null)
