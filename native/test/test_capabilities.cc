#include "capabilities.h"
#include "harness.h"

HPPO_TEST("capabilities reports cpu threads and a cuda probe that never throws") {
  hppo::Capabilities c = hppo::capabilities();
  HPPO_CHECK(c.cpuThreads >= 1);
  HPPO_CHECK(!c.version.empty());
  if (c.cuda.devices.empty()) HPPO_CHECK(!c.cuda.message.empty());
  for (const auto& d : c.cuda.devices) HPPO_CHECK(d.computeMajor >= 3);
}
