#!/usr/bin/env bash
# ctest entry (label sdk): build the SDK, then run its tests (node's test runner) against the
# musterd of this build tree, given as $1.
set -euo pipefail
musterd=${1:?usage: ctest.sh path/to/musterd}
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "sdk tests: node is not installed (scripts/bootstrap.sh build)" >&2; exit 1; }
scripts/build.sh
MUSTERD="$musterd" node --test test/*.test.mjs
