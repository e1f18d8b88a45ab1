// Core test driver: runs every HPPO_TEST registered by the test/*.cc files.
//   hppo_core_test [substring]   runs the tests whose name contains substring
// Prints "N passed, N failed, N skipped" as its last line; exit code 1 on any failure.
#include <chrono>
#include <cstring>

#include "capabilities.h"
#include "harness.h"

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  hppo::Capabilities caps = hppo::capabilities();
  std::printf("hppo core tests: cpu threads %d, cuda compiled %s, devices %zu%s%s\n", caps.cpuThreads,
              caps.cuda.compiled ? "yes" : "no", caps.cuda.devices.size(),
              caps.cuda.message.empty() ? "" : " - ", caps.cuda.message.c_str());
  for (const auto& d : caps.cuda.devices)
    std::printf("  device %d: %s, %.1f GiB, sm_%d%d\n", d.index, d.name.c_str(),
                d.totalMemoryBytes / 1073741824.0, d.computeMajor, d.computeMinor);
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& c : hppo_test::registry()) {
    if (filter && std::strstr(c.name.c_str(), filter) == nullptr) continue;
    auto t0 = std::chrono::steady_clock::now();
    try {
      c.fn();
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::printf("ok   %s (%.1f ms)\n", c.name.c_str(), ms);
      ++passed;
    } catch (const hppo_test::Skip& s) {
      std::printf("skip %s: %s\n", c.name.c_str(), s.what());
      ++skipped;
    } catch (const std::exception& e) {
      std::printf("FAIL %s: %s\n", c.name.c_str(), e.what());
      ++failed;
    }
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed == 0 ? 0 : 1;
}
