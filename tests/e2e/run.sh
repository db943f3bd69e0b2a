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
