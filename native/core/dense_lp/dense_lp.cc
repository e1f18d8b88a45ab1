#include "dense_lp.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <sstream>
#include <thread>

namespace hppo {
namespace dense_lp {

namespace bs = basis_status;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// A step below this (in the entering variable's units) counts as degenerate for anti-cycling.
constexpr double kDegenerateStep = 1e-12;
}  // namespace

const char* statusName(Status s) {
  switch (s) {
    case Status::Optimal: return "optimal";
    case Status::Infeasible: return "infeasible";
    case Status::Unbounded: return "unbounded";
    case Status::IterationLimit: return "iteration_limit";
    case Status::NumericalError: return "numerical_error";
    case Status::Cancelled: return "cancelled";
    case Status::NotRun: return "not_run";
  }
  return "unknown";
}

// Scratch of one solve; reused across solves on the same thread (capacity is kept).
class Workspace {
 public:
  std::vector<double> binv;    // m*m; row r belongs to basis position r
  std::vector<double> fac;     // m*m factorization scratch
  std::vector<double> inv;     // m*m factorization scratch
  std::vector<int> basisIdx;   // m: variable basic in position r (ascending after each factorization)
  std::vector<int> pivRow;     // m
  std::vector<char> rowUsed;   // m
  std::vector<int8_t> status;  // N = n + m
  std::vector<double> x, lo, up, cost, d, weight, baseWeight, prow, aw, xn;  // N (xn: n)
  std::vector<double> wvec;                                                // m
  std::vector<double> y, alpha, col, cb, rhs;          // m
  // The last solve on this workspace ended on a fresh factorization of `factBasis` (sorted) for the
  // matrix at `factA` (m x n): a next solve of the same matrix (same pointer, same batch call, so
  // the contents cannot have changed) that starts from that basis reuses binv instead of
  // refactorizing; the result is identical since binv is exactly what factorize() would compute.
  const double* factA = nullptr;
  int factM = -1, factN = -1;
  std::vector<int> factBasis;
  bool factValid = false;
  // Steepest-edge weights 1 + |a_j|^2 of the all-logical basis for the matrix at weightA (m x n):
  // the starting reference weights; `weight` is the working copy updated at each basis change.
  const double* weightA = nullptr;
  int weightM = -1, weightN = -1;
};

namespace {

class Simplex {
 public:
  Simplex(const Problem& p, const Settings& s, Workspace& w, const volatile int32_t* cancel)
      : p_(p), s_(s), w_(w), cancel_(cancel), m_(p.m), n_(p.n), N_(p.n + p.m) {}

  Info run(const Output& out);

 private:
  bool isBasic(int j) const { return w_.status[j] == bs::kBasic; }
  void column(int j, double* out) const;
  void setNonbasicAt(int j, int8_t want);
  void initialBasis(Info& info);
  bool factorize(Info& info);
  void computeBasicValues();
  void computeDuals(bool phase1);
  void finish(const Output& out, Info& info);

