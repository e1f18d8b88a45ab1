// Dense bounded-variable primal simplex for small LPs (m <= ~100 rows, n <= ~500 columns), exact
// to a vertex. Problem:
//
//     minimize    c'x
//     subject to  rowLower <= A x <= rowUpper      (A dense, row-major, m x n; equality: lower == upper)
//                 colLower <=  x  <= colUpper      (+-infinity allowed; free columns)
//
// Internally every row i gets a logical variable s_i = (A x)_i with bounds [rowLower_i, rowUpper_i],
// so the constraints are [A  -I] (x; s) = 0 and a basis is m of the n + m variables. The basis
// inverse is kept explicitly (m x m), updated by the product form at each pivot and recomputed
// from scratch (Gauss-Jordan, partial pivoting) every `refactorEvery` pivots and at the end.
// Phase 1 minimizes the sum of infeasibilities of the basic variables (the nonbasic ones always sit
// on a bound), phase 2 the objective; pricing by primal steepest edge (cold starts of larger
// problems) or scaled Dantzig; Harris' two-pass ratio test with bounded steps and bound flips of
// the entering variable; Bland's rule after a run of degenerate pivots. The final x, duals and reduced costs are recomputed from a fresh
// factorization of the final basis with its columns in ascending order, so the answer depends only
// on the final basis, not on the pivot path (deterministic across warm starts and thread counts).
//
// Library code: no printing, no exits; outcomes (infeasible, unbounded, limits) are statuses.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hppo {
namespace dense_lp {

// Outcome of a solve (stable codes, mirrored in src/solver/small-lp.ts).
enum class Status : int8_t {
  Optimal = 0,
  Infeasible = 1,
  Unbounded = 2,
  IterationLimit = 3,
  NumericalError = 4,  // singular basis that could not be repaired, or tolerances that cannot be met
  Cancelled = 5,
  NotRun = 6,          // batch entry skipped (bad shape); never returned by solve()
};

const char* statusName(Status s);

// Basis status of one variable (structural columns first, then the m row logicals).
// Codes follow HiGHS' HighsBasisStatus so a basis can be exchanged with it.
namespace basis_status {
constexpr int8_t kLower = 0;   // nonbasic at its lower bound (also: fixed)
constexpr int8_t kBasic = 1;
constexpr int8_t kUpper = 2;   // nonbasic at its upper bound
constexpr int8_t kZero = 3;    // free nonbasic variable held at 0
}  // namespace basis_status

enum class Pricing : int8_t {
  Auto = 0,          // steepest edge for cold starts with m >= 40 rows, else Dantzig
  Dantzig = 1,       // largest d_j^2 / (1 + |a_j|^2) (steepest-edge weights of the all-logical basis, never updated)
  SteepestEdge = 2,  // primal steepest edge, Goldfarb-Reid updates (two extra passes over A per pivot)
};

struct Settings {
  // Largest bound violation of a basic variable accepted as feasible (absolute, in the units of
  // the variable / row activity). Default 1e-9.
  double primalFeasibilityTol = 1e-9;
  // Largest reduced cost of the wrong sign accepted as optimal (absolute, objective units per unit
  // of the variable). Default 1e-9.
  double dualFeasibilityTol = 1e-9;
  // Smallest |entry| of the entering column accepted as a pivot in the ratio test. Default 1e-9.
  double pivotTol = 1e-9;
  // Smallest pivot accepted when factorizing a basis; smaller means singular. Default 1e-11.
  double singularTol = 1e-11;
  // Simplex iterations (phase 1 + phase 2, bound flips included) before IterationLimit. Default
  // 0 = automatic: 20 * (m + n) + 1000.
  int maxIterations = 0;
  // Pivots between two fresh factorizations of the basis inverse (each costs ~1.5 m^3, a pivot
  // ~m^2 + m n). Default 0 = automatic: max(64, m).
  int refactorEvery = 0;
  // Choice of the entering variable. Default Auto.
  Pricing pricing = Pricing::Auto;
  // Consecutive degenerate pivots after which Bland's rule is used until a step makes progress.
  // Default 0 = automatic: m + 20.
  int degenerateBeforeBland = 0;
};

// Input view; all pointers are borrowed and must stay valid during the solve.
struct Problem {
  int m = 0;                          // rows
  int n = 0;                          // structural columns
  const double* a = nullptr;          // m * n, row-major
  const double* c = nullptr;          // n
  const double* colLower = nullptr;   // n (-inf allowed)
  const double* colUpper = nullptr;   // n (+inf allowed)
  const double* rowLower = nullptr;   // m
  const double* rowUpper = nullptr;   // m
  const int8_t* basis = nullptr;      // optional warm start, n + m basis_status codes
};

// Output buffers, caller-owned; any may be null (not written).
struct Output {
  double* x = nullptr;            // n
  double* rowActivity = nullptr;  // m: A x
  double* rowDual = nullptr;      // m: y with c = A'y + z (y_i = d objective / d bound of row i)
  double* colDual = nullptr;      // n: reduced costs z = c - A'y
  int8_t* basis = nullptr;        // n + m basis_status codes of the final basis
};

struct Info {
  Status status = Status::NotRun;
  int iterations = 0;          // all simplex iterations (pivots and bound flips)
  int phase1Iterations = 0;
  double objective = 0.0;      // c'x at the returned x
  double primalInfeasibility = 0.0;  // max bound violation of x and A x at the returned point
  double dualInfeasibility = 0.0;    // max reduced cost of the wrong sign at the returned point
  bool warmStarted = false;          // a given basis was used (possibly repaired)
  int basisRepairs = 0;              // basic columns replaced by row logicals (singular bases)
};

// Reusable scratch memory of one thread (avoids allocations across the problems of a batch).
class Workspace;

// Checks shapes and values (finite A and c, bounds not NaN, lower <= upper, valid basis codes).
// Returns an empty string when fine, else a message naming the field and the value.
// checkMatrix = false skips the scan of A (a batch validates a shared matrix once).
std::string validate(const Problem& p, bool checkMatrix = true);

// Solves one problem. `cancel` (nullable) is polled at every iteration: non-zero => Cancelled.
Info solve(const Problem& p, const Settings& s, const Output& out, Workspace* ws = nullptr,
           const volatile int32_t* cancel = nullptr);

struct BatchOptions {
  int threads = 0;          // 0 = hardware concurrency (capped at the number of chains)
  // When true, a problem without a basis of its own warm starts from the final basis of the
  // previous problem of its chain if that one has the same shape (m, n) and was solved to optimality.
  bool chainWarmStart = false;
  // Problems per chain; chains are [k*chainLength, (k+1)*chainLength), solved sequentially inside,
  // in parallel across. Fixed (not derived from the thread count) so results do not depend on it.
  int chainLength = 16;
  const volatile int32_t* cancel = nullptr;
};

// Solves K independent problems on a small thread pool. outs[k] and infos[k] receive problem k's
// result. Problems are not validated here (call validate()).
void solveBatch(const Problem* problems, const Output* outs, Info* infos, size_t count,
                const Settings& s, const BatchOptions& opt);

}  // namespace dense_lp
}  // namespace hppo
