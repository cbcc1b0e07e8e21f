#!/usr/bin/env bash
# Installs every Debian package promlet's build, tests and benchmarks need.
# Idempotent: when everything is present it only runs dpkg-query and exits.
# Usage: scripts/install-deps.sh [--no-peers]
#   --no-peers  skip the real programs the integration tests and benchmarks drive
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache
  libabsl-dev libzstd-dev libantlr4-runtime-dev antlr4 default-jre-headless uuid-dev
  libboost-dev libboost-system-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libbenchmark-dev libre2-dev libsnappy-dev
  libprotobuf-dev protobuf-compiler libyaml-cpp-dev nlohmann-json3-dev
  prometheus-cpp-dev libssl-dev zlib1g-dev libcrypt-dev python3 curl mold
  nodejs
)
# Debian's npm; a nodejs from elsewhere (NodeSource) brings its own npm and conflicts with it.
if ! command -v npm >/dev/null 2>&1; then build_pkgs+=(npm); fi
# The web UI's browser test (tests/ui): headless chromium driven by selenium.
browser_pkgs=(chromium chromium-driver python3-selenium)
# Real peers: started on 127.0.0.1 by the integration tests and the comparison benchmark.
peer_pkgs=(prometheus prometheus-node-exporter prometheus-alertmanager prometheus-pushgateway
  victoria-metrics wrk python3-prometheus-client)
# A Go-client exporter of native histograms, built offline by tests/scrape_loop/go_exporter_test.
peer_pkgs+=(golang-go golang-github-prometheus-client-golang-dev)

want=("${build_pkgs[@]}" "${browser_pkgs[@]}")
if [[ "${1:-}" != "--no-peers" ]]; then want+=("${peer_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The web UI's JavaScript dependencies, pinned by web/ui/package-lock.json; npm ci runs again only
# when the lockfile changed since the last install (npm writes node_modules/.package-lock.json).
install_ui_deps() {
  local ui
  ui="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web/ui"
  if [[ -f "$ui/node_modules/.package-lock.json" && "$ui/node_modules/.package-lock.json" -nt "$ui/package-lock.json" ]]; then
    return 0
  fi
  echo "install-deps: npm ci in web/ui" >&2
  (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
}

if [[ ${#missing[@]} -eq 0 ]]; then
  install_ui_deps
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
# Packaged services (prometheus, node-exporter, ...) must not start on install: the tests
# start their own copies on loopback ports. policy-rc.d exit 101 forbids service starts.
restore_policy=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  restore_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ -n "$restore_policy" ]]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
install_ui_deps