  const Problem& p_;
  const Settings& s_;
  Workspace& w_;
  const volatile int32_t* cancel_;
  const int m_, n_, N_;
};

void Simplex::column(int j, double* out) const {
  if (j < n_) {
    const double* a = p_.a;
    for (int i = 0; i < m_; ++i) out[i] = a[static_cast<size_t>(i) * n_ + j];
  } else {
    std::fill(out, out + m_, 0.0);
    out[j - n_] = -1.0;
  }
}

// Puts nonbasic variable j on the requested bound when that bound is finite, else on the other
// finite bound, else at 0 (free).
void Simplex::setNonbasicAt(int j, int8_t want) {
  const double lo = w_.lo[j], up = w_.up[j];
  if (lo == up) {
    w_.status[j] = bs::kLower;
    w_.x[j] = lo;
  } else if (want == bs::kUpper && std::isfinite(up)) {
    w_.status[j] = bs::kUpper;
    w_.x[j] = up;
  } else if (std::isfinite(lo)) {
    w_.status[j] = bs::kLower;
    w_.x[j] = lo;
  } else if (std::isfinite(up)) {
    w_.status[j] = bs::kUpper;
    w_.x[j] = up;
  } else {
    w_.status[j] = bs::kZero;
    w_.x[j] = 0.0;
  }
}

void Simplex::initialBasis(Info& info) {
  w_.basisIdx.clear();
  if (p_.basis) {
    info.warmStarted = true;
    for (int j = 0; j < N_; ++j) {
      if (p_.basis[j] == bs::kBasic && static_cast<int>(w_.basisIdx.size()) < m_) {
        w_.status[j] = bs::kBasic;
        w_.basisIdx.push_back(j);
      } else {
        setNonbasicAt(j, p_.basis[j] == bs::kBasic ? bs::kLower : p_.basis[j]);
      }
    }
    // Too few basic variables: complete with row logicals (factorize() repairs dependence).
    for (int i = 0; i < m_ && static_cast<int>(w_.basisIdx.size()) < m_; ++i) {
      if (!isBasic(n_ + i)) {
        w_.status[n_ + i] = bs::kBasic;
        w_.basisIdx.push_back(n_ + i);
        ++info.basisRepairs;
      }
    }
  } else {
    for (int j = 0; j < n_; ++j) setNonbasicAt(j, bs::kLower);
    for (int i = 0; i < m_; ++i) {
      w_.status[n_ + i] = bs::kBasic;
      w_.basisIdx.push_back(n_ + i);
    }
  }
}

// Computes the explicit inverse of the basis (columns in ascending variable order) by Gauss-Jordan
// with partial pivoting. A column that is (numerically) dependent on the others is replaced by the
// logical of a row no pivot was found for, and the factorization is redone.
bool Simplex::factorize(Info& info) {
  const int m = m_;
  for (int attempt = 0; attempt <= m; ++attempt) {
    std::sort(w_.basisIdx.begin(), w_.basisIdx.end());
    // All-logical basis (a cold start): B = -I, so B^-1 = -I exactly; skip the O(m^3) elimination.
    bool logical = true;
    for (int k = 0; k < m && logical; ++k) logical = w_.basisIdx[k] == n_ + k;
    if (logical) {
      std::fill(w_.binv.begin(), w_.binv.begin() + static_cast<size_t>(m) * m, 0.0);
      for (int k = 0; k < m; ++k) w_.binv[static_cast<size_t>(k) * m + k] = -1.0;
      return true;
    }
    double* fac = w_.fac.data();
    double* inv = w_.inv.data();
    for (int k = 0; k < m; ++k) {
      column(w_.basisIdx[k], w_.col.data());
      for (int i = 0; i < m; ++i) fac[static_cast<size_t>(i) * m + k] = w_.col[i];
    }
    std::fill(w_.inv.begin(), w_.inv.begin() + static_cast<size_t>(m) * m, 0.0);
    for (int i = 0; i < m; ++i) inv[static_cast<size_t>(i) * m + i] = 1.0;
    std::fill(w_.rowUsed.begin(), w_.rowUsed.begin() + m, 0);
    std::vector<int> dependent;
    for (int k = 0; k < m; ++k) {
      int p = -1;
      double best = 0.0;
      for (int i = 0; i < m; ++i) {
        if (w_.rowUsed[i]) continue;
        const double v = std::fabs(fac[static_cast<size_t>(i) * m + k]);
        if (v > best) best = v, p = i;
      }
      if (p < 0 || best < s_.singularTol) {
        dependent.push_back(k);
        w_.pivRow[k] = -1;
        continue;
      }
      w_.rowUsed[p] = 1;
      w_.pivRow[k] = p;
      double* fp = fac + static_cast<size_t>(p) * m;
      double* ip = inv + static_cast<size_t>(p) * m;
      const double r = 1.0 / fp[k];
      for (int j = k; j < m; ++j) fp[j] *= r;
      for (int j = 0; j < m; ++j) ip[j] *= r;
      for (int i = 0; i < m; ++i) {
        if (i == p) continue;
        double* fi = fac + static_cast<size_t>(i) * m;
        const double f = fi[k];
        if (f == 0.0) continue;
        double* ii = inv + static_cast<size_t>(i) * m;
        for (int j = k; j < m; ++j) fi[j] -= f * fp[j];
        for (int j = 0; j < m; ++j) ii[j] -= f * ip[j];
      }
    }
    if (dependent.empty()) {
      // B^-1 row k = row pivRow[k] of the eliminated identity.
      for (int k = 0; k < m; ++k) {
        std::copy(inv + static_cast<size_t>(w_.pivRow[k]) * m, inv + static_cast<size_t>(w_.pivRow[k] + 1) * m,
                  w_.binv.data() + static_cast<size_t>(k) * m);
      }
      return true;
    }
    // Each independent column used one row, so there are exactly as many rows without a pivot as
    // dependent columns; the logicals of those rows (never basic: a basic logical always pivots on
    // its own row) complete the basis.
    for (int k : dependent) setNonbasicAt(w_.basisIdx[k], bs::kLower);
    size_t di = 0;
    for (int i = 0; i < m && di < dependent.size(); ++i) {
      if (w_.rowUsed[i] || isBasic(n_ + i)) continue;
      const int k = dependent[di++];
      w_.status[n_ + i] = bs::kBasic;
      w_.basisIdx[k] = n_ + i;
      ++info.basisRepairs;
    }
    if (di != dependent.size()) return false;
  }
  return false;
}

// x_B = B^-1 (-sum over nonbasic j of a_j x_j), from the constraints [A -I](x; s) = 0.
void Simplex::computeBasicValues() {
  const int m = m_, n = n_;
  for (int j = 0; j < n; ++j) w_.xn[j] = isBasic(j) ? 0.0 : w_.x[j];
  for (int i = 0; i < m; ++i) {
    const double* ai = p_.a + static_cast<size_t>(i) * n;
    double s = 0.0;
    for (int j = 0; j < n; ++j) s += ai[j] * w_.xn[j];
    w_.rhs[i] = -s + (isBasic(n + i) ? 0.0 : w_.x[n + i]);
  }
  for (int r = 0; r < m; ++r) {
    const double* br = w_.binv.data() + static_cast<size_t>(r) * m;
    double v = 0.0;
    for (int i = 0; i < m; ++i) v += br[i] * w_.rhs[i];
    w_.x[w_.basisIdx[r]] = v;
  }
}

// y = B^-T c_B and reduced costs d = cost - [A -I]'y of every variable, for the phase-2 costs
// (phase1 = false) or for the current phase-1 costs already stored in w_.cb.
void Simplex::computeDuals(bool phase1) {
  const int m = m_, n = n_;
  if (!phase1) {
    for (int r = 0; r < m; ++r) w_.cb[r] = w_.cost[w_.basisIdx[r]];
  }
  std::fill(w_.y.begin(), w_.y.begin() + m, 0.0);
  for (int r = 0; r < m; ++r) {
    const double c = w_.cb[r];
    if (c == 0.0) continue;
    const double* br = w_.binv.data() + static_cast<size_t>(r) * m;
    for (int i = 0; i < m; ++i) w_.y[i] += c * br[i];
  }
  double* d = w_.d.data();
  if (phase1) {
    std::fill(d, d + n, 0.0);
  } else {
    std::copy(w_.cost.begin(), w_.cost.begin() + n, d);
  }
  for (int i = 0; i < m; ++i) {
    const double yi = w_.y[i];
    if (yi == 0.0) continue;
    const double* ai = p_.a + static_cast<size_t>(i) * n;
    for (int j = 0; j < n; ++j) d[j] -= yi * ai[j];
  }
  for (int i = 0; i < m; ++i) d[n + i] = w_.y[i];
}

Info Simplex::run(const Output& out) {
  Info info;
  const int m = m_, n = n_, N = N_;
  const size_t mm = static_cast<size_t>(m) * m;
  w_.binv.resize(mm);
  w_.fac.resize(mm);
  w_.inv.resize(mm);
  w_.basisIdx.reserve(m);
  w_.pivRow.resize(m);
  w_.rowUsed.resize(m);
  w_.status.assign(N, bs::kLower);
  for (auto* v : {&w_.x, &w_.lo, &w_.up, &w_.cost, &w_.d}) v->assign(N, 0.0);
  w_.xn.assign(n, 0.0);
  for (auto* v : {&w_.y, &w_.alpha, &w_.col, &w_.cb, &w_.rhs}) v->assign(m, 0.0);

  for (int j = 0; j < n; ++j) {
    w_.lo[j] = p_.colLower[j];
    w_.up[j] = p_.colUpper[j];
    w_.cost[j] = p_.c[j];
  }
  for (int i = 0; i < m; ++i) {
    w_.lo[n + i] = p_.rowLower[i];
    w_.up[n + i] = p_.rowUpper[i];
    w_.cost[n + i] = 0.0;
  }
  if (w_.weightA != p_.a || w_.weightM != m || w_.weightN != n) {
    w_.baseWeight.assign(N, 1.0);
    for (int i = 0; i < m; ++i) {
      w_.baseWeight[n + i] = 2.0;
      const double* ai = p_.a + static_cast<size_t>(i) * n;
      for (int j = 0; j < n; ++j) w_.baseWeight[j] += ai[j] * ai[j];
    }
    w_.weightA = p_.a, w_.weightM = m, w_.weightN = n;
  }
  w_.weight = w_.baseWeight;
  w_.prow.assign(N, 0.0);
  w_.aw.assign(N, 0.0);
  w_.wvec.assign(m, 0.0);

  initialBasis(info);
  // Steepest edge costs two more passes over A per basis change and pays off on larger cold
  // starts; warm starts need few pivots and start from inexact weights, so they price by Dantzig
  // scaled with the all-logical weights (which is what `weight` then stays).
  const bool steepest = s_.pricing == Pricing::SteepestEdge || (s_.pricing == Pricing::Auto && !p_.basis && m >= 40);
  std::sort(w_.basisIdx.begin(), w_.basisIdx.end());
  const bool reuse = w_.factValid && w_.factA == p_.a && w_.factM == m && w_.factN == n && w_.basisIdx == w_.factBasis;
  w_.factValid = false;
  if (!reuse && !factorize(info)) {
    info.status = Status::NumericalError;
    finish(out, info);
    return info;
  }
  computeBasicValues();

  const double tolP = s_.primalFeasibilityTol, tolD = s_.dualFeasibilityTol, tolPiv = s_.pivotTol;
  const int maxIt = s_.maxIterations > 0 ? s_.maxIterations : 20 * (m + n) + 1000;
  const int blandAfter = s_.degenerateBeforeBland > 0 ? s_.degenerateBeforeBland : m + 20;
  const int refactorEvery = s_.refactorEvery > 0 ? s_.refactorEvery : std::max(64, m);
  int sinceRefactor = 0, degenerateRun = 0, numericalRetries = 0;
  // Phase-2 reduced costs kept up to date from the steepest-edge pivot row (saves a pass over A);
  // recomputed from scratch after every refactorization and in phase 1.
  bool dualsValid = false;

  for (;;) {
    if (cancel_ && *cancel_ != 0) {
      info.status = Status::Cancelled;
      break;
    }
    // Phase: 1 while a basic variable violates a bound (nonbasic ones are always on a bound).
    bool phase1 = false;
    for (int r = 0; r < m; ++r) {
      const int j = w_.basisIdx[r];
      const double v = w_.x[j];
      double c = 0.0;
      if (v < w_.lo[j] - tolP) c = -1.0;
      else if (v > w_.up[j] + tolP) c = 1.0;
      w_.cb[r] = c;
      phase1 = phase1 || c != 0.0;
    }
    if (phase1 || !dualsValid) computeDuals(phase1);
    dualsValid = !phase1;  // valid for the current basis; a bound flip keeps them

    // Pricing: largest d_j^2 / weight_j among improving nonbasic variables (steepest-edge weights,
    // or the fixed 1 + |a_j|^2); Bland's rule (smallest index) after a run of degenerate pivots.
    const bool bland = degenerateRun >= blandAfter;
    int q = -1;
    double dir = 0.0, best = 0.0;
    for (int j = 0; j < N; ++j) {
      const int8_t st = w_.status[j];
      if (st == bs::kBasic || w_.lo[j] == w_.up[j]) continue;
      const double dj = w_.d[j];
      double dj_dir;
      if (st == bs::kLower) dj_dir = dj < -tolD ? 1.0 : 0.0;
      else if (st == bs::kUpper) dj_dir = dj > tolD ? -1.0 : 0.0;
      else dj_dir = dj < -tolD ? 1.0 : (dj > tolD ? -1.0 : 0.0);
      if (dj_dir == 0.0) continue;
      const double score = dj * dj / w_.weight[j];
      if (q < 0 || (!bland && score > best)) {
        q = j, dir = dj_dir, best = score;
        if (bland) break;
      }
    }

    if (q < 0) {
      if (sinceRefactor > 0) {  // confirm on a fresh factorization before concluding
        if (!factorize(info)) {
          info.status = Status::NumericalError;
          break;
        }
        computeBasicValues();
        sinceRefactor = 0;
        dualsValid = false;
        continue;
      }
      info.status = phase1 ? Status::Infeasible : Status::Optimal;
      // Ends on a fresh factorization (sinceRefactor == 0): keep it for the next solve.
      w_.factValid = true;
      w_.factA = p_.a, w_.factM = m, w_.factN = n;
      w_.factBasis = w_.basisIdx;
      break;
    }
    if (info.iterations >= maxIt) {
      info.status = Status::IterationLimit;
      break;
    }

    // alpha = B^-1 a_q; basic variable r moves by -dir * alpha_r per unit step of x_q.
    column(q, w_.col.data());
    for (int r = 0; r < m; ++r) {
      const double* br = w_.binv.data() + static_cast<size_t>(r) * m;
      double v = 0.0;
      for (int i = 0; i < m; ++i) v += br[i] * w_.col[i];
      w_.alpha[r] = v;
    }

    // Harris two-pass ratio test. Pass 1: largest step keeping every basic variable within its
    // bounds relaxed by tolP (infeasible ones, in phase 1, are only limited by the bound they
    // violate, at which they become feasible and leave). Pass 2: among the bounds reached within
    // that step, the largest pivot.
    double thetaMax = kInf;
    for (int r = 0; r < m; ++r) {
      const double delta = -dir * w_.alpha[r];
      if (std::fabs(delta) < tolPiv) continue;
      const int j = w_.basisIdx[r];
      const double v = w_.x[j], lo = w_.lo[j], up = w_.up[j];
      double dist;
      if (delta < 0.0) {
        if (v > up + tolP) dist = v - up;  // infeasible above: becomes feasible at up
        else if (v < lo - tolP || !std::isfinite(lo)) continue;
        else dist = v - lo;
      } else {
        if (v < lo - tolP) dist = lo - v;
        else if (v > up + tolP || !std::isfinite(up)) continue;
        else dist = up - v;
      }
      thetaMax = std::min(thetaMax, (dist + tolP) / std::fabs(delta));
    }
    int leave = -1;
    double leaveBound = 0.0, theta = 0.0, bestPivot = 0.0;
    int8_t leaveStatus = bs::kLower;
    if (thetaMax < kInf) {
      for (int r = 0; r < m; ++r) {
        const double delta = -dir * w_.alpha[r];
        const double ad = std::fabs(delta);
        if (ad < tolPiv) continue;
        const int j = w_.basisIdx[r];
        const double v = w_.x[j], lo = w_.lo[j], up = w_.up[j];
        double dist, bound;
        int8_t st;
        if (delta < 0.0) {
          if (v > up + tolP) dist = v - up, bound = up, st = bs::kUpper;
          else if (v < lo - tolP || !std::isfinite(lo)) continue;
          else dist = v - lo, bound = lo, st = bs::kLower;
        } else {
          if (v < lo - tolP) dist = lo - v, bound = lo, st = bs::kLower;
          else if (v > up + tolP || !std::isfinite(up)) continue;
          else dist = up - v, bound = up, st = bs::kUpper;
        }
        if (dist / ad > thetaMax) continue;
        const bool better = leave < 0 || (bland ? j < w_.basisIdx[leave] : ad > bestPivot);
        if (better) {
          leave = r, bestPivot = ad, leaveBound = bound, leaveStatus = st;
          theta = std::max(0.0, dist / ad);
        }
      }
    }
    // The entering variable reaching its other bound first is a bound flip (no basis change).
    const double range = w_.up[q] - w_.lo[q];
    const bool flip = std::isfinite(range) && (leave < 0 || range <= theta);
    if (flip) theta = range;
    if (leave < 0 && !flip) {
      if (!phase1) {
        info.status = Status::Unbounded;
        break;
      }
      // Phase 1 cannot be unbounded: a numerically spoiled basis. Refactor and retry, then give up.
      if (++numericalRetries > 3 || !factorize(info)) {
        info.status = Status::NumericalError;
        break;
      }
      computeBasicValues();
      sinceRefactor = 0;
      dualsValid = false;
      continue;
    }

    ++info.iterations;
    if (phase1) ++info.phase1Iterations;
    degenerateRun = theta <= kDegenerateStep ? degenerateRun + 1 : 0;
    const double step = dir * theta;
    if (step != 0.0) {
      for (int r = 0; r < m; ++r) w_.x[w_.basisIdx[r]] -= step * w_.alpha[r];
    }
    if (flip) {
      const bool up = dir > 0.0;
      w_.status[q] = up ? bs::kUpper : bs::kLower;
      w_.x[q] = up ? w_.up[q] : w_.lo[q];
      continue;
    }
    w_.x[q] += step;
    const int outVar = w_.basisIdx[leave];
    // Primal steepest-edge weights (Goldfarb-Reid update; exact from the all-logical start). With
    // rho = row `leave` of B^-1,
    // the pivot row alpha_rj = rho'a_j, v = B^-T alpha_q and r_j = alpha_rj / alpha_rq:
    //   gamma_j <- max(gamma_j - 2 r_j a_j'v + r_j^2 gamma_q, 1 + r_j^2),  gamma_leave = gamma_q / alpha_rq^2.
    if (steepest) {
      const double* rho = w_.binv.data() + static_cast<size_t>(leave) * m;
      double* v = w_.wvec.data();
      std::fill(v, v + m, 0.0);
      double gq = 1.0;
      for (int r = 0; r < m; ++r) {
        const double ar = w_.alpha[r];
        gq += ar * ar;
        if (ar == 0.0) continue;
        const double* br = w_.binv.data() + static_cast<size_t>(r) * m;
        for (int i = 0; i < m; ++i) v[i] += ar * br[i];
      }
      double* pr = w_.prow.data();
      double* aw = w_.aw.data();
      std::fill(pr, pr + n, 0.0);
      std::fill(aw, aw + n, 0.0);
      for (int i = 0; i < m; ++i) {
        const double ri = rho[i], vi = v[i];
        const double* ai = p_.a + static_cast<size_t>(i) * n;
        for (int j = 0; j < n; ++j) {
          pr[j] += ri * ai[j];
          aw[j] += vi * ai[j];
        }
        pr[n + i] = -ri;
        aw[n + i] = -vi;
      }
      const double arq = w_.alpha[leave];
      for (int j = 0; j < N; ++j) {
        if (w_.status[j] == bs::kBasic || j == q || pr[j] == 0.0) continue;
        const double rj = pr[j] / arq;
        const double g = w_.weight[j] - 2.0 * rj * aw[j] + rj * rj * gq;
        w_.weight[j] = std::max(g, 1.0 + rj * rj);
      }
      w_.weight[outVar] = std::max(gq / (arq * arq), 1.0);
      if (!phase1) {
        // d_j -= (d_q / alpha_rq) alpha_rj for the nonbasic j; alpha_r,leave = 1.
        const double td = w_.d[q] / arq;
        for (int j = 0; j < N; ++j) {
          if (w_.status[j] == bs::kBasic || pr[j] == 0.0) continue;
          w_.d[j] -= td * pr[j];
        }
        w_.d[q] = 0.0;
        w_.d[outVar] = -td;
        dualsValid = true;
      }
    }
    w_.x[outVar] = leaveBound;
    w_.status[outVar] = w_.lo[outVar] == w_.up[outVar] ? bs::kLower : leaveStatus;
    w_.status[q] = bs::kBasic;
    w_.basisIdx[leave] = q;
    if (!steepest || phase1) dualsValid = false;  // only the steepest-edge branch updated them
    // Product-form update of the explicit inverse: pivot on alpha_leave.
    {
      double* br = w_.binv.data() + static_cast<size_t>(leave) * m;
      const double inv = 1.0 / w_.alpha[leave];
      for (int i = 0; i < m; ++i) br[i] *= inv;
      for (int r = 0; r < m; ++r) {
        if (r == leave) continue;
        const double f = w_.alpha[r];
        if (f == 0.0) continue;
        double* rr = w_.binv.data() + static_cast<size_t>(r) * m;
        for (int i = 0; i < m; ++i) rr[i] -= f * br[i];
      }
    }
    if (++sinceRefactor >= refactorEvery) {
      if (!factorize(info)) {
        info.status = Status::NumericalError;
        break;
      }
      computeBasicValues();
      sinceRefactor = 0;
      dualsValid = false;
    }
  }
  finish(out, info);
  return info;
}

// Writes the outputs and the residuals at the returned point. Duals are those of the phase-2
// costs for the final basis (meaningful when optimal).
void Simplex::finish(const Output& out, Info& info) {
  const int m = m_, n = n_;
  if (info.status != Status::NumericalError || static_cast<int>(w_.basisIdx.size()) == m) {
    computeDuals(false);
  }
  double obj = 0.0, pinf = 0.0, dinf = 0.0;
  for (int j = 0; j < n; ++j) {
    const double v = w_.x[j];
    obj += p_.c[j] * v;
    pinf = std::max(pinf, std::max(w_.lo[j] - v, v - w_.up[j]));
  }
  for (int i = 0; i < m; ++i) {
    const double* ai = p_.a + static_cast<size_t>(i) * n;
    double s = 0.0;
    for (int j = 0; j < n; ++j) s += ai[j] * w_.x[j];
    pinf = std::max(pinf, std::max(w_.lo[n + i] - s, s - w_.up[n + i]));
    if (out.rowActivity) out.rowActivity[i] = s;
  }
  for (int j = 0; j < n + m; ++j) {
    const int8_t st = w_.status[j];
    const double dj = w_.d[j];
    if (st == bs::kBasic || w_.lo[j] == w_.up[j]) continue;
    if (st == bs::kLower) dinf = std::max(dinf, -dj);
    else if (st == bs::kUpper) dinf = std::max(dinf, dj);
    else dinf = std::max(dinf, std::fabs(dj));
  }
  info.objective = obj;
  info.primalInfeasibility = std::max(0.0, pinf);
  info.dualInfeasibility = std::max(0.0, dinf);
  if (out.x) std::copy(w_.x.begin(), w_.x.begin() + n, out.x);
  if (out.rowDual) std::copy(w_.y.begin(), w_.y.begin() + m, out.rowDual);
  if (out.colDual) std::copy(w_.d.begin(), w_.d.begin() + n, out.colDual);
  if (out.basis) std::copy(w_.status.begin(), w_.status.begin() + n + m, out.basis);
}

}  // namespace

std::string validate(const Problem& p, bool checkMatrix) {
  std::ostringstream os;
  if (p.m < 0 || p.n < 0) {
    os << "shape: m = " << p.m << ", n = " << p.n << ", expected non-negative";
    return os.str();
  }
  if ((p.m > 0 && p.n > 0 && !p.a) || (p.n > 0 && (!p.c || !p.colLower || !p.colUpper)) ||
      (p.m > 0 && (!p.rowLower || !p.rowUpper))) {
    return "missing array (a, c, colLower, colUpper, rowLower, rowUpper are required)";
  }
  const size_t mn = checkMatrix ? static_cast<size_t>(p.m) * p.n : 0;
  for (size_t k = 0; k < mn; ++k) {
    if (!std::isfinite(p.a[k])) {
      os << "a[" << k << "] (row " << k / p.n << ", column " << k % p.n << ") = " << p.a[k] << ", expected finite";
      return os.str();
    }
  }
  for (int j = 0; j < p.n; ++j) {
    if (!std::isfinite(p.c[j])) {
      os << "c[" << j << "] = " << p.c[j] << ", expected finite";
      return os.str();
    }
    const double lo = p.colLower[j], up = p.colUpper[j];
    if (std::isnan(lo) || std::isnan(up) || lo > up || lo == kInf || up == -kInf) {
      os << "column " << j << " bounds [" << lo << ", " << up << "], expected lower <= upper, lower < +inf, upper > -inf";
      return os.str();
    }
  }
  for (int i = 0; i < p.m; ++i) {
    const double lo = p.rowLower[i], up = p.rowUpper[i];
    if (std::isnan(lo) || std::isnan(up) || lo > up || lo == kInf || up == -kInf) {
      os << "row " << i << " bounds [" << lo << ", " << up << "], expected lower <= upper, lower < +inf, upper > -inf";
      return os.str();
    }
  }
  if (p.basis) {
    for (int j = 0; j < p.n + p.m; ++j) {
      if (p.basis[j] < 0 || p.basis[j] > 3) {
        os << "basis[" << j << "] = " << static_cast<int>(p.basis[j]) << ", expected 0 (lower), 1 (basic), 2 (upper) or 3 (zero)";
        return os.str();
      }
    }
  }
  return {};
}

Info solve(const Problem& p, const Settings& s, const Output& out, Workspace* ws, const volatile int32_t* cancel) {
  Workspace local;
  Simplex sx(p, s, ws ? *ws : local, cancel);
  return sx.run(out);
}

void solveBatch(const Problem* problems, const Output* outs, Info* infos, size_t count, const Settings& s,
                const BatchOptions& opt) {
  if (count == 0) return;
  const size_t chainLength = static_cast<size_t>(std::max(1, opt.chainLength));
  const size_t chains = (count + chainLength - 1) / chainLength;
  size_t threads = opt.threads > 0 ? static_cast<size_t>(opt.threads)
                                   : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, chains);
  std::atomic<size_t> next{0};
  auto work = [&]() {
    Workspace ws;
    std::vector<int8_t> chainBasis;
    for (;;) {
      const size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chains) return;
      const size_t begin = c * chainLength, end = std::min(count, begin + chainLength);
      for (size_t k = begin; k < end; ++k) {
        Problem p = problems[k];
        if (opt.chainWarmStart && !p.basis && k > begin && infos[k - 1].status == Status::Optimal &&
            problems[k - 1].m == p.m && problems[k - 1].n == p.n) {
          p.basis = chainBasis.data();
        }
        Output o = outs[k];
        // Keep this problem's final basis for the next one of the chain even if not requested.
        std::vector<int8_t> own;
        if (opt.chainWarmStart && !o.basis) {
          own.resize(static_cast<size_t>(p.n) + p.m);
          o.basis = own.data();
        }
        infos[k] = solve(p, s, o, &ws, opt.cancel);
        if (opt.chainWarmStart) chainBasis.assign(o.basis, o.basis + p.n + p.m);
      }
    }
  };
  if (threads <= 1) {
    work();
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
}

}  // namespace dense_lp
}  // namespace hppo
