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
)
# Real peers: started on 127.0.0.1 by the integration tests and the comparison benchmark.
peer_pkgs=(prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics wrk)

want=("${build_pkgs[@]}")
if [[ "${1:-}" != "--no-peers" ]]; then want+=("${peer_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
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
