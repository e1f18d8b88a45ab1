// ADMM for convex quadratic programs with separable convex costs (OSQP-style operator splitting).
//
//   minimize   1/2 x'Px + q'x + sum_i f_i(x_i)
//   subject to l <= A x <= u,   lb <= x <= ub
//
// P is either sparse (upper triangle, CSC) or a factor model P = F F' + diag(d) with dense F (n x k,
// row-major). f_i is a convex cost around a previous holding x0_i (t = x_i - x0_i):
//   standard:  buy * max(t,0) + sell * max(-t,0) + 1/2 quad * t^2 + impact * |t|^(3/2)
//   piecewise linear: f(t) = integral_0^t slope(tau) dtau with nondecreasing slopes between
//                     increasing breakpoints (a variable with PWL cost has no standard terms).
// The costs and the variable bounds sit on the z-copy of x (rows "x = z" of the split), so each
// z-update is the EXACT 1-D prox of f_i + box, evaluated in closed form.
//
// Threads: solve() runs on the caller's thread and touches no global state; the cancel flag and
// the progress callback are the only things shared with other threads (the flag is read, the
// callback is invoked on the solving thread).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hppo::admm {

// Compressed sparse columns; row indices strictly increasing within a column.
struct Csc {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  std::vector<std::int64_t> colPtr;  // cols + 1
  std::vector<std::int32_t> rowIdx;
  std::vector<double> values;
  std::int64_t nnz() const { return colPtr.empty() ? 0 : colPtr.back(); }
};

struct PForm {
  static constexpr int kSparse = 0;  // pSparse holds the upper triangle (CSC, n x n)
  static constexpr int kFactor = 1;  // P = F F' + diag(d)
};

struct Costs {
  // Empty vectors mean "no such term". Non-empty vectors have length n. All rates >= 0.
  std::vector<double> x0;      // reference holding (required when any term is present; else 0)
  std::vector<double> buy;     // proportional rate for t > 0
  std::vector<double> sell;    // proportional rate for t < 0
  std::vector<double> quad;    // 1/2 quad t^2
  std::vector<double> impact;  // impact |t|^(3/2)
  // Piecewise linear: variable j uses breakpoints pwlBreaks[pwlPtr[j] .. pwlPtr[j+1]) (increasing, in t)
  // and slopes pwlSlopes[pwlPtr[j] + j .. pwlPtr[j+1] + j + 1) (one more than breakpoints,
  // nondecreasing). pwlPtr empty = no PWL cost; a variable with no breakpoints has slope
  // pwlSlopes[pwlPtr[j]+j] everywhere (a linear cost).
  std::vector<std::int64_t> pwlPtr;  // n + 1 when present
  std::vector<double> pwlBreaks;
  std::vector<double> pwlSlopes;
  bool any() const { return !buy.empty() || !sell.empty() || !quad.empty() || !impact.empty() || !pwlPtr.empty(); }
};

struct Problem {
  std::int32_t n = 0;
  std::int32_t m = 0;
  int pForm = PForm::kSparse;
  Csc pSparse;                 // kSparse: upper triangle of P (n x n); may be empty (LP)
  std::int32_t k = 0;          // kFactor: columns of F
  std::vector<double> F;       // kFactor: n x k row-major
  std::vector<double> d;       // kFactor: length n (>= 0)
  std::vector<double> q;       // length n
  Csc A;                       // m x n
  std::vector<double> l, u;    // length m (+/-inf allowed)
  std::vector<double> lb, ub;  // length n (+/-inf allowed); empty = free
  Costs costs;
};

