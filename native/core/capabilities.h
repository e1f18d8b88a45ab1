#pragma once
#include <string>
#include "device.h"

namespace hppo {

struct Capabilities {
  std::string version;
  int cpuThreads = 1;           // worker threads the CPU backend uses
  CudaProbe cuda;
};

Capabilities capabilities();
int defaultCpuThreads();

}  // namespace hppo
