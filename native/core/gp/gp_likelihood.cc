#include "gp/gp_likelihood.h"
#include "gp/exp_poly.h"
#include "gp/vec8.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>

#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace hppo {
namespace gp {

namespace {

const double kSqrt5 = std::sqrt(5.0);
const double kLog2Pi = std::log(2.0 * M_PI);
const double kLengthscaleMean = std::log(0.5);
const double kNoiseMean = std::log(1e-4);

void grow(std::vector<double>& v, size_t size) {
  if (v.size() < size) v.resize(size);
}

inline size_t padded(size_t m) { return (m + 7) & ~static_cast<size_t>(7); }

// Correctly rounded square root of 8 lanes (the scalar std::sqrt loop does not vectorize: errno).
inline V8 sqrt8(V8 v) {
#if defined(__AVX512F__)
  return (V8)_mm512_mask_sqrt_pd((__m512d)v, 0xFF, (__m512d)v);  // (the unmasked form trips GCC 12 -Wmaybe-uninitialized)
#elif defined(__AVX__)
  double t[8];
  std::memcpy(t, &v, sizeof t);
  _mm256_storeu_pd(t, _mm256_sqrt_pd(_mm256_loadu_pd(t)));
  _mm256_storeu_pd(t + 4, _mm256_sqrt_pd(_mm256_loadu_pd(t + 4)));
  std::memcpy(&v, t, sizeof t);
  return v;
#else
  for (int l = 0; l < 8; l++) v[l] = std::sqrt(v[l]);
  return v;
#endif
}

// e^x of 8 lanes with x in [-708, 0] (normal results), within about 1 ulp of the exact value like
// std::exp / V8's Math.exp (the results can differ from theirs in the last bit): gp/exp_poly.h's
// reduction and polynomial, k rounded by the 1.5·2^52 shifter. Lanes outside that range are redone
// by the caller with std::exp.
inline V8 exp8(V8 x) {
  const double shifter = 0x1.8p52;  // adding it rounds to an integer kept in the low mantissa bits
  const V8 t = x * kLog2e + shifter;
  const V8 k = t - shifter;
  V8 r = x - k * kLn2Hi;
  r = r - k * kLn2Lo;
  const V8 p = expTaylor(r);
  // t's bit pattern is 0x4338000000000000 + k: shifting (that + 1023) left by 52 leaves (k + 1023)
  // in the exponent field (valid for k >= -1022).
  const I8 scale = ((I8)t + 1023) << 52;
  return p * (V8)scale;
}

// Squared differences per input of the packed pairs (i > j, row by row), one block of np values
// (padded with zeros to a multiple of 8) per input so the r² sum runs over contiguous pairs.
// Recomputed only when X's content changes.
void pairDiffs(const double* X, int n, int d, Scratch& s) {
  const size_t nd = static_cast<size_t>(n) * d;
  if (s.cachedN == n && s.cachedD == d && std::memcmp(s.Xc.data(), X, nd * sizeof(double)) == 0) return;
  const size_t np = static_cast<size_t>(n) * (n - 1) / 2;
  const size_t stride = padded(np);
  grow(s.D, stride * d);
  grow(s.Xc, nd);
  for (int k = 0; k < d; k++) {
    double* Dk = s.D.data() + k * stride;
    size_t p = 0;
    for (int i = 0; i < n; i++) {
      const double xi = X[static_cast<size_t>(i) * d + k];
      for (int j = 0; j < i; j++, p++) {
        const double t = xi - X[static_cast<size_t>(j) * d + k];
        Dk[p] = t * t;
      }
    }
    for (; p < stride; p++) Dk[p] = 0;
  }
  std::memcpy(s.Xc.data(), X, nd * sizeof(double));
  s.cachedN = n;
  s.cachedD = d;
}

// E (noise-free covariance) and G (the lengthscale-derivative factor) of every pair, 8 pairs at a
// time (E and G have room for the padding lanes).
void pairCovariance(int d, size_t np, const double* invL2, double s2, Scratch& s) {
  const size_t stride = padded(np);
  const double* D = s.D.data();
  double* E = s.E.data();
  double* G = s.G.data();
  const double sqrt5 = kSqrt5;
  const double c53 = 5.0 / 3.0;
  for (size_t p = 0; p < stride; p += 8) {
    V8 r2 = V8{0, 0, 0, 0, 0, 0, 0, 0};
    for (int k = 0; k < d; k++) r2 += load8(D + k * stride + p) * invL2[k];
    const V8 r = sqrt8(r2);
    const V8 x = -sqrt5 * r;
    V8 ex = exp8(x);
    for (int l = 0; l < 8; l++)
      if (!(x[l] >= -708.0)) ex[l] = std::exp(x[l]);  // subnormal or zero results, NaN
    const V8 e = s2 * ex;
    store8(E + p, (1 + sqrt5 * r + c53 * r2) * e);
    store8(G + p, c53 * (1 + sqrt5 * r) * e);
  }
}


// acc[0..NV) (±)= Σ_{k0 <= k < k1, ascending} a_k · rows[k·ld .. k·ld + 8·NV), a_k = col[k·ld]:
// the accumulators stay in registers across k and every product is added in k order, so each
// element gets the sequence of operations of gp.ts's loops (the compiler may fuse multiply-adds).
template <int NV, bool SUB>
inline void accumulate(V8* acc, const double* col, const double* rows, size_t ld, int k0, int k1) {
  for (int k = k0; k < k1; k++) {
    const double a = col[k * ld];
    const double* r = rows + k * ld;
    for (int v = 0; v < NV; v++) {
      if (SUB)
        acc[v] -= a * load8(r + 8 * v);
      else
        acc[v] += a * load8(r + 8 * v);
    }
  }
}

// Runs `body(c, nv)` over the 8-wide column blocks [c0, end) (end - c0 a multiple of 8) in blocks
// of at most 4 vectors.
template <class F>
inline void forBlocks(size_t c0, size_t end, F body) {
  size_t c = c0;
  for (; c + 32 <= end; c += 32) body(c, 4);
  if (c < end) body(c, static_cast<int>((end - c) / 8));
}

template <bool SUB>
inline void accumulateN(int nv, V8* acc, const double* col, const double* rows, size_t ld, int k0, int k1) {
  switch (nv) {
    case 4: accumulate<4, SUB>(acc, col, rows, ld, k0, k1); break;
    case 3: accumulate<3, SUB>(acc, col, rows, ld, k0, k1); break;
    case 2: accumulate<2, SUB>(acc, col, rows, ld, k0, k1); break;
    default: accumulate<1, SUB>(acc, col, rows, ld, k0, k1); break;
  }
}

// Two rows at once, sharing each loaded block: acc0 (±)= Σ a_k rows_k with a_k = col[k·ld] and
// acc1 (±)= Σ b_k rows_k with b_k = col[k·ld + 1] (rows i and i+1 of the same kernel), k ascending.
template <int NV, bool SUB>
inline void accumulate2(V8* acc0, V8* acc1, const double* col, const double* rows, size_t ld, int k0, int k1) {
  for (int k = k0; k < k1; k++) {
    const double a = col[k * ld];
    const double b = col[k * ld + 1];
    const double* r = rows + k * ld;
    for (int v = 0; v < NV; v++) {
      const V8 x = load8(r + 8 * v);
      if (SUB) {
        acc0[v] -= a * x;
        acc1[v] -= b * x;
      } else {
        acc0[v] += a * x;
        acc1[v] += b * x;
      }
    }
  }
}

template <bool SUB>
inline void accumulate2N(int nv, V8* acc0, V8* acc1, const double* col, const double* rows, size_t ld, int k0, int k1) {
  switch (nv) {
    case 4: accumulate2<4, SUB>(acc0, acc1, col, rows, ld, k0, k1); break;
    case 3: accumulate2<3, SUB>(acc0, acc1, col, rows, ld, k0, k1); break;
    case 2: accumulate2<2, SUB>(acc0, acc1, col, rows, ld, k0, k1); break;
    default: accumulate2<1, SUB>(acc0, acc1, col, rows, ld, k0, k1); break;
  }
}

// U's upper triangle (row-major, stride ld) = K with `diag` on the diagonal, from the packed pairs;
// the padding columns [n, ld) are zero. Eight rows j0..j0+7 at a time: for each column i the
// eight values E[i(i-1)/2 + j0 ..] are contiguous, and the eight rows are written in order.
void fillUpper(const double* E, int n, size_t ld, double diag, double* U) {
  for (int j0 = 0; j0 < n; j0 += 8) {
    const int jn = n - j0 < 8 ? n - j0 : 8;
    for (int t = 0; t < jn; t++) U[(j0 + t) * ld + j0 + t] = diag;
    for (int i = j0 + 1; i < n; i++) {
      const double* e = E + static_cast<size_t>(i) * (i - 1) / 2 + j0;
      const int tn = i - j0 < jn ? i - j0 : jn;
      double* u = U + j0 * ld + i;
      for (int t = 0; t < tn; t++) u[t * ld] = e[t];
    }
    for (int t = 0; t < jn; t++)
      for (size_t i = n; i < ld; i++) U[(j0 + t) * ld + i] = 0;
  }
}

// Stores the lanes m >= from of the blocks acc[0..nv) (columns c ..) into row.
inline void storeFrom(double* row, size_t c, int nv, const V8* acc, size_t from) {
  if (from <= c) {
    for (int v = 0; v < nv; v++) store8(row + c + 8 * v, acc[v]);
    return;
  }
  double tmp[32];
  for (int v = 0; v < nv; v++) store8(tmp + 8 * v, acc[v]);
  for (size_t m = from; m < c + 8 * static_cast<size_t>(nv); m++) row[m] = tmp[m - c];
}

// Row i of U from its accumulated sums: the pivot, then the division of the rest of the row.
inline bool finishRow(double* ui, int i, int n) {
  const double piv = ui[i];
  if (!(piv > 0)) return false;
  const double r = std::sqrt(piv);
  ui[i] = r;
  for (int m = i + 1; m < n; m++) ui[m] = ui[m] / r;
  return true;
}

// In-place Cholesky K = LLᵀ on U = Lᵀ (upper, row-major, stride ld), by rows of U:
// U_im = (K_im - Σ_{k<i} U_ki U_km) / U_ii, the same subtractions in the same order as gp.ts's
// `choleskyInPlace` (its L_mi), register-blocked over m. Entries left of the diagonal are never
// written (the blocks start at i rounded down to 8; those lanes are dropped). False when a pivot
// is not positive (where gp.ts fails too, barring a pivot within rounding of zero).
bool choleskyUpper(double* U, int n, size_t ld) {
  int i = 0;
  // Rows i and i+1 together: the k < i terms share each loaded block of U; row i+1's last term
  // (k = i) needs row i finished.
  for (; i + 1 < n; i += 2) {
    double* u0 = U + i * ld;
    double* u1 = u0 + ld;
    const size_t c0 = static_cast<size_t>(i) & ~static_cast<size_t>(7);
    forBlocks(c0, ld, [&](size_t c, int nv) {
      V8 acc0[4];
      V8 acc1[4];
      for (int v = 0; v < nv; v++) {
        acc0[v] = load8(u0 + c + 8 * v);
        acc1[v] = load8(u1 + c + 8 * v);
      }
      accumulate2N<true>(nv, acc0, acc1, U + i, U + c, ld, 0, i);
      storeFrom(u0, c, nv, acc0, static_cast<size_t>(i));
      storeFrom(u1, c, nv, acc1, static_cast<size_t>(i) + 1);
    });
    if (!finishRow(u0, i, n)) return false;
    const double a = u0[i + 1];
    for (int m = i + 1; m < n; m++) u1[m] -= a * u0[m];
    if (!finishRow(u1, i + 1, n)) return false;
  }
  for (; i < n; i++) {
    double* ui = U + i * ld;
    const size_t c0 = static_cast<size_t>(i) & ~static_cast<size_t>(7);
    forBlocks(c0, ld, [&](size_t c, int nv) {
      V8 acc[4];
      for (int v = 0; v < nv; v++) acc[v] = load8(ui + c + 8 * v);
      accumulateN<true>(nv, acc, U + i, U + c, ld, 0, i);
      storeFrom(ui, c, nv, acc, static_cast<size_t>(i));
    });
    if (!finishRow(ui, i, n)) return false;
  }
  return true;
}

double priorValue(const double* theta, int d) {
  double lp = 0;
  for (int k = 0; k < d + 2; k++) {
    const double mean = k < d ? kLengthscaleMean : k == d ? 0.0 : kNoiseMean;
    const double sd = k < d ? 1.5 : k == d ? 1.5 : 3.0;
    const double z = (theta[k] - mean) / sd;
    lp += 0.5 * z * z;
  }
  return lp;
}

void addPriorGradient(const double* theta, int d, double* grad) {
  for (int k = 0; k < d + 2; k++) {
    const double mean = k < d ? kLengthscaleMean : k == d ? 0.0 : kNoiseMean;
    const double sd = k < d ? 1.5 : k == d ? 1.5 : 3.0;
    const double z = (theta[k] - mean) / sd;
    grad[k] = grad[k] + z / sd;
  }
}

// Over the padded pairs (zeros past np): sums[k] = Σ_p gij_p D_kp for k < DD and, when sumHE is
// given, *sumHE = Σ_p H_p E_p; 8 partial sums per quantity (one independent chain per lane).
template <int DD>
void pairSums(const double* gij, const double* H, const double* E, const double* D, size_t stride, double* sums,
              double* sumHE) {
  V8 acc[DD];
  for (int k = 0; k < DD; k++) acc[k] = V8{0, 0, 0, 0, 0, 0, 0, 0};
  V8 accE = V8{0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t p = 0; p < stride; p += 8) {
    const V8 g = load8(gij + p);
    for (int k = 0; k < DD; k++) acc[k] += g * load8(D + k * stride + p);
    if (sumHE) accE += load8(H + p) * load8(E + p);
  }
  for (int k = 0; k < DD; k++) sums[k] = hsum(acc[k]);
  if (sumHE) *sumHE = hsum(accE);
}

void pairSumsAny(int d, const double* gij, const double* H, const double* E, const double* D, size_t stride,
                 double* sums, double* sumHE) {
  switch (d) {
    case 1: return pairSums<1>(gij, H, E, D, stride, sums, sumHE);
    case 2: return pairSums<2>(gij, H, E, D, stride, sums, sumHE);
    case 3: return pairSums<3>(gij, H, E, D, stride, sums, sumHE);
    case 4: return pairSums<4>(gij, H, E, D, stride, sums, sumHE);
    case 5: return pairSums<5>(gij, H, E, D, stride, sums, sumHE);
    case 6: return pairSums<6>(gij, H, E, D, stride, sums, sumHE);
    case 7: return pairSums<7>(gij, H, E, D, stride, sums, sumHE);
    default:
      pairSums<8>(gij, H, E, D, stride, sums, sumHE);
      if (d > 8) pairSumsAny(d - 8, gij, H, E, D + 8 * stride, stride, sums + 8, nullptr);
  }
}

}  // namespace

double neg_log_posterior(const double* X, const double* y, int n, int d, const double* theta, double* grad,
                         Scratch& s) {
  const size_t ld = (static_cast<size_t>(n) + 7) & ~static_cast<size_t>(7);
  const size_t nld = static_cast<size_t>(n) * ld;
  const size_t np = static_cast<size_t>(n) * (n - 1) / 2;
  grow(s.U, nld);
  grow(s.alpha, n);
  grow(s.E, padded(np));
  grow(s.G, padded(np));
  grow(s.R, 2 * padded(np));
  // θ is copied first so that grad may share its memory (the prior gradient is added at the end).
  grow(s.small, 2 * static_cast<size_t>(d) + 2);
  double* th = s.small.data();
  double* invL2 = th + d + 2;
  for (int k = 0; k < d + 2; k++) th[k] = theta[k];
  theta = th;
  for (int k = 0; k < d; k++) invL2[k] = std::exp(-2 * theta[k]);
  const double s2 = std::exp(theta[d]);
  double noise = std::exp(theta[d + 1]);

  pairDiffs(X, n, d, s);
  pairCovariance(d, np, invL2, s2, s);
  double* U = s.U.data();
  const double* E = s.E.data();
  const double* G = s.G.data();
  const double* D = s.D.data();
  s.lastJitter = -1;
  for (int t = 0; t < kJitterCount; t++) {
    const double jit = kJitters[t] * s2;
    fillUpper(E, n, ld, s2 + (noise + jit), U);
    if (choleskyUpper(U, n, ld)) {
      noise += jit;
      s.lastJitter = t;
      break;
    }
  }
  if (s.lastJitter < 0) return std::numeric_limits<double>::infinity();

  // α = K⁻¹y: forward solve with L's columns (rows of U, axpy), backward with L's columns (dots).
  double* alpha = s.alpha.data();
  for (int i = 0; i < n; i++) alpha[i] = y[i];
  for (int k = 0; k < n; k++) {
    const double* uk = U + k * ld;
    const double z = alpha[k] / uk[k];
    alpha[k] = z;
    for (int i = k + 1; i < n; i++) alpha[i] -= uk[i] * z;
  }
  double quad = 0;
  for (int i = 0; i < n; i++) quad += alpha[i] * alpha[i];
  // Backward solve Lᵀα = z by rows of U (dots); 8 partial sums per dot, as a sequential sum is
  // one long dependency chain (gp.ts subtracts term by term: equal to rounding).
  for (int i = n - 1; i >= 0; i--) {
    const double* ui = U + i * ld;
    int k = i + 1;
    V8 acc = V8{0, 0, 0, 0, 0, 0, 0, 0};
    for (; k + 8 <= n; k += 8) acc += load8(ui + k) * load8(alpha + k);
    double dot = hsum(acc);
    for (; k < n; k++) dot += ui[k] * alpha[k];
    alpha[i] = (alpha[i] - dot) / ui[i];
  }
  double logDet = 0;
  for (int i = 0; i < n; i++) logDet += std::log(U[i * ld + i]);
  double nll = 0.5 * quad + logDet + 0.5 * n * kLog2Pi;
  nll += priorValue(theta, d);
  if (!grad) return nll;

  for (int k = 0; k < d + 2; k++) grad[k] = 0;
  grow(s.Linv, nld);
  grow(s.Kinv, nld);
  double* Linv = s.Linv.data();
  double* Kinv = s.Kinv.data();
  // L⁻¹ row by row: row i = (e_i - Σ_{k<i} L_ik row k) · (1/L_ii), L_ik = U_ki. Invariant: every
  // row is zero right of its diagonal up to ld, so a block starting at c only needs rows k >= c.
  // Rows i and i+1 together: the k < i terms share each loaded block; row i+1's last term (k = i)
  // uses row i's finished block.
  auto unitLane = [](V8* acc, size_t c, int nv, int i) {
    if (static_cast<size_t>(i) >= c && static_cast<size_t>(i) < c + 8 * nv) acc[(i - c) / 8][(i - c) % 8] = 1;
  };
  int r0 = 0;
  for (; r0 + 1 < n; r0 += 2) {
    const int i = r0;
    double* l0 = Linv + i * ld;
    double* l1 = l0 + ld;
    const size_t end = (static_cast<size_t>(i) + 9) & ~static_cast<size_t>(7);
    const double inv0 = 1 / U[i * ld + i];
    const double inv1 = 1 / U[(i + 1) * ld + i + 1];
    const double b = U[i * ld + i + 1];  // L_{i+1,i}
    forBlocks(0, end, [&](size_t c, int nv) {
      V8 acc0[4];
      V8 acc1[4];
      for (int v = 0; v < nv; v++) acc0[v] = acc1[v] = V8{0, 0, 0, 0, 0, 0, 0, 0};
      unitLane(acc0, c, nv, i);
      unitLane(acc1, c, nv, i + 1);
      accumulate2N<true>(nv, acc0, acc1, U + i, Linv + c, ld, static_cast<int>(c), i);
      for (int v = 0; v < nv; v++) {
        const V8 row0 = acc0[v] * inv0;
        store8(l0 + c + 8 * v, row0);
        store8(l1 + c + 8 * v, (acc1[v] - b * row0) * inv1);
      }
    });
    for (size_t j = end; j < ld; j++) l0[j] = l1[j] = 0;
  }
  for (; r0 < n; r0++) {
    const int i = r0;
    double* li = Linv + i * ld;
    const size_t end = (static_cast<size_t>(i) + 8) & ~static_cast<size_t>(7);
    const double inv = 1 / U[i * ld + i];
    forBlocks(0, end, [&](size_t c, int nv) {
      V8 acc[4];
      for (int v = 0; v < nv; v++) acc[v] = V8{0, 0, 0, 0, 0, 0, 0, 0};
      unitLane(acc, c, nv, i);
      accumulateN<true>(nv, acc, U + i, Linv + c, ld, static_cast<int>(c), i);
      for (int v = 0; v < nv; v++) store8(li + c + 8 * v, acc[v] * inv);
    });
    for (size_t j = end; j < ld; j++) li[j] = 0;
  }
  // K⁻¹ = L⁻ᵀL⁻¹, lower triangle: K⁻¹_ij = Σ_{k>=i, ascending} L⁻¹_ki L⁻¹_kj (row i's blocks past
  // the diagonal hold partial sums nobody reads).
  // Rows i and i+1 together: row i's k = i term first, then k > i shared.
  int i0 = 0;
  for (; i0 + 1 < n; i0 += 2) {
    const int i = i0;
    double* k0 = Kinv + i * ld;
    double* k1 = k0 + ld;
    const size_t end = (static_cast<size_t>(i) + 9) & ~static_cast<size_t>(7);
    forBlocks(0, end, [&](size_t c, int nv) {
      V8 acc0[4];
      V8 acc1[4];
      for (int v = 0; v < nv; v++) acc0[v] = acc1[v] = V8{0, 0, 0, 0, 0, 0, 0, 0};
      accumulateN<false>(nv, acc0, Linv + i, Linv + c, ld, i, i + 1);
      accumulate2N<false>(nv, acc0, acc1, Linv + i, Linv + c, ld, i + 1, n);
      for (int v = 0; v < nv; v++) {
        store8(k0 + c + 8 * v, acc0[v]);
        store8(k1 + c + 8 * v, acc1[v]);
      }
    });
  }
  for (; i0 < n; i0++) {
    const int i = i0;
    double* ki = Kinv + i * ld;
    const size_t end = (static_cast<size_t>(i) + 8) & ~static_cast<size_t>(7);
    forBlocks(0, end, [&](size_t c, int nv) {
      V8 acc[4];
      for (int v = 0; v < nv; v++) acc[v] = V8{0, 0, 0, 0, 0, 0, 0, 0};
      accumulateN<false>(nv, acc, Linv + i, Linv + c, ld, i, n);
      for (int v = 0; v < nv; v++) store8(ki + c + 8 * v, acc[v]);
    });
  }
  // dNLL/dθ = -½ tr(W ∂K/∂θ), W = ααᵀ - K⁻¹ (off-diagonal pairs counted twice): per pair
  // H = W_ij and gij = W_ij G_ij, then the pair sums 8 lanes at a time (gp.ts adds them one by
  // one: the sums agree to rounding), then the diagonal terms in order.
  const size_t stride = padded(np);
  double* gij = s.R.data();
  double* H = gij + stride;
  size_t p = 0;
  for (int i = 0; i < n; i++) {
    const double ai = alpha[i];
    const double* ki = Kinv + i * ld;
    const double* Gi = G + p;
    double* gi = gij + p;
    double* hi = H + p;
    for (int j = 0; j < i; j++) {
      const double hw = ai * alpha[j] - ki[j];
      hi[j] = hw;
      gi[j] = hw * Gi[j];
    }
    p += i;
  }
  for (size_t q = np; q < stride; q++) gij[q] = H[q] = 0;
  double sumHE = 0;
  pairSumsAny(d, gij, H, E, D, stride, grad, &sumHE);
  for (int k = 0; k < d; k++) grad[k] = -grad[k] * invL2[k];
  double gS = -sumHE;
  double gN = 0;
  for (int i = 0; i < n; i++) {
    const double wii = alpha[i] * alpha[i] - Kinv[i * ld + i];
    gS -= 0.5 * wii * s2;
    gN -= 0.5 * wii * noise;
  }
  grad[d] = gS;
  grad[d + 1] = gN;
  addPriorGradient(theta, d, grad);
  return nll;
}

}  // namespace gp
}  // namespace hppo
