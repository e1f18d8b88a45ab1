// Device discovery through the statically linked CUDA runtime. On a machine without a driver
// cudaGetDeviceCount fails with cudaErrorInsufficientDriver / cudaErrorNoDevice: reported, not fatal.
#include <cuda_runtime.h>

#include "device.h"

namespace hppo {

CudaProbe probeCuda() {
  CudaProbe p;
  p.compiled = true;
  cudaRuntimeGetVersion(&p.runtimeVersion);
  if (cudaDriverGetVersion(&p.driverVersion) != cudaSuccess) p.driverVersion = 0;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    p.message = std::string("no CUDA device: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error state
    return p;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    CudaDeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.totalMemoryBytes = prop.totalGlobalMem;
    d.computeMajor = prop.major;
    d.computeMinor = prop.minor;
    d.multiprocessors = prop.multiProcessorCount;
    p.devices.push_back(d);
  }
  if (p.devices.empty()) p.message = "no CUDA device present";
  return p;
}

}  // namespace hppo
