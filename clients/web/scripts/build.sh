#!/usr/bin/env bash
# Installs (npm ci, from the committed package-lock.json) and builds the web app into dist/,
# after the SDK it is built on (clients/js/scripts/build.sh). One build at a time, under a lock
# (`make run` and ctest may both ask); npm ci only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "web app: node is not installed (scripts/bootstrap.sh build)" >&2; exit 1; }
../js/scripts/build.sh
exec 9>.build.lock
flock 9
if ! cmp -s package-lock.json node_modules/.muster-installed 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.muster-installed
fi
npm run --silent build
