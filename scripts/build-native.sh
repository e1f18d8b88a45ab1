#!/usr/bin/env bash
# Builds the N-API addon (native/build/Release/hppo_native.node). With nvcc present the CUDA
# objects are compiled first (make -C native cuda-lib) and linked statically with cudart, so the
# same .node loads where there is no GPU. Serialized with flock: several builds may be started
# at once (parallel test runs, helpers) and node-gyp's build dir is not safe to share.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
exec 9>"${TMPDIR:-/tmp}/hppo-native-build.lock"
flock 9
jobs="${JOBS:-$(nproc)}"
if [ -z "${NO_CUDA:-}" ] && [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; then
  make -s -C native -j"$jobs" cuda-lib
else
  rm -f native/build-cuda/libhppo_cuda.a
fi
gyp="node_modules/.bin/node-gyp"
# Build against the local Node headers (no download): npm config nodedir, else /usr when it has them.
nodedir="${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null | grep -v undefined || true)}"
if [ -z "$nodedir" ] && [ -f /usr/include/node/node_api.h ]; then nodedir=/usr; fi
export npm_config_nodedir="$nodedir"
if [ ! -f native/build/Makefile ] || [ native/binding.gyp -nt native/build/Makefile ] || [ -n "${HPPO_GYP_CONFIGURE:-}" ]; then
  "$gyp" configure --directory native --loglevel=warn
fi
# Re-run configure when the set of sources changed (binding.gyp globs them at configure time).
sources_now="$(cd native && ls -1 core/*.cc core/*/*.cc cpu/*.cc binding/*.cc 2>/dev/null | sort | tr '\n' ' '; test -f build-cuda/libhppo_cuda.a && echo cuda)"
if [ "$(cat native/build/.hppo-sources 2>/dev/null)" != "$sources_now" ]; then
  "$gyp" configure --directory native --loglevel=warn
  echo "$sources_now" > native/build/.hppo-sources
fi
"$gyp" build --directory native --loglevel=warn -j "$jobs"
