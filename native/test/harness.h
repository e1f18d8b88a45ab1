// Minimal self-registering test harness for the core driver (no Node, no third-party deps), so
// `make -C native test-core` runs on the GPU machine. Each solver adds test/test_<name>.cc.
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hppo_test {

struct Case {
  std::string name;
  std::function<void()> fn;
};

inline std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A test that cannot run in this environment (e.g. no CUDA device) throws Skip with the reason.
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hppo_test

#define HPPO_CAT2(a, b) a##b
#define HPPO_CAT(a, b) HPPO_CAT2(a, b)
#define HPPO_TEST(name)                                                                  \
  static void HPPO_CAT(hppo_test_fn_, __LINE__)();                                       \
  static ::hppo_test::Register HPPO_CAT(hppo_test_reg_, __LINE__)(name, HPPO_CAT(hppo_test_fn_, __LINE__)); \
  static void HPPO_CAT(hppo_test_fn_, __LINE__)()

#define HPPO_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::ostringstream os_;                                                            \
      os_ << __FILE__ << ":" << __LINE__ << ": check failed: " #cond;                   \
      throw ::hppo_test::Failure(os_.str());                                             \
    }                                                                                    \
  } while (0)

#define HPPO_CHECK_MSG(cond, msg)                                                        \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::ostringstream os_;                                                            \
      os_ << __FILE__ << ":" << __LINE__ << ": check failed: " #cond << ": " << msg;    \
      throw ::hppo_test::Failure(os_.str());                                             \
    }                                                                                    \
  } while (0)

// Relative closeness: |a-b| <= tol * max(1, |a|, |b|).
#define HPPO_CHECK_NEAR(a, b, tol)                                                       \
  do {                                                                                   \
    double a_ = (a), b_ = (b), t_ = (tol);                                               \
    double s_ = std::fmax(1.0, std::fmax(std::fabs(a_), std::fabs(b_)));                 \
    if (!(std::fabs(a_ - b_) <= t_ * s_)) {                                              \
      std::ostringstream os_;                                                            \
      os_.precision(17);                                                                 \
      os_ << __FILE__ << ":" << __LINE__ << ": " #a " = " << a_ << " vs " #b " = " << b_ \
          << " (tol " << t_ << ")";                                                      \
      throw ::hppo_test::Failure(os_.str());                                             \
    }                                                                                    \
  } while (0)
