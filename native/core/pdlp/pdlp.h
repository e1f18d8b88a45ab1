// PDLP: restarted Halpern PDHG for linear programs (after PDLP / cuPDLPx), on any Backend.
//
//   minimize   offset + c'x
//   subject to rowLower <= A x <= rowUpper,  colLower <= x <= colUpper   (+/-inf allowed)
//
// Maximization is the caller's business (negate c and offset, negate the objectives back).
// Threads: solve() runs entirely on the calling thread (plus the backend's own workers); it
// touches no global state, so concurrent solves on different threads are independent. The
// progress callback runs on the calling thread; the cancel flag may be set from any thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend.h"

namespace hppo {
namespace pdlp {

struct Settings {
  double tolerance = 1e-4;            // relative primal residual, dual residual and gap (1e-8..1e-1)
  std::int64_t iterationLimit = 1000000000;  // PDHG iterations
  double timeLimitSec = 1e30;         // wall-clock seconds for setup + solve
  int ruizIterations = 10;            // Ruiz equilibration passes (0 = off)
  bool pockChambolle = true;          // Pock-Chambolle (alpha = 1) scaling after Ruiz
  bool boundObjectiveRescaling = true;  // divide c by 1+||c|| and bounds by 1+||b|| (cuPDLPx)
  int checkEvery = 64;                // iterations between termination / restart checks
  double infeasibilityTolerance = 1e-8;  // certificate quality for (primal|dual) infeasibility
  double reflection = 1.0;            // Halpern reflection coefficient rho in [0, 1]
  double restartSufficient = 0.2;     // restart when residual <= this * residual at last restart
  double restartNecessary = 0.8;      // ... or <= this and no longer decreasing
  double restartArtificial = 0.36;    // ... or iterations since restart >= this * total
  double primalWeightSmoothing = 0.5;  // theta of the primal weight update (0 = frozen)
  double initialPrimalWeightScale = 1.0;  // initial omega = this * ||c|| / ||b|| (scaled problem)
  double stepSizeSafety = 0.99;       // eta = safety / ||A||_2 (power-iteration estimate)
  double progressIntervalSec = 1.0;   // minimum seconds between progress callbacks
};

struct Problem {
  BlockMatrix A;  // rows x cols; sparse part + optional dense block
  std::vector<double> c, colLower, colUpper;  // cols
  std::vector<double> rowLower, rowUpper;     // rows
  double offset = 0.0;
};

struct WarmStart {
  std::vector<double> x;  // cols (empty = zeros, projected onto the bounds)
  std::vector<double> y;  // rows (empty = zeros)
};

const char* const kOptimal = "optimal";
const char* const kPrimalInfeasible = "primal_infeasible";
const char* const kDualInfeasible = "dual_infeasible";  // unbounded when primal feasible
const char* const kIterationLimit = "iteration_limit";
const char* const kTimeLimit = "time_limit";
const char* const kCancelled = "cancelled";
const char* const kNumericalError = "numerical_error";

struct Info {
  std::string status;            // one of the k* strings above
  std::int64_t iterations = 0;
  int restarts = 0;
  double primalObjective = 0.0;  // offset + c'x of the returned x
  double dualObjective = 0.0;
  // Relative measures (what `tolerance` is compared with):
  double primalResidual = 0.0;   // ||Ax - proj_[rl,ru](Ax)||_2 / (1 + ||b||_2)
  double dualResidual = 0.0;     // ||c - A'y - lambda||_2 / (1 + ||c||_2)
  double gap = 0.0;              // |pobj - dobj| / (1 + |pobj| + |dobj|)
  // The same, absolute:
  double primalResidualAbs = 0.0, dualResidualAbs = 0.0, gapAbs = 0.0;
  double setupSeconds = 0.0;     // scaling, upload, step-size estimate
  double solveSeconds = 0.0;     // iterations
  double primalWeight = 0.0;
  std::string backend;           // "cpu" | "cuda"
  std::string device;
  std::vector<std::string> warnings;
};

struct Solution {
  std::vector<double> x;       // cols
  std::vector<double> y;       // rows (duals of the rows; >= 0 for active lower bounds)
  std::vector<double> lambda;  // cols: reduced costs c - A'y
};

struct Progress {
  std::int64_t iteration = 0;
  double primalResidual = 0.0, dualResidual = 0.0, gap = 0.0;
  double primalObjective = 0.0, dualObjective = 0.0;
  double elapsedSec = 0.0;
  double primalWeight = 0.0;
};

struct Hooks {
  const std::atomic<bool>* cancel = nullptr;  // checked at every termination check
  std::function<void(const Progress&)> progress;  // rate-limited by progressIntervalSec
};

// Validates the problem (sizes, NaN, bounds order, CSR structure). Empty string when fine,
// otherwise a message naming the argument.
std::string validate(const Problem& p);

// Solves. Throws std::invalid_argument for invalid problems (validate() message) or settings;
// other failures (allocation) throw std::runtime_error. Every outcome is a status in info.
void solve(const Problem& p, const Settings& s, Backend& backend, const WarmStart* warm, const Hooks& hooks,
           Solution* sol, Info* info);

// Finds the largest block of consecutive rows that share a fully dense run of >= minCols
// consecutive columns and moves it out of the CSR into a DenseBlock (float32 storage when
// asked). Returns false (and leaves `a` with the CSR only) when none is worth it.
bool extractDenseBlock(const CsrMatrix& csr, int minCols, int minRows, bool float32, BlockMatrix* a);

}  // namespace pdlp
}  // namespace hppo