struct Settings {
  double rho = 10.0;                 // initial step (scaled problem); OSQP uses 0.1, 10 is ~10x fewer iterations on FOF
  double sigma = 1e-6;               // proximal regularization of x
  double alpha = 1.6;                // over-relaxation in (0, 2)
  double epsAbs = 1e-4;              // absolute tolerance (residuals, infinity norm)
  double epsRel = 1e-4;              // relative tolerance
  double epsPrimInf = 1e-5;          // primal infeasibility certificate tolerance
  double epsDualInf = 1e-5;          // dual infeasibility (unboundedness) tolerance
  std::int64_t maxIter = 100000;     // iteration limit
  double timeLimitSec = 0.0;         // 0 = none; wall clock from the start of solve()
  int scalingIters = 10;             // Ruiz equilibration passes (0 = off)
  bool adaptiveRho = true;
  double adaptiveRhoTolerance = 5.0;  // update only when the suggested rho differs by this factor
  std::int64_t adaptiveRhoInterval = 0;  // iterations between rho checks; 0 = auto (by refactor cost)
  double eqRhoFactor = 1e3;          // rho of equality rows = factor * rho
  double rhoMin = 1e-6, rhoMax = 1e6;
  std::int64_t checkInterval = 10;   // iterations between termination checks
  bool polish = true;                // refine on the active set guessed by ADMM
  int polishContinuations = 2;      // on a rejected polish: iterate on at eps/10 and retry (times)
  int polishRefineIters = 25;        // refinement steps towards the exact KKT solution
  double progressIntervalSec = 0.25;  // minimum time between progress callbacks
  bool useCuda = false;              // factor form: x-step on a CUDA device (falls back with a warning)
  int cudaDevice = 0;
  // Warm start (unscaled, original space). Empty = cold start.
  std::vector<double> x0, y0;        // x: n, y: m (constraint rows)
  std::vector<double> yVar0;         // n (bound/cost multipliers), optional
};

struct Status {
  static constexpr int kSolved = 1;
  static constexpr int kSolvedInaccurate = 2;  // reserved
  static constexpr int kPrimalInfeasible = 3;
  static constexpr int kDualInfeasible = 4;
  static constexpr int kMaxIterations = 5;
  static constexpr int kTimeLimit = 6;
  static constexpr int kCancelled = 7;
  static constexpr int kNonConvex = 8;
  static constexpr int kInvalid = 9;  // bad input; message says which field
};
const char* statusName(int status);

struct Info {
  int status = 0;
  std::string message;
  std::int64_t iterations = 0;
  int rhoUpdates = 0;
  double rho = 0.0;             // final scalar rho
  double objective = 0.0;       // primal objective incl. costs (original space)
  double dualObjective = 0.0;
  double gap = 0.0;             // |primal - dual| objective
  double primalResidual = 0.0;  // ||A~x - z||_inf (original space)
  double dualResidual = 0.0;    // ||Px + q + A~'y||_inf
  double setupSeconds = 0.0;
  double solveSeconds = 0.0;
  double polishSeconds = 0.0;
  int polished = 0;             // 1 accepted, 0 not run, -1 rejected
  std::string backend = "cpu";
  std::vector<std::string> warnings;
};

struct Solution {
  std::vector<double> x;     // n
  std::vector<double> y;     // m (constraint multipliers; > 0 at upper bound)
  std::vector<double> yVar;  // n (bound + cost subgradient multipliers)
  // Certificates, set when infeasible: primal -> yCert (m) / yVarCert (n); dual -> xCert (n).
  std::vector<double> xCert, yCert, yVarCert;
};

struct Progress {
  std::int64_t iteration;
  double primalResidual, dualResidual, objective, rho, elapsedSec;
};

struct Control {
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const Progress&)> onProgress;
};

// Validates, scales and solves. Never throws for outcomes (statuses); never prints. Returns
// Status::kInvalid with info.message for bad input (non-finite values, wrong lengths...).
void solve(const Problem& p, const Settings& s, const Control& c, Solution* sol, Info* info);

// Validation alone (empty string = ok), also used by the binding before scheduling work.
std::string validate(const Problem& p, const Settings& s);

// Objective of x in the original space (1/2 x'Px + q'x + sum f_i(x_i)).
double objectiveOf(const Problem& p, const std::vector<double>& x);

}  // namespace hppo::admm
