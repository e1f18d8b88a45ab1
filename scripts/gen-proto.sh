#!/usr/bin/env bash
# Generates TypeScript from proto/hppo/v1/*.proto with ts-proto (protoc from Debian's
# protobuf-compiler) into src/gen (committed).
#   scripts/gen-proto.sh            regenerate src/gen
#   scripts/gen-proto.sh --check    fail if the committed src/gen differs from a fresh generation
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
out="src/gen"
if [ "${1:-}" = "--check" ]; then out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi
mkdir -p "$out"
opts="esModuleInterop=true,importSuffix=.js,outputServices=grpc-js,useOptionals=messages,forceLong=number,oneof=unions-value,useExactTypes=false,env=node,outputJsonMethods=true,outputPartialMethods=true,useDate=false"
protoc --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out="$out" --ts_proto_opt="$opts" -I proto proto/hppo/v1/*.proto
if [ "${1:-}" = "--check" ]; then
  if ! diff -r -q src/gen "$out" >/dev/null; then
    diff -r src/gen "$out" | head -40 >&2
    echo "src/gen is stale: run 'make gen' and commit the result" >&2
    exit 1
  fi
  echo "[gen] src/gen is up to date" >&2
fi
