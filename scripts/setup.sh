#!/usr/bin/env bash
# Everything a fresh machine needs before hppo runs or tests; idempotent, a no-op when done.
#   system packages (Debian): nats-server, protobuf-compiler, and Debian's python3 stack used by
#   the reference/peer comparisons (python3-numpy, -pandas, -scipy, -cvxopt)
#   node modules: npm ci (only when package-lock.json changed since the last install)
#   native addon: scripts/build-native.sh (make + node-gyp, CUDA when nvcc is present)
#   TypeScript: tsc -> dist/
# Set HPPO_SKIP_APT=1 to skip the Debian step (e.g. no root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

say() { printf '[setup] %s\n' "$*" >&2; }

apt_pkgs=(nats-server protobuf-compiler python3-numpy python3-pandas python3-scipy python3-cvxopt)
if [ -z "${HPPO_SKIP_APT:-}" ]; then
  missing=()
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

stamp=node_modules/.hppo-npm-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

say "native build"
bash scripts/build-native.sh >/dev/null

say "tsc"
node_modules/.bin/tsc -p tsconfig.json
