// The one polynomial e^x of the GP code (gp_likelihood.cc: 8 lanes at a time; finite_acquisition.cc:
// scalar, in loops that auto-vectorize): x = k ln2 + r with |r| <= ln2/2 (Cody-Waite, two-part
// ln 2: k·ln2hi is exact for |k| < 2^11), e^r by its degree-13 Taylor polynomial (truncation
// < 1e-17 relative), times 2^k from the exponent bits. Within about 1 ulp of std::exp for x in
// [-708, 0]; callers handle arguments outside that range.
#pragma once

namespace hppo {
namespace gp {

constexpr double kLog2e = 0x1.71547652b82fep0;
constexpr double kLn2Hi = 0x1.62e42fefa3800p-1;
constexpr double kLn2Lo = 0x1.ef35793c76730p-45;

// e^r for |r| <= ln2/2; T = double or a GCC generic vector of doubles (inline: no ABI to keep
// when a 64-byte vector is passed by value on a build without AVX-512, hence no -Wpsabi note).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
template <typename T>
inline T expTaylor(T r) {
  T p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace gp
}  // namespace hppo
