#!/usr/bin/env bash
# Runs the whole suite: proto freshness, the native core driver, then node:test over dist/test.
#   scripts/run-tests.sh [PATTERN]   only test files whose path contains PATTERN
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/gen-proto.sh --check
make -s -C native -j"$(nproc)" test-core
mapfile -t files < <(find dist/test -name '*.test.js' | sort | grep -- "${1:-}")
if [ ${#files[@]} -eq 0 ]; then echo "no test files match '${1:-}'" >&2; exit 1; fi
exec node --test --test-timeout=300000 "${files[@]}"
