#include "capabilities.h"

#include <thread>

namespace hppo {

int defaultCpuThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Capabilities capabilities() {
  Capabilities c;
  c.version = "0.1.0";
  c.cpuThreads = defaultCpuThreads();
  c.cuda = probeCuda();
  return c;
}

}  // namespace hppo
