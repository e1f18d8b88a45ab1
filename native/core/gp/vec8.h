// Eight doubles as one GCC/Clang generic vector (AVX-512: one register; AVX2: two), loaded and
// stored unaligned, for the GP code's register-blocked loops, and a dot product with eight
// partial sums (a sequential sum is one long dependency chain: latency-bound and not vectorized
// without reassociation, which the build does not allow). Internal to native/core/gp: V8 is
// passed by value only between inline functions (no ABI to keep, hence no -Wpsabi note).
#pragma once

#include <cstring>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace hppo::gp {

typedef double V8 __attribute__((vector_size(64)));
typedef long long I8 __attribute__((vector_size(64)));

inline V8 load8(const double* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(double* p, V8 v) { std::memcpy(p, &v, sizeof v); }

inline double hsum(V8 v) {
  double t = 0;
  for (int l = 0; l < 8; l++) t += v[l];
  return t;
}

// Σ_{j < len} a[j]·b[j]: eight partial sums over blocks of 8, then the tail in order. The result
// is a fixed function of the inputs (same bits on every call), equal to a sequential sum up to
// rounding.
inline double dot(const double* a, const double* b, int len) {
  V8 acc = V8{0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= len; j += 8) acc += load8(a + j) * load8(b + j);
  double s = hsum(acc);
  for (; j < len; ++j) s += a[j] * b[j];
  return s;
}

}  // namespace hppo::gp
