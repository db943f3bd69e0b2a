#!/usr/bin/env bash
# ctest entry (label e2e): builds the web app, installs playwright-core (npm ci from the
# committed lock file), then runs the browser tests against the musterd given as $1.
set -euo pipefail
musterd=${1:?usage: run.sh path/to/musterd}
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "e2e: node is not installed (scripts/bootstrap.sh build)" >&2; exit 1; }
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || { echo "e2e: no browser at ${CHROMIUM:-/usr/bin/chromium} (scripts/bootstrap.sh test)" >&2; exit 1; }
../../clients/web/scripts/build.sh
exec 9>.install.lock
flock 9
if ! cmp -s package-lock.json node_modules/.muster-installed 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.muster-installed
fi
exec 9>&-
MUSTERD="$musterd" node --test --test-concurrency=1 web.test.mjs push.test.mjs
# WebRTC only inside a private network namespace (the machine's own interfaces are not for
# tests): loopback, and a veth pair holding 127.0.0.2 because Chromium (and Janus) gather no
# ICE candidates on loopback-flagged interfaces. musterd, the browser and coturn start in it.
MUSTERD="$musterd" unshare --net sh -c '
  ip link set lo up
  ip link add jv0 type veth peer name jv1
  ip addr add 127.0.0.2/32 dev jv0
  ip link set jv1 up
  ip link set jv0 up
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  exec node --test --test-concurrency=1 media.test.mjs sfu.test.mjs'
