#include "gp/gp_likelihood.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>

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

// Squared differences per input of the packed pairs (i > j, row by row), one block of np values
// per input so the r² sum runs over contiguous pairs. Recomputed only when X's content changes.
void pairDiffs(const double* X, int n, int d, Scratch& s) {
  const size_t nd = static_cast<size_t>(n) * d;
  if (s.cachedN == n && s.cachedD == d && std::memcmp(s.Xc.data(), X, nd * sizeof(double)) == 0) return;
  const size_t np = static_cast<size_t>(n) * (n - 1) / 2;
  grow(s.D, np * d);
  grow(s.Xc, nd);
  for (int k = 0; k < d; k++) {
    double* Dk = s.D.data() + k * np;
    size_t p = 0;
    for (int i = 0; i < n; i++) {
      const double xi = X[static_cast<size_t>(i) * d + k];
      for (int j = 0; j < i; j++, p++) {
        const double t = xi - X[static_cast<size_t>(j) * d + k];
        Dk[p] = t * t;
      }
    }
  }
  std::memcpy(s.Xc.data(), X, nd * sizeof(double));
  s.cachedN = n;
  s.cachedD = d;
}

// E (noise-free covariance) and G (the lengthscale-derivative factor) of every pair. Separate
// passes so that the exp calls are the only scalar loop and the others vectorize.
void pairCovariance(int d, size_t np, const double* invL2, double s2, Scratch& s) {
  double* R = s.R.data();
  double* Rt = s.Rt.data();
  const double* D = s.D.data();
  for (size_t p = 0; p < np; p++) R[p] = 0.0;
  for (int k = 0; k < d; k++) {
    const double* Dk = D + k * np;
    const double w = invL2[k];
    for (size_t p = 0; p < np; p++) R[p] += Dk[p] * w;
  }
  double* E = s.E.data();
  double* G = s.G.data();
  const double sqrt5 = kSqrt5;
  for (size_t p = 0; p < np; p++) {
    const double r = std::sqrt(R[p]);
    Rt[p] = r;
    E[p] = R[p];  // r² kept in E until the exp pass is done
    R[p] = -sqrt5 * r;
  }
  for (size_t p = 0; p < np; p++) R[p] = std::exp(R[p]);
  const double c53 = 5.0 / 3.0;
  for (size_t p = 0; p < np; p++) {
    const double r = Rt[p];
    const double e = s2 * R[p];
    const double r2 = E[p];
    E[p] = (1 + sqrt5 * r + c53 * r2) * e;
    G[p] = c53 * (1 + sqrt5 * r) * e;
  }
}

// Eight doubles as one GCC/Clang generic vector (AVX-512: one register; AVX2: two), loaded and
// stored unaligned. Used for the register-blocked O(n³) kernels below.
typedef double V8 __attribute__((vector_size(64)));

