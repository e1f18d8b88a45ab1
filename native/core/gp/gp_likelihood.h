// Gaussian-process negative log posterior for Bayesian optimization's hyperparameter fit: the same
// maths as `gpNegLogPosterior` in src/search/gp.ts (Matérn 5/2 ARD kernel, Gaussian noise,
// Cholesky with jitter retries, log-normal priors on θ, analytic gradient), in C++ so that one
// L-BFGS evaluation costs a few microseconds instead of hundreds.
//
//   θ = [log ℓ_1 .. log ℓ_d, log σ_f², log σ_n²]      (inputs in [0,1]^d, standardized outputs)
//   k(x,x') = σ_f² (1 + √5 r + 5/3 r²) exp(-√5 r),    r² = Σ_k (x_k - x'_k)² / ℓ_k²
//   value   = ½ yᵀK⁻¹y + log|L| + n/2 log 2π + Σ_k ½ ((θ_k - μ_k)/s_k)²
//   grad    = -½ tr((ααᵀ - K⁻¹) ∂K/∂θ) + (θ - μ)/s²,  α = K⁻¹y
//
// When the Cholesky factorization fails, σ_f² × (1e-10, 1e-8, 1e-6, 1e-4) is added to the noise in
// turn; the gradient is then that of the jittered covariance (as in gp.ts). +infinity when every
// jitter fails (the gradient is then left unspecified).
//
// The Cholesky factorization, the forward solve, L⁻¹ and K⁻¹ add every product in the same order
// as gp.ts; their loop nests are rearranged (one or two rows at a time, 8-wide accumulators kept in
// registers across k) so no sum is reassociated. Reordered, as 8 lane sums: the backward solve's
// dots and the gradient's sums over pairs (sequential sums there are single dependency chains),
// and the lengthscale terms factor 1/ℓ_k² out of the sum. e^x is evaluated 8 pairs at a time by
// a polynomial within 1 ulp (glibc's and V8's differ from it in the last bit now and then). So the
// results equal gp.ts's to rounding, amplified by K's condition number: on random problems over
// the θ bounds within 1e-9 + 1e-14·κ relative, κ = (n σ_f² + σ_n²)/σ_n² (test/search/gp-native.test.ts).
//
// Library code: no printing, no exits, no exceptions except std::bad_alloc from the scratch.
#pragma once
#include <vector>

namespace hppo {
namespace gp {

// The log-normal priors (mean, sd in log space) are GP_HYPER's in gp.ts: lengthscales
// (log 0.5, 1.5), signal variance (0, 1.5), noise variance (log 1e-4, 3).

// Relative diagonal jitters (× σ_f²) tried in turn when the factorization fails.
constexpr double kJitters[] = {0.0, 1e-10, 1e-8, 1e-6, 1e-4};
constexpr int kJitterCount = 5;

// Reusable buffers of one thread's evaluations. Owned by the caller; vectors grow as needed and
// never shrink. The squared differences of the input pairs are cached against a copy of X, so a
// fit that calls with the same inputs (any buffer) computes them once.
// Matrices are n rows of stride ld = n rounded up to 8; pair arrays hold the n(n-1)/2 pairs
// (i > j, row by row) padded with zeros to a multiple of 8.
struct Scratch {
  std::vector<double> U;      // K's upper triangle, then Lᵀ (row k of U = column k of L)
  std::vector<double> Linv;   // L⁻¹, lower, zero right of the diagonal
  std::vector<double> Kinv;   // K⁻¹, lower triangle
  std::vector<double> alpha;  // n
  std::vector<double> E;      // pairs: noise-free covariance
  std::vector<double> G;      // pairs: σ_f² (5/3)(1 + √5 r) e^{-√5 r}
  std::vector<double> R;      // pairs, twice: W_ij G_ij, then W_ij (gradient)
  std::vector<double> D;      // d blocks of pairs: (x_ik - x_jk)² (structure of arrays)
  std::vector<double> Xc;     // the n×d inputs D was computed from
  std::vector<double> small;  // 2d+2: a copy of θ, then 1/ℓ_k²
  int cachedN = -1;
  int cachedD = -1;
  // Which jitter index the last successful evaluation used (0 = none); -1 when all failed.
  int lastJitter = -1;
};

// Negative log posterior of θ (size d+2) for the n×d inputs X (row-major) and targets y (size n);
// the gradient into grad (size d+2) when grad is non-null (it may share θ's memory; X and y are
// only read). Requires n >= 1, d >= 1; allocates only when the scratch has to grow.
double neg_log_posterior(const double* X, const double* y, int n, int d, const double* theta, double* grad,
                         Scratch& s);

}  // namespace gp
}  // namespace hppo
