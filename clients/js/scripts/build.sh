#!/usr/bin/env bash
# Installs (npm ci, from the committed package-lock.json) and builds @muster/client into dist/.
# Safe to run concurrently (the web app's build calls it too): one build at a time, under a
# lock; npm ci runs only when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>.build.lock
flock 9
if ! cmp -s package-lock.json node_modules/.muster-installed 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.muster-installed
fi
npm run --silent build
