// Internal to the ADMM core: the solver workspace shared by admm.cc (setup, iteration,
// certificates), admm_scaling.cc (Ruiz equilibration) and admm_polish.cc (polishing).
// Not part of the public API (admm.h). One Solver per solve, used by one thread.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "admm.h"
#include "admm_costs.h"
#include "admm_linsys.h"

namespace hppo::admm::detail {

using Clock = std::chrono::steady_clock;
inline double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

inline double nrmInf(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

inline CostView costOf(const Costs& c, std::int32_t j) {
  CostView f;
  if (!c.any()) return f;
  f.x0 = c.x0.empty() ? 0.0 : c.x0[j];
  if (!c.pwlPtr.empty() && c.pwlPtr[j + 1] > c.pwlPtr[j]) {
    f.kind = 2;
  } else if (!c.pwlPtr.empty() && c.pwlSlopes[c.pwlPtr[j] + j] != 0) {
    f.kind = 2;  // a pure linear cost (no breakpoints)
  }
  if (f.kind == 2) {
    f.nb = static_cast<int>(c.pwlPtr[j + 1] - c.pwlPtr[j]);
    f.breaks = c.pwlBreaks.data() + c.pwlPtr[j];
    f.slopes = c.pwlSlopes.data() + c.pwlPtr[j] + j;
    return f;
  }
  f.buy = c.buy.empty() ? 0.0 : c.buy[j];
  f.sell = c.sell.empty() ? 0.0 : c.sell[j];
  f.quad = c.quad.empty() ? 0.0 : c.quad[j];
  f.impact = c.impact.empty() ? 0.0 : c.impact[j];
  if (f.buy != 0 || f.sell != 0 || f.quad != 0 || f.impact != 0) f.kind = 1;
  return f;
}

// Symmetric y = P x from the upper triangle.
inline void symUpperMul(const Csc& P, const double* x, double* y, std::int32_t n) {
  std::fill(y, y + n, 0.0);
  if (P.nnz() == 0) return;
  for (std::int32_t j = 0; j < n; ++j)
    for (std::int64_t p = P.colPtr[j]; p < P.colPtr[j + 1]; ++p) {
      std::int32_t i = P.rowIdx[p];
      double v = P.values[p];
      y[i] += v * x[j];
      if (i != j) y[j] += v * x[i];
    }
}

inline void factorMul(std::int32_t n, std::int32_t k, const double* F, const double* d, const double* x, double* y,
               std::vector<double>& tmp) {
  tmp.assign(k, 0.0);
  for (std::int32_t i = 0; i < n; ++i) {
    const double* fi = F + static_cast<std::int64_t>(i) * k;
    double xi = x[i];
    for (std::int32_t a = 0; a < k; ++a) tmp[a] += xi * fi[a];
  }
  for (std::int32_t i = 0; i < n; ++i) {
    const double* fi = F + static_cast<std::int64_t>(i) * k;
    double s = 0;
    for (std::int32_t a = 0; a < k; ++a) s += fi[a] * tmp[a];
    y[i] = s + (d ? d[i] * x[i] : 0.0);
  }
}

struct RowKind {
  static constexpr int kLoose = 0, kIneq = 1, kEq = 2;
};
inline int kindOf(double l, double u) {
  if (std::isinf(l) && std::isinf(u)) return RowKind::kLoose;
  if (u - l <= 1e-4 * std::max(1.0, std::fabs(l))) return RowKind::kEq;
  return RowKind::kIneq;
}


class Solver {
 public:
  Solver(const Problem& p, const Settings& s, const Control& c) : p_(p), s_(s), c_(c) {}

  void run(Solution* sol, Info* info);

 private:
  void setupScaled();
  void ruiz();
  void setRho(double rho);
  bool refactor(std::string* err) { return lin_->factor(s_.sigma, rhoA_.data(), rhoX_.data(), err); }
  void mulP(const double* x, double* y) {
    if (factor_) factorMul(n_, k_, Fs_.data(), ds_.data(), x, y, ptmp_);
    else symUpperMul(Ps_, x, y, n_);
  }
  void mulA(const double* x, double* y) {
    for (std::int32_t i = 0; i < m_; ++i) {
      double s = 0;
      for (std::int64_t p = Ar_.rowPtr[i]; p < Ar_.rowPtr[i + 1]; ++p) s += Ar_.values[p] * x[Ar_.colIdx[p]];
      y[i] = s;
    }
  }
  void mulAT(const double* y, double* x) {  // x = A' y
    for (std::int32_t j = 0; j < n_; ++j) {
      double s = 0;
      for (std::int64_t p = As_.colPtr[j]; p < As_.colPtr[j + 1]; ++p) s += As_.values[p] * y[As_.rowIdx[p]];
      x[j] = s;
    }
  }
  void proxZx(const double* v, double* z, int* code);
  struct Residuals {
    double prim, dual, epsPrim, epsDual, primNorm, dualNorm;
    double primS, dualS, primNormS, dualNormS;  // the same in the scaled problem (for the rho estimate)
  };
  Residuals residuals(const std::vector<double>& x, const std::vector<double>& zA, const std::vector<double>& zx,
                      const std::vector<double>& yA, const std::vector<double>& yx);
  bool primalInfeasible();
  bool dualInfeasible();
  bool polish(Info* info, double primAdmm, double dualAdmm);
  void nullSpaceMultipliers(const std::vector<int>& fixX, const std::vector<int>& actA, std::vector<double>& yA);
  void unscaleInto(Solution* sol);
  double dualObjective(const Solution& sol, const std::vector<double>& Px);

  const Problem& p_;
  Settings s_;
  const Control& c_;
  std::int32_t n_ = 0, m_ = 0, k_ = 0;
  bool factor_ = false;
  // Scaled data.
  Csc Ps_, As_;
  Csr Ar_;
  std::vector<double> Fs_, ds_, qs_, ls_, us_;
  std::vector<double> D_, E_;
  double c_scale_ = 1.0;
  std::vector<CostView> cost_;
  std::vector<double> lb_, ub_;  // original-space variable bounds (+/-inf when absent)
  std::vector<int> rowKind_, varKind_;
  std::unique_ptr<LinSys> lin_;
  double rho_ = 0.1;
  std::vector<double> rhoA_, rhoX_;
  // Iterates (scaled).
  std::vector<double> x_, zA_, zx_, yA_, yx_, xt_, ztA_, rhs_, tmpM_, tmpN_, tmpN2_, ptmp_;
  std::vector<int> code_;
  std::vector<double> xPrev_, yAPrev_, yxPrev_;
  std::vector<double> certX_, certYA_, certYx_;
};

}  // namespace hppo::admm::detail
