{
  # Sources are discovered by glob so each solver adds files without editing this file.
  # The CUDA objects are built by `make -C native cuda-lib` (nvcc) before node-gyp runs
  # (scripts/build-native.sh); when that library is absent the cuda_absent stub is linked.
  "variables": {
    "with_cuda%": "<!(test -f build-cuda/libhppo_cuda.a && echo 1 || echo 0)",
    "cuda_home%": "<!(echo ${CUDA_HOME:-/usr/local/cuda})"
  },
  "targets": [
    {
      "target_name": "hppo_native",
      "sources": [
        "<!@(ls -1 core/*.cc cpu/*.cc binding/*.cc 2>/dev/null; ls -1 core/*/*.cc 2>/dev/null || true)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "core", "cpu", "cuda", "binding"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fexceptions", "-Wall", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["with_cuda==1", {
          "defines": ["HPPO_WITH_CUDA=1"],
          "libraries": [
            "<(module_root_dir)/build-cuda/libhppo_cuda.a",
            "-L<(cuda_home)/lib64", "-lcudart_static", "-ldl", "-lrt"
          ]
        }, {
          "sources": ["cuda/cuda_absent.cc"]
        }]
      ]
    }
  ]
}
