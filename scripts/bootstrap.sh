#!/usr/bin/env bash
# Installs the Debian 12 packages Muster builds and tests with, only those missing.
# Usage: scripts/bootstrap.sh [build|test|bench]   (each level includes the previous one)
set -euo pipefail

level=${1:-build}

build_pkgs=(
  g++ cmake make ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libhiredis-dev libprotobuf-dev protobuf-compiler libsqlite3-dev libssl-dev liburing-dev
  libcurl4-openssl-dev libqrencode-dev libjemalloc-dev nodejs npm
  tzdata ca-certificates  # push: devices' local time (zoneinfo), providers' TLS roots
  python3  # the modules' include roots (scripts/layering.py --roots, run by CMake)
)
# Tests start real peers: Redis (and a Redis Cluster), nginx, Chromium (CJK fonts), coturn and
# Janus for meeting media; clang for the sanitizer and fuzz builds (llvm-16 for its symbolizer:
# clang 16's runtime does not read llvm 14's); luacheck for the Lua scripts.
test_pkgs=(libgtest-dev libgmock-dev googletest redis-server redis-tools
  clang-14 libclang-rt-14-dev clang-16 libclang-rt-16-dev llvm-16 lua-check nginx chromium
  fonts-wqy-microhei openssl iproute2
  systemd coturn janus libjs-janus-gateway libjs-webrtc-adapter)
bench_pkgs=(libbenchmark-dev)

wanted=("${build_pkgs[@]}")
case "$level" in
  build) ;;
  test) wanted+=("${test_pkgs[@]}") ;;
  bench) wanted+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "bootstrap: unknown level '$level' (build|test|bench)" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

# nodejs/npm may come from elsewhere than Debian (a preinstalled Node.js); accept any working node.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for pkg in "${missing[@]}"; do [[ "$pkg" == nodejs || "$pkg" == npm ]] || filtered+=("$pkg"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