inline V8 load8(const double* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(double* p, V8 v) { std::memcpy(p, &v, sizeof v); }

// acc[0..NV) (±)= Σ_{k0 <= k < k1, ascending} a_k · rows[k·ld .. k·ld + 8·NV), a_k = col[k·ld]:
// the accumulators stay in registers across k and every product is added in k order, so each
// element sees exactly the sequence of operations of gp.ts's loops.
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

// U's upper triangle (row-major, stride ld) = K with `diag` on the diagonal, from the packed pairs;
// the padding columns [n, ld) are zero. Walks U by rows (contiguous stores) and E by columns.
void fillUpper(const double* E, int n, size_t ld, double diag, double* U) {
  for (int j = 0; j < n; j++) {
    double* uj = U + j * ld;
    uj[j] = diag;
    for (int i = j + 1; i < n; i++) uj[i] = E[static_cast<size_t>(i) * (i - 1) / 2 + j];
    for (size_t i = n; i < ld; i++) uj[i] = 0;
  }
}

// In-place Cholesky K = LLᵀ on U = Lᵀ (upper, row-major, stride ld), one row of U at a time:
// U_im = (K_im - Σ_{k<i} U_ki U_km) / U_ii, the same subtractions in the same order as gp.ts's
// `choleskyInPlace` (its L_mi), register-blocked over m. Entries left of the diagonal are never
// written (the blocks start at i rounded down to 8; those lanes are dropped). False when a pivot
// is not positive (the same pivot where gp.ts fails: the values are the same).
bool choleskyUpper(double* U, int n, size_t ld) {
  for (int i = 0; i < n; i++) {
    double* ui = U + i * ld;
    const size_t c0 = static_cast<size_t>(i) & ~static_cast<size_t>(7);
    forBlocks(c0, ld, [&](size_t c, int nv) {
      V8 acc[4];
      for (int v = 0; v < nv; v++) acc[v] = load8(ui + c + 8 * v);
      accumulateN<true>(nv, acc, U + i, U + c, ld, 0, i);
      const size_t from = c == c0 ? static_cast<size_t>(i) : c;
      double tmp[32];
      for (int v = 0; v < nv; v++) store8(tmp + 8 * v, acc[v]);
      for (size_t m = from; m < c + 8 * nv; m++) ui[m] = tmp[m - c];
    });
    const double piv = ui[i];
    if (!(piv > 0)) return false;
    const double r = std::sqrt(piv);
    ui[i] = r;
    for (int m = i + 1; m < n; m++) ui[m] = ui[m] / r;
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

// Lengthscale gradient sums Σ_p gij_p · D_kp · invL2_k into grad[0..d), pair by pair in gp.ts's
// order; the d sums are independent chains, kept in registers when d is a template constant.
template <int DD>
void lengthscaleSums(const double* gij, const double* D, size_t np, const double* invL2, double* grad) {
  double acc[DD];
  double w[DD];
  for (int k = 0; k < DD; k++) {
    acc[k] = grad[k];
    w[k] = invL2[k];
  }
  for (size_t p = 0; p < np; p++) {
    const double g = gij[p];
    for (int k = 0; k < DD; k++) acc[k] = acc[k] - g * D[k * np + p] * w[k];
  }
  for (int k = 0; k < DD; k++) grad[k] = acc[k];
}

void lengthscaleSumsAny(int d, const double* gij, const double* D, size_t np, const double* invL2, double* grad) {
  switch (d) {
    case 1: return lengthscaleSums<1>(gij, D, np, invL2, grad);
    case 2: return lengthscaleSums<2>(gij, D, np, invL2, grad);
    case 3: return lengthscaleSums<3>(gij, D, np, invL2, grad);
    case 4: return lengthscaleSums<4>(gij, D, np, invL2, grad);
    case 5: return lengthscaleSums<5>(gij, D, np, invL2, grad);
    case 6: return lengthscaleSums<6>(gij, D, np, invL2, grad);
    case 7: return lengthscaleSums<7>(gij, D, np, invL2, grad);
    case 8: return lengthscaleSums<8>(gij, D, np, invL2, grad);
    default:
      for (int k0 = 0; k0 < d; k0 += 8) {
        const int m = d - k0 < 8 ? d - k0 : 8;
        lengthscaleSumsAny(m, gij, D + k0 * np, np, invL2 + k0, grad + k0);
      }
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
  grow(s.E, np);
  grow(s.G, np);
  grow(s.R, np);
  grow(s.Rt, np);
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
  for (int i = n - 1; i >= 0; i--) {
    const double* ui = U + i * ld;
    double t = alpha[i];
    for (int k = i + 1; k < n; k++) t -= ui[k] * alpha[k];
    alpha[i] = t / ui[i];
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
  for (int i = 0; i < n; i++) {
    double* li = Linv + i * ld;
    const size_t end = (static_cast<size_t>(i) + 8) & ~static_cast<size_t>(7);
    const double inv = 1 / U[i * ld + i];
    forBlocks(0, end, [&](size_t c, int nv) {
      V8 acc[4];
      for (int v = 0; v < nv; v++) acc[v] = V8{0, 0, 0, 0, 0, 0, 0, 0};
      if (static_cast<size_t>(i) >= c && static_cast<size_t>(i) < c + 8 * nv) acc[(i - c) / 8][(i - c) % 8] = 1;
      accumulateN<true>(nv, acc, U + i, Linv + c, ld, static_cast<int>(c), i);
      for (int v = 0; v < nv; v++) store8(li + c + 8 * v, acc[v] * inv);
    });
    for (size_t j = end; j < ld; j++) li[j] = 0;
  }
  // K⁻¹ = L⁻ᵀL⁻¹, lower triangle: K⁻¹_ij = Σ_{k>=i, ascending} L⁻¹_ki L⁻¹_kj (row i's blocks past
  // the diagonal hold partial sums nobody reads).
  for (int i = 0; i < n; i++) {
    double* ki = Kinv + i * ld;
    const size_t end = (static_cast<size_t>(i) + 8) & ~static_cast<size_t>(7);
    forBlocks(0, end, [&](size_t c, int nv) {
      V8 acc[4];
      for (int v = 0; v < nv; v++) acc[v] = V8{0, 0, 0, 0, 0, 0, 0, 0};
      accumulateN<false>(nv, acc, Linv + i, Linv + c, ld, i, n);
      for (int v = 0; v < nv; v++) store8(ki + c + 8 * v, acc[v]);
    });
  }
  // dNLL/dθ = -½ tr(W ∂K/∂θ), W = ααᵀ - K⁻¹ (off-diagonal pairs counted twice). Per pair gij =
  // W_ij G_ij into R, then the lengthscale sums in pair order.
  double* gij = s.R.data();
  double gS = 0;
  double gN = 0;
  size_t p = 0;
  for (int i = 0; i < n; i++) {
    const double ai = alpha[i];
    const double* ki = Kinv + i * ld;
    for (int j = 0; j < i; j++, p++) {
      const double hw = ai * alpha[j] - ki[j];
      gij[p] = hw * G[p];
      gS -= hw * E[p];
    }
    const double wii = ai * ai - ki[i];
    gS -= 0.5 * wii * s2;
    gN -= 0.5 * wii * noise;
  }
  lengthscaleSumsAny(d, gij, D, np, invL2, grad);
  grad[d] = gS;
  grad[d + 1] = gN;
  addPriorGradient(theta, d, grad);
  return nll;
}

}  // namespace gp
}  // namespace hppo
