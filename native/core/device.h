// Device discovery shared by the core, the test driver and the binding.
// Implemented by cuda/cuda_probe.cu when nvcc is present, else by cuda/cuda_absent.cc:
// the algorithms never test a preprocessor flag, they ask probeCuda() at run time.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace hppo {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  std::size_t totalMemoryBytes = 0;
  int computeMajor = 0;
  int computeMinor = 0;
  int multiprocessors = 0;
};

struct CudaProbe {
  bool compiled = false;        // CUDA backend compiled into this binary
  int runtimeVersion = 0;       // cudart version linked in (e.g. 13000), 0 when not compiled
  int driverVersion = 0;        // 0 when no driver is installed
  std::vector<CudaDeviceInfo> devices;
  std::string message;          // why no device is usable, empty when devices is non-empty
};

// Safe to call on machines without a GPU or without a driver: reports instead of failing.
CudaProbe probeCuda();

}  // namespace hppo
