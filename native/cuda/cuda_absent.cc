// Linked instead of the CUDA objects when nvcc was not available at build time.
#include "device.h"

namespace hppo {

CudaProbe probeCuda() {
  CudaProbe p;
  p.compiled = false;
  p.message = "CUDA backend not compiled (nvcc was not found at build time)";
  return p;
}

}  // namespace hppo
