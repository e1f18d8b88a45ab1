// ADMM solver (OSQP-style), see admm.h.
//
// Splitting: x in R^n, z = (zA, zx) = (A x, x). g(z) = I[l,u](zA) + sum_j f_j(zx_j) + I[lb,ub](zx_j).
// Iteration k (scaled space, rho per row, over-relaxation alpha):
//   (P + sigma I + A' RA A + RX) xt = sigma x - q + A'(RA zA - yA) + (RX zx - yx)
//   x   <- alpha xt + (1-alpha) x
//   vA  =  alpha A xt + (1-alpha) zA ;  zA <- clip(vA + yA/rhoA) ;  yA += rhoA (vA - zA)
//   vx  =  alpha xt   + (1-alpha) zx ;  zx <- prox_{g_x/rhoX}(vx + yx/rhoX) ; yx += rhoX (vx - zx)
// Scaling: x = D xh, A-rows scaled by E, identity rows by 1/D (so they stay identity), cost by c.
#include "admm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

#include "admm_costs.h"
#include "admm_linsys.h"

namespace hppo::admm {

const char* statusName(int status) {
  switch (status) {
    case Status::kSolved: return "optimal";
    case Status::kSolvedInaccurate: return "optimal_inaccurate";
    case Status::kPrimalInfeasible: return "primal_infeasible";
    case Status::kDualInfeasible: return "dual_infeasible";
    case Status::kMaxIterations: return "iteration_limit";
    case Status::kTimeLimit: return "time_limit";
    case Status::kCancelled: return "cancelled";
    case Status::kNonConvex: return "non_convex";
    case Status::kInvalid: return "invalid";
    default: return "unknown";
  }
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double nrmInf(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

CostView costOf(const Costs& c, std::int32_t j) {
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
void symUpperMul(const Csc& P, const double* x, double* y, std::int32_t n) {
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

void factorMul(std::int32_t n, std::int32_t k, const double* F, const double* d, const double* x, double* y,
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
int kindOf(double l, double u) {
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

void Solver::ruiz() {
  D_.assign(n_, 1.0);
  E_.assign(m_, 1.0);
  c_scale_ = 1.0;
  std::vector<double> colN(n_), rowN(m_), dt(n_), et(m_);
  auto pColNorms = [&](std::vector<double>& out) {
    std::fill(out.begin(), out.end(), 0.0);
    if (factor_) {
      for (std::int32_t i = 0; i < n_; ++i) {  // diagonal as the column-norm estimate (N^2 k exact cost avoided)
        const double* fi = Fs_.data() + static_cast<std::int64_t>(i) * k_;
        double s = ds_.empty() ? 0.0 : ds_[i];
        for (std::int32_t a = 0; a < k_; ++a) s += fi[a] * fi[a];
        out[i] = s;
      }
    } else if (Ps_.nnz() > 0) {
      for (std::int32_t j = 0; j < n_; ++j)
        for (std::int64_t p = Ps_.colPtr[j]; p < Ps_.colPtr[j + 1]; ++p) {
          double v = std::fabs(Ps_.values[p]);
          out[j] = std::max(out[j], v);
          out[Ps_.rowIdx[p]] = std::max(out[Ps_.rowIdx[p]], v);
        }
    }
  };
  for (int it = 0; it < s_.scalingIters; ++it) {
    pColNorms(colN);
    for (std::int32_t j = 0; j < n_; ++j) {
      double a = 1.0;  // the identity row x = z
      for (std::int64_t p = As_.colPtr[j]; p < As_.colPtr[j + 1]; ++p) a = std::max(a, std::fabs(As_.values[p]));
      colN[j] = std::max(colN[j], a);
    }
    std::fill(rowN.begin(), rowN.end(), 0.0);
    for (std::int64_t p = 0; p < As_.nnz(); ++p) rowN[As_.rowIdx[p]] = std::max(rowN[As_.rowIdx[p]], std::fabs(As_.values[p]));
    for (std::int32_t j = 0; j < n_; ++j) dt[j] = 1.0 / std::sqrt(std::clamp(colN[j], 1e-4, 1e4));
    for (std::int32_t i = 0; i < m_; ++i) et[i] = rowN[i] == 0 ? 1.0 : 1.0 / std::sqrt(std::clamp(rowN[i], 1e-4, 1e4));
    // Apply.
    if (factor_) {
      for (std::int32_t i = 0; i < n_; ++i) {
        double* fi = Fs_.data() + static_cast<std::int64_t>(i) * k_;
        for (std::int32_t a = 0; a < k_; ++a) fi[a] *= dt[i];
        if (!ds_.empty()) ds_[i] *= dt[i] * dt[i];
      }
    } else {
      for (std::int32_t j = 0; j < n_ && Ps_.nnz() > 0; ++j)
        for (std::int64_t p = Ps_.colPtr[j]; p < Ps_.colPtr[j + 1]; ++p) Ps_.values[p] *= dt[j] * dt[Ps_.rowIdx[p]];
    }
    for (std::int32_t j = 0; j < n_; ++j)
      for (std::int64_t p = As_.colPtr[j]; p < As_.colPtr[j + 1]; ++p) As_.values[p] *= dt[j] * et[As_.rowIdx[p]];
    for (std::int32_t j = 0; j < n_; ++j) { qs_[j] *= dt[j]; D_[j] *= dt[j]; }
    for (std::int32_t i = 0; i < m_; ++i) E_[i] *= et[i];
  }
  // Cost scaling.
  pColNorms(colN);
  double mean = 0;
  for (double v : colN) mean += v;
  mean /= std::max<std::int32_t>(n_, 1);
  double cs = std::max(mean, nrmInf(qs_));
  if (s_.scalingIters > 0 && cs > 0) {
    c_scale_ = 1.0 / std::clamp(cs, 1e-4, 1e4);
    if (factor_) {
      double sq = std::sqrt(c_scale_);
      for (double& v : Fs_) v *= sq;
      for (double& v : ds_) v *= c_scale_;
    } else {
      for (double& v : Ps_.values) v *= c_scale_;
    }
    for (double& v : qs_) v *= c_scale_;
  }
}

void Solver::setupScaled() {
  n_ = p_.n;
  m_ = p_.m;
  factor_ = p_.pForm == PForm::kFactor;
  k_ = factor_ ? p_.k : 0;
  if (factor_) {
    Fs_ = p_.F;
    ds_ = p_.d.empty() ? std::vector<double>(n_, 0.0) : p_.d;
  } else if (p_.pSparse.nnz() > 0) {
    Ps_ = p_.pSparse;
  }
  if (m_ > 0) {
    As_ = p_.A;
  } else {
    As_.rows = 0;
    As_.cols = n_;
    As_.colPtr.assign(static_cast<std::size_t>(n_) + 1, 0);
  }
  qs_ = p_.q;
  ruiz();
  Ar_ = toCsr(As_);
  ls_.resize(m_);
  us_.resize(m_);
  for (std::int32_t i = 0; i < m_; ++i) { ls_[i] = p_.l[i] * E_[i]; us_[i] = p_.u[i] * E_[i]; }
  lb_ = p_.lb.empty() ? std::vector<double>(n_, -kInf) : p_.lb;
  ub_ = p_.ub.empty() ? std::vector<double>(n_, kInf) : p_.ub;
  cost_.resize(n_);
  for (std::int32_t j = 0; j < n_; ++j) cost_[j] = costOf(p_.costs, j);
  rowKind_.resize(m_);
  for (std::int32_t i = 0; i < m_; ++i) rowKind_[i] = kindOf(p_.l[i], p_.u[i]);
  varKind_.resize(n_);
  for (std::int32_t j = 0; j < n_; ++j) {
    int kd = kindOf(lb_[j], ub_[j]);
    if (kd == RowKind::kLoose && cost_[j].kind != 0) kd = RowKind::kIneq;
    varKind_[j] = kd;
  }
}

void Solver::setRho(double rho) {
  rho_ = std::clamp(rho, s_.rhoMin, s_.rhoMax);
  auto r = [&](int kind) {
    return kind == RowKind::kLoose ? s_.rhoMin : kind == RowKind::kEq ? std::min(s_.eqRhoFactor * rho_, 1e6 * s_.eqRhoFactor) : rho_;
  };
  rhoA_.resize(m_);
  rhoX_.resize(n_);
  for (std::int32_t i = 0; i < m_; ++i) rhoA_[i] = r(rowKind_[i]);
  for (std::int32_t j = 0; j < n_; ++j) rhoX_[j] = r(varKind_[j]);
}

void Solver::proxZx(const double* v, double* z, int* code) {
  // v, z in scaled space: w = D zh; prox of c f(D zh) with step rhoX is the prox of f with r = rhoX/(c D^2).
  for (std::int32_t j = 0; j < n_; ++j) {
    double Dj = D_[j];
    double r = rhoX_[j] / (c_scale_ * Dj * Dj);
    z[j] = proxCost(cost_[j], lb_[j], ub_[j], Dj * v[j], r, &code[j]) / Dj;
  }
}

Solver::Residuals Solver::residuals(const std::vector<double>& x, const std::vector<double>& zA,
                                    const std::vector<double>& zx, const std::vector<double>& yA,
                                    const std::vector<double>& yx) {
  Residuals r{};
  mulA(x.data(), tmpM_.data());
  double prim = 0, nAx = 0, nz = 0;
  double pS = 0, nS = 0;
  for (std::int32_t i = 0; i < m_; ++i) {
    double ei = 1.0 / E_[i];
    pS = std::max(pS, std::fabs(tmpM_[i] - zA[i]));
    nS = std::max({nS, std::fabs(tmpM_[i]), std::fabs(zA[i])});
    prim = std::max(prim, std::fabs(tmpM_[i] - zA[i]) * ei);
    nAx = std::max(nAx, std::fabs(tmpM_[i]) * ei);
    nz = std::max(nz, std::fabs(zA[i]) * ei);
  }
  for (std::int32_t j = 0; j < n_; ++j) {
    pS = std::max(pS, std::fabs(x[j] - zx[j]));
    nS = std::max({nS, std::fabs(x[j]), std::fabs(zx[j])});
    prim = std::max(prim, std::fabs(x[j] - zx[j]) * D_[j]);
    nAx = std::max(nAx, std::fabs(x[j]) * D_[j]);
    nz = std::max(nz, std::fabs(zx[j]) * D_[j]);
  }
  mulP(x.data(), tmpN_.data());
  mulAT(yA.data(), tmpN2_.data());
  double dual = 0, nPx = 0, nAy = 0, nq = 0, dS = 0, dnS = 0;
  for (std::int32_t j = 0; j < n_; ++j) {
    double s = 1.0 / (c_scale_ * D_[j]);
    double aty = tmpN2_[j] + yx[j];
    dS = std::max(dS, std::fabs(tmpN_[j] + qs_[j] + aty));
    dnS = std::max({dnS, std::fabs(tmpN_[j]), std::fabs(aty), std::fabs(qs_[j])});
    dual = std::max(dual, std::fabs(tmpN_[j] + qs_[j] + aty) * s);
    nPx = std::max(nPx, std::fabs(tmpN_[j]) * s);
    nAy = std::max(nAy, std::fabs(aty) * s);
    nq = std::max(nq, std::fabs(qs_[j]) * s);
  }
  r.prim = prim;
  r.dual = dual;
  r.primNorm = std::max(nAx, nz);
  r.dualNorm = std::max({nPx, nAy, nq});
  r.primS = pS;
  r.primNormS = nS;
  r.dualS = dS;
  r.dualNormS = dnS;
  r.epsPrim = s_.epsAbs + s_.epsRel * r.primNorm;
  r.epsDual = s_.epsAbs + s_.epsRel * r.dualNorm;
  return r;
}

// delta y projected on the polar of the recession cone of the constraint set, in the original
// space; certificate when ||A'dy||_inf small and the support function negative.
bool Solver::primalInfeasible() {
  std::vector<double>& dyA = certYA_;
  std::vector<double>& dyx = certYx_;
  dyA.resize(m_);
  dyx.resize(n_);
  double nrm = 0;
  for (std::int32_t i = 0; i < m_; ++i) {
    double v = (yA_[i] - yAPrev_[i]) * E_[i];
    if (std::isinf(p_.u[i])) v = std::min(v, 0.0);
    if (std::isinf(p_.l[i])) v = std::max(v, 0.0);
    dyA[i] = v;
    nrm = std::max(nrm, std::fabs(v));
  }
  for (std::int32_t j = 0; j < n_; ++j) {
    double v = (yx_[j] - yxPrev_[j]) / D_[j];
    if (std::isinf(ub_[j])) v = std::min(v, 0.0);
    if (std::isinf(lb_[j])) v = std::max(v, 0.0);
    dyx[j] = v;
    nrm = std::max(nrm, std::fabs(v));
  }
  if (!(nrm > 1e-30)) return false;
  double eps = s_.epsPrimInf * nrm;
  double supp = 0;
  for (std::int32_t i = 0; i < m_; ++i) {
    double v = dyA[i];
    if (v > 0) supp += p_.u[i] * v;
    else if (v < 0) supp += p_.l[i] * v;
  }
  for (std::int32_t j = 0; j < n_; ++j) {
    double v = dyx[j];
    if (v > 0) supp += ub_[j] * v;
    else if (v < 0) supp += lb_[j] * v;
  }
  if (!(supp < -eps)) return false;
  // A' dy (original) = D^-1 Ah' (E^-1 dyA ... ) ; compute with original-space scaling folded in.
  for (std::int32_t i = 0; i < m_; ++i) tmpM_[i] = dyA[i] / E_[i];  // back to scaled-row units
  mulAT(tmpM_.data(), tmpN_.data());
  double at = 0;
  for (std::int32_t j = 0; j < n_; ++j) at = std::max(at, std::fabs(tmpN_[j] / D_[j] + dyx[j]));
  return at <= eps;
}

bool Solver::dualInfeasible() {
  std::vector<double>& dx = certX_;
  dx.resize(n_);
  double nrm = 0;
  for (std::int32_t j = 0; j < n_; ++j) {
    dx[j] = (x_[j] - xPrev_[j]) * D_[j];
    nrm = std::max(nrm, std::fabs(dx[j]));
  }
  if (!(nrm > 1e-30)) return false;
  double eps = s_.epsDualInf * nrm;
  double qd = 0;
  for (std::int32_t j = 0; j < n_; ++j) {
    qd += p_.q[j] * dx[j];
    double rec = costRecession(cost_[j], std::fabs(dx[j]) <= eps ? 0.0 : dx[j]);
    if (std::isinf(rec)) return false;
    qd += rec;
  }
  if (!(qd < -eps)) return false;
  for (std::int32_t j = 0; j < n_; ++j) {
    double v = dx[j];
    if (std::isfinite(ub_[j]) && v > eps) return false;
    if (std::isfinite(lb_[j]) && v < -eps) return false;
  }
  for (std::int32_t j = 0; j < n_; ++j) tmpN2_[j] = x_[j] - xPrev_[j];
  mulA(tmpN2_.data(), tmpM_.data());
  for (std::int32_t i = 0; i < m_; ++i) {
    double v = tmpM_[i] / E_[i];
    if (std::isfinite(p_.u[i]) && v > eps) return false;
    if (std::isfinite(p_.l[i]) && v < -eps) return false;
  }
  mulP(tmpN2_.data(), tmpN_.data());
  for (std::int32_t j = 0; j < n_; ++j)
    if (std::fabs(tmpN_[j] / (c_scale_ * D_[j])) > eps) return false;
  return true;
}

// Polishing: start from the active set of the last z-update (z exactly on a bound or a kink; rows
// clipped to l or u), solve the equality-constrained QP on it by a penalty on the same linear-system
// machinery (fixed variables and active rows get a large rho, free rows none, free variables keep
// the linear/quadratic piece of their cost), with iterative refinement; then correct the active set
// (primal-dual active-set rounds: free what has a multiplier outside its subdifferential, fix what
// left its box or crossed a kink) and repeat. Accepted only when the point is feasible, its residuals
// are no worse than ADMM's and every multiplier lies in its subdifferential: a genuine optimality
// certificate, so a wrong guess costs time, never accuracy.
bool Solver::polish(Info* info, double primAdmm, double dualAdmm) {
  const double big = 1e13, rowRho = 1e4, tiny = 1e-10, delta = 1e-7;
  bool anyImpact = false;
  for (std::int32_t j = 0; j < n_ && !anyImpact; ++j) anyImpact = cost_[j].kind == 1 && cost_[j].impact > 0;
  // Active-set rounds; with 3/2-power costs the free pieces are nonlinear and the same rounds are
  // Newton steps on their local quadratic models.
  const int maxRounds = anyImpact ? 16 : 4;
  std::vector<double> rA(m_), rX(n_), tA(m_, 0.0), wFix(n_, 0.0), slope(n_, 0.0), glin(n_, 0.0), wLin(n_, 0.0);
  std::vector<int> actA(m_, 0), fixX(n_, 0), side(n_, 0);
  for (std::int32_t i = 0; i < m_; ++i) {
    bool atL = zA_[i] == ls_[i], atU = zA_[i] == us_[i];
    if (rowKind_[i] == RowKind::kEq) actA[i] = 3;
    else if (atL) actA[i] = 1;
    else if (atU) actA[i] = 2;
  }
  // PWL: slope of the piece right/left of w. Standard costs: the piece is given by side (+1: t > 0).
  auto rightSlope = [&](std::int32_t j, double w) {
    double lo = 0, hi = 0;
    costSubdiff(cost_[j], w, &lo, &hi);
    return hi;
  };
  auto leftSlope = [&](std::int32_t j, double w) {
    double lo = 0, hi = 0;
    costSubdiff(cost_[j], w, &lo, &hi);
    return lo;
  };
  // Derivative and curvature of a standard cost on the piece `sd` at w (t kept off the kink).
  auto stdModel = [&](std::int32_t j, int sd, double w, double* g, double* h) {
    const CostView& f = cost_[j];
    double t = w - f.x0;
    double tmin = 1e-10 * (1.0 + std::fabs(f.x0));
    if (sd > 0) t = std::max(t, tmin);
    if (sd < 0) t = std::min(t, -tmin);
    double at = std::fabs(t);
    double sg = sd > 0 ? 1.0 : sd < 0 ? -1.0 : 0.0;
    *g = (sd > 0 ? f.buy : sd < 0 ? -f.sell : 0.0) + f.quad * t + sg * 1.5 * f.impact * std::sqrt(at);
    *h = f.quad + (f.impact > 0 && at > 0 ? 0.75 * f.impact / std::sqrt(at) : 0.0);
  };
  for (std::int32_t j = 0; j < n_; ++j) {
    double w = D_[j] * zx_[j];
    if (code_[j] != ProxCode::kInterior) {
      fixX[j] = 1;
      wFix[j] = code_[j] == ProxCode::kLower ? lb_[j] : code_[j] == ProxCode::kUpper ? ub_[j] : w;
      if (code_[j] == ProxCode::kKink) {  // the exact kink (w = D zh loses the last bits)
        const CostView& f = cost_[j];
        double best = f.x0;
        for (int b = 0; b < f.nb; ++b)
          if (std::fabs(f.x0 + f.breaks[b] - w) < std::fabs(best - w)) best = f.x0 + f.breaks[b];
        wFix[j] = best;
      }
    } else {
      const CostView& f = cost_[j];
      wLin[j] = w;
      if (f.kind == 1) side[j] = w > f.x0 ? 1 : w < f.x0 ? -1 : 0;
      else if (f.kind == 2) slope[j] = w >= f.x0 ? rightSlope(j, w) : leftSlope(j, w);
    }
  }
  std::vector<double> rhs0(n_), xp(x_), r(n_), ax(m_), tmp(m_), yA(m_), yx(n_), zA(m_), zx(n_);
  Residuals res{};
  bool ok = false;
  std::string err;
  for (int round = 0; round < maxRounds; ++round) {
    for (std::int32_t i = 0; i < m_; ++i) {
      if (actA[i]) {
        rA[i] = rowRho;
        tA[i] = actA[i] == 1 ? ls_[i] : actA[i] == 2 ? us_[i] : std::clamp(zA_[i], ls_[i], us_[i]);
      } else {
        rA[i] = tiny;
      }
    }
    for (std::int32_t j = 0; j < n_; ++j) {
      double Dj = D_[j];
      if (fixX[j]) { rX[j] = big; glin[j] = 0; continue; }
      const CostView& f = cost_[j];
      double g = 0, h = 0;
      if (f.kind == 1) stdModel(j, side[j], wLin[j], &g, &h);
      else if (f.kind == 2) g = slope[j];
      // f'(w) ~ g + h (w - wLin), in the scaled variable zh = w / D, times the cost scale c.
      rX[j] = c_scale_ * Dj * Dj * h;
      glin[j] = f.kind == 0 ? 0.0 : c_scale_ * Dj * (g - h * wLin[j]);
    }
    if (!lin_->factor(delta, rA.data(), rX.data(), &err)) return false;
    // Exact KKT on the active rows by iterative refinement on the regularized system:
    //   [H, Aa'; Aa, 0] [x; y] = [-q - glin + rX wFix; tA]   with H = P + diag(rX)
    // correction: (H + delta I + A' RA A) dx = e1 + A' RA e2,  dy = RA (A dx - e2).
    for (std::int32_t j = 0; j < n_; ++j) rhs0[j] = -qs_[j] - glin[j] + (fixX[j] ? rX[j] * wFix[j] / D_[j] : 0.0);
    // Start the multipliers at ADMM's: when the active rows are degenerate on the free variables
    // (e.g. the budget row equal to the sum of group rows) y is not unique and the refinement keeps
    // the null-space component of its start, i.e. ADMM's sign-consistent choice.
    for (std::int32_t i = 0; i < m_; ++i) yA[i] = actA[i] ? yA_[i] : 0.0;
    double eScale = 1.0, ePrev = kInf;
    for (int it = 0; it < s_.polishRefineIters; ++it) {
      mulP(xp.data(), tmpN_.data());
      mulAT(yA.data(), tmpN2_.data());
      mulA(xp.data(), ax.data());
      double e = 0;
      for (std::int32_t j = 0; j < n_; ++j) {
        r[j] = rhs0[j] - (tmpN_[j] + rX[j] * xp[j] + tmpN2_[j]);
        if (!fixX[j]) e = std::max(e, std::fabs(r[j]));  // fixed ones are snapped afterwards
      }
      for (std::int32_t i = 0; i < m_; ++i) {
        tmp[i] = actA[i] ? tA[i] - ax[i] : 0.0;
        e = std::max(e, std::fabs(tmp[i]));
        tmp[i] *= rA[i];
      }
      if (it == 0) eScale = 1.0 + e;
      if (e <= 1e-12 * eScale || (it >= 3 && e > 0.5 * ePrev)) break;
      ePrev = e;
      mulAT(tmp.data(), tmpN2_.data());
      for (std::int32_t j = 0; j < n_; ++j) r[j] += tmpN2_[j];
      lin_->solve(r.data());
      mulA(r.data(), ax.data());
      for (std::int32_t j = 0; j < n_; ++j) xp[j] += r[j];
      for (std::int32_t i = 0; i < m_; ++i)
        if (actA[i]) yA[i] += rA[i] * ax[i] - tmp[i];
    }
    for (std::int32_t j = 0; j < n_; ++j)
      if (fixX[j]) xp[j] = wFix[j] / D_[j];  // exactly on its bound/kink (the penalty leaves ~force/big)
    mulA(xp.data(), ax.data());
    for (std::int32_t i = 0; i < m_; ++i) zA[i] = std::clamp(ax[i], ls_[i], us_[i]);
    nullSpaceMultipliers(fixX, actA, yA);
    mulP(xp.data(), tmpN_.data());
    mulAT(yA.data(), tmpN2_.data());
    bool newtonMoved = false;
    for (std::int32_t j = 0; j < n_; ++j) {
      if (fixX[j]) {
        yx[j] = -(tmpN_[j] + qs_[j] + tmpN2_[j]);  // exact stationarity on fixed variables
      } else if (cost_[j].kind == 1 && cost_[j].impact > 0) {
        // The true derivative at the new point (the model's is exact only at convergence).
        double w = xp[j] * D_[j], g = 0, h = 0;
        stdModel(j, side[j], w, &g, &h);
        yx[j] = c_scale_ * D_[j] * g;
        if (std::fabs(w - wLin[j]) > 1e-12 * (1.0 + std::fabs(w))) newtonMoved = true;
        wLin[j] = w;
      } else {
        yx[j] = rX[j] * xp[j] + glin[j];
      }
      zx[j] = std::clamp(xp[j] * D_[j], lb_[j], ub_[j]) / D_[j];
    }
    res = residuals(xp, zA, zx, yA, yx);
    // A polished point on the right active set is feasible to round-off, not just to eps.
    const double tolX = 1e-3 * res.epsPrim;
    ok = res.prim <= tolX && res.dual <= std::max(std::min(dualAdmm, res.epsDual), 1e-3 * res.epsDual);
    // Active-set corrections, in the original space with the tolerances as slack.
    double tolY = res.epsDual;
    bool changed = false;
    for (std::int32_t i = 0; i < m_; ++i) {
      double y = yA[i] * E_[i] / c_scale_, a = ax[i] / E_[i];
      if (actA[i] == 1 && y > tolY) { actA[i] = 0; changed = true; }
      else if (actA[i] == 2 && y < -tolY) { actA[i] = 0; changed = true; }
      else if (actA[i] == 0 && a > p_.u[i] + tolX) { actA[i] = 2; changed = true; }
      else if (actA[i] == 0 && a < p_.l[i] - tolX) { actA[i] = 1; changed = true; }
    }
    for (std::int32_t j = 0; j < n_; ++j) {
      const CostView& f = cost_[j];
      if (fixX[j]) {
        double y = yx[j] / (D_[j] * c_scale_), w = wFix[j], lo = 0, hi = 0;
        costSubdiff(f, w, &lo, &hi);
        if (w <= lb_[j]) lo = -kInf;
        if (w >= ub_[j]) hi = kInf;
        if (y > hi + tolY) { fixX[j] = 0; slope[j] = rightSlope(j, w); side[j] = 1; wLin[j] = w; changed = true; }
        else if (y < lo - tolY) { fixX[j] = 0; slope[j] = leftSlope(j, w); side[j] = -1; wLin[j] = w; changed = true; }
        continue;
      }
      double w = xp[j] * D_[j];
      if (w < lb_[j] - tolX) { fixX[j] = 1; wFix[j] = lb_[j]; changed = true; continue; }
      if (w > ub_[j] + tolX) { fixX[j] = 1; wFix[j] = ub_[j]; changed = true; continue; }
      if (f.kind == 0) continue;
      // Left the piece its model was built on: fix at the kink it crossed.
      double lo = 0, hi = 0;
      costSubdiff(f, w, &lo, &hi);
      if (f.kind == 1) {
        double t = w - f.x0;
        if (!f.smoothAt0() && ((side[j] > 0 && t < -tolX) || (side[j] < 0 && t > tolX))) {
          fixX[j] = 1; wFix[j] = std::clamp(f.x0, lb_[j], ub_[j]); changed = true;
        }
      } else {
        if (slope[j] < lo - 1e-15 || slope[j] > hi + 1e-15) {
          // find the breakpoint between the current w and the piece of slope[j]
          double t = w - f.x0, bp = t;
          for (int b = 0; b < f.nb; ++b) {
            if (slope[j] <= f.slopes[b] && t > f.breaks[b]) { bp = f.breaks[b]; break; }
            if (slope[j] >= f.slopes[b + 1] && t < f.breaks[b]) bp = f.breaks[b];
          }
          fixX[j] = 1; wFix[j] = std::clamp(f.x0 + bp, lb_[j], ub_[j]); changed = true;
        }
      }
    }
    // Active rows that cannot be met with these fixed variables (their residual lies in the null
    // space of the free columns): free the fixed variable that can move towards feasibility at the
    // smallest price per unit of residual reduced (a dual ratio test).
    if (!changed) {
      double rmax = 0;
      for (std::int32_t i = 0; i < m_; ++i) {
        tmp[i] = actA[i] ? tA[i] - ax[i] : 0.0;
        rmax = std::max(rmax, std::fabs(tmp[i]) / E_[i]);
      }
      if (rmax > tolX) {
        mulAT(tmp.data(), r.data());  // r_j = a_j' residual: moving x_j along sign(r_j) reduces it
        double gmax = 0;
        for (std::int32_t j = 0; j < n_; ++j) if (fixX[j]) gmax = std::max(gmax, std::fabs(r[j]));
        std::int32_t pick = -1;
        double bestRatio = kInf;
        bool up = true;
        for (std::int32_t j = 0; j < n_; ++j) {
          if (!fixX[j] || std::fabs(r[j]) <= 1e-6 * gmax) continue;
          bool goUp = r[j] > 0;
          double w = wFix[j];
          if ((goUp && w >= ub_[j]) || (!goUp && w <= lb_[j])) continue;
          double y = yx[j] / (D_[j] * c_scale_), lo = 0, hi = 0;
          costSubdiff(cost_[j], w, &lo, &hi);
          double price = goUp ? std::max(hi - y, 0.0) : std::max(y - lo, 0.0);
          double ratio = price / std::fabs(r[j]);
          if (ratio < bestRatio) { bestRatio = ratio; pick = j; up = goUp; }
        }
        if (pick >= 0) {
          fixX[pick] = 0;
          slope[pick] = up ? rightSlope(pick, wFix[pick]) : leftSlope(pick, wFix[pick]);
          side[pick] = up ? 1 : -1;
          wLin[pick] = wFix[pick];
          changed = true;
        }
      }
    }
    if (!changed && !(newtonMoved && !ok)) break;
    ok = false;
  }
  if (!ok) return false;
  x_ = xp;
  zA_ = zA;
  zx_ = zx;
  yA_ = yA;
  yx_ = yx;
  info->primalResidual = res.prim;
  info->dualResidual = res.dual;
  return true;
}

// The multipliers of the active rows are unique only up to null(Af'), Af = active rows restricted
// to the free variables (e.g. the budget row = sum of the group rows when no money-market fund is
// free). The polish fixes x; along that null space move y back to ADMM's (sign-consistent) choice:
//   y = y_pol + (I - G (G + eps I)^-1)(y_admm - y_pol),  G = Af Af' (dense, active rows only).
void Solver::nullSpaceMultipliers(const std::vector<int>& fixX, const std::vector<int>& actA, std::vector<double>& yA) {
  std::vector<std::int32_t> rows;
  std::vector<std::int32_t> pos(m_, -1);
  for (std::int32_t i = 0; i < m_; ++i)
    if (actA[i]) { pos[i] = static_cast<std::int32_t>(rows.size()); rows.push_back(i); }
  const std::size_t r = rows.size();
  if (r == 0 || r > 400) return;
  std::vector<double> G(r * r, 0.0);
  for (std::int32_t j = 0; j < n_; ++j) {
    if (fixX[j]) continue;
    for (std::int64_t p = As_.colPtr[j]; p < As_.colPtr[j + 1]; ++p) {
      std::int32_t a = pos[As_.rowIdx[p]];
      if (a < 0) continue;
      for (std::int64_t q = As_.colPtr[j]; q < As_.colPtr[j + 1]; ++q) {
        std::int32_t b = pos[As_.rowIdx[q]];
        if (b >= 0) G[a * r + b] += As_.values[p] * As_.values[q];
      }
    }
  }
  double gmax = 0;
  for (std::size_t a = 0; a < r; ++a) gmax = std::max(gmax, G[a * r + a]);
  std::vector<double> v(r), w(r), C(G);
  for (std::size_t a = 0; a < r; ++a) { v[a] = yA_[rows[a]] - yA[rows[a]]; C[a * r + a] += 1e-10 * std::max(gmax, 1e-300); }
  // Cholesky of C (SPD), then w = C^-1 v, correction = v - G w.
  for (std::size_t j = 0; j < r; ++j) {
    double d = C[j * r + j];
    for (std::size_t k = 0; k < j; ++k) d -= C[j * r + k] * C[j * r + k];
    if (!(d > 0)) return;
    d = std::sqrt(d);
    C[j * r + j] = d;
    for (std::size_t i = j + 1; i < r; ++i) {
      double x = C[i * r + j];
      for (std::size_t k = 0; k < j; ++k) x -= C[i * r + k] * C[j * r + k];
      C[i * r + j] = x / d;
    }
  }
  w = v;
  for (std::size_t i = 0; i < r; ++i) {
    for (std::size_t k = 0; k < i; ++k) w[i] -= C[i * r + k] * w[k];
    w[i] /= C[i * r + i];
  }
  for (std::size_t i = r; i-- > 0;) {
    for (std::size_t k = i + 1; k < r; ++k) w[i] -= C[k * r + i] * w[k];
    w[i] /= C[i * r + i];
  }
  for (std::size_t a = 0; a < r; ++a) {
    double gw = 0;
    for (std::size_t b = 0; b < r; ++b) gw += G[a * r + b] * w[b];
    yA[rows[a]] += v[a] - gw;
  }
}

void Solver::unscaleInto(Solution* sol) {
  sol->x.resize(n_);
  sol->y.resize(m_);
  sol->yVar.resize(n_);
  for (std::int32_t j = 0; j < n_; ++j) {
    sol->x[j] = x_[j] * D_[j];
    sol->yVar[j] = yx_[j] / (D_[j] * c_scale_);
  }
  for (std::int32_t i = 0; i < m_; ++i) sol->y[i] = yA_[i] * E_[i] / c_scale_;
}

double Solver::dualObjective(const Solution& sol, const std::vector<double>& Px) {
  double v = 0;
  for (std::int32_t j = 0; j < n_; ++j) v -= 0.5 * sol.x[j] * Px[j];
  for (std::int32_t i = 0; i < m_; ++i) {
    double y = sol.y[i];
    if (y > 0 && std::isfinite(p_.u[i])) v -= p_.u[i] * y;
    else if (y < 0 && std::isfinite(p_.l[i])) v -= p_.l[i] * y;
  }
  for (std::int32_t j = 0; j < n_; ++j) {
    double y = sol.yVar[j];
    double lo = lb_[j], hi = ub_[j];
    if (cost_[j].kind == 0) {
      if (y > 0 && std::isfinite(hi)) v -= hi * y;
      else if (y < 0 && std::isfinite(lo)) v -= lo * y;
      continue;
    }
    double cj = costBoxConjugate(cost_[j], lo, hi, y);
    if (std::isfinite(cj)) v -= cj;
    else return kInf;
  }
  return v;
}

void Solver::run(Solution* sol, Info* info) {
  auto t0 = Clock::now();
  setupScaled();
  x_.assign(n_, 0.0);
  zA_.assign(m_, 0.0);
  zx_.assign(n_, 0.0);
  yA_.assign(m_, 0.0);
  yx_.assign(n_, 0.0);
  xt_.assign(n_, 0.0);
  ztA_.assign(m_, 0.0);
  rhs_.assign(n_, 0.0);
  tmpM_.assign(m_, 0.0);
  tmpN_.assign(n_, 0.0);
  tmpN2_.assign(n_, 0.0);
  code_.assign(n_, 0);
  // Warm start (original space -> scaled).
  if (!s_.x0.empty())
    for (std::int32_t j = 0; j < n_; ++j) x_[j] = s_.x0[j] / D_[j];
  if (!s_.y0.empty())
    for (std::int32_t i = 0; i < m_; ++i) yA_[i] = c_scale_ * s_.y0[i] / E_[i];
  if (!s_.yVar0.empty())
    for (std::int32_t j = 0; j < n_; ++j) yx_[j] = c_scale_ * D_[j] * s_.yVar0[j];
  mulA(x_.data(), zA_.data());
  for (std::int32_t i = 0; i < m_; ++i) zA_[i] = std::clamp(zA_[i], ls_[i], us_[i]);
  for (std::int32_t j = 0; j < n_; ++j) zx_[j] = std::clamp(x_[j] * D_[j], lb_[j], ub_[j]) / D_[j];

  setRho(s_.rho);
  bool woodbury = factor_ && (k_ + m_) <= 1500;
  const char* device = "cpu/";
  if (s_.useCuda) {
    std::string why;
    if (woodbury) lin_ = makeCudaWoodbury(n_, k_, Fs_.data(), ds_.data(), &As_, &Ar_, s_.cudaDevice, &why);
    else why = "the CUDA path covers the factor form with k + m <= 1500 only";
    if (lin_) device = "cuda/";
    else info->warnings.push_back("device 'cuda': " + why + "; solved on the CPU");
  }
  if (lin_) {
  } else if (woodbury) {
    lin_ = makeWoodbury(n_, k_, Fs_.data(), ds_.data(), &As_, &Ar_);
  } else if (factor_) {
    lin_ = makeKktLdl(n_, nullptr, k_, Fs_.data(), ds_.data(), &As_);
  } else {
    lin_ = makeKktLdl(n_, &Ps_, 0, nullptr, nullptr, &As_);
  }
  info->backend = std::string(device) + lin_->name();
  std::string err;
  auto tf = Clock::now();
  if (!refactor(&err)) {
    info->status = Status::kNonConvex;
    info->message = err;
    return;
  }
  double factorSec = since(tf);
  info->setupSeconds = since(t0);
  auto ts = Clock::now();

  const double alpha = s_.alpha;
  std::vector<double> bestX, bestZA, bestZx, bestYA, bestYx;
  double bestMerit = kInf;
  std::int64_t rhoInterval = s_.adaptiveRhoInterval;
  std::int64_t lastRhoIter = 0;
  double lastProgress = -1e300;
  int status = 0;
  Residuals res{};
  std::int64_t iter = 0;
  xPrev_.assign(n_, 0.0);
  yAPrev_.assign(m_, 0.0);
  yxPrev_.assign(n_, 0.0);
  int continuations = 0;
  bool skipPolish = false;
  std::vector<double> solvedX, solvedZA, solvedZx, solvedYA, solvedYx;  // met the requested tolerance
  iter = 1;
 iterate:
  for (; iter <= s_.maxIter; ++iter) {
    bool check = iter % s_.checkInterval == 0 || iter == s_.maxIter;
    if (check) { xPrev_ = x_; yAPrev_ = yA_; yxPrev_ = yx_; }
    // rhs
    for (std::int32_t i = 0; i < m_; ++i) tmpM_[i] = rhoA_[i] * zA_[i] - yA_[i];
    mulAT(tmpM_.data(), rhs_.data());
    for (std::int32_t j = 0; j < n_; ++j) rhs_[j] += s_.sigma * x_[j] - qs_[j] + rhoX_[j] * zx_[j] - yx_[j];
    lin_->solve(rhs_.data());
    xt_.swap(rhs_);
    mulA(xt_.data(), ztA_.data());
    for (std::int32_t i = 0; i < m_; ++i) {
      double v = alpha * ztA_[i] + (1 - alpha) * zA_[i];
      double z = std::clamp(v + yA_[i] / rhoA_[i], ls_[i], us_[i]);
      yA_[i] += rhoA_[i] * (v - z);
      zA_[i] = z;
    }
    for (std::int32_t j = 0; j < n_; ++j) {
      double v = alpha * xt_[j] + (1 - alpha) * zx_[j];
      tmpN_[j] = v;
      x_[j] = alpha * xt_[j] + (1 - alpha) * x_[j];
    }
    for (std::int32_t j = 0; j < n_; ++j) tmpN2_[j] = tmpN_[j] + yx_[j] / rhoX_[j];
    proxZx(tmpN2_.data(), zx_.data(), code_.data());
    for (std::int32_t j = 0; j < n_; ++j) yx_[j] += rhoX_[j] * (tmpN_[j] - zx_[j]);

    if (c_.cancel && c_.cancel->load(std::memory_order_relaxed)) { status = Status::kCancelled; break; }
    double elapsed = since(t0);
    if (s_.timeLimitSec > 0 && elapsed >= s_.timeLimitSec) { status = Status::kTimeLimit; check = true; }
    if (!check) continue;

    res = residuals(x_, zA_, zx_, yA_, yx_);
    if (res.prim <= res.epsPrim && res.dual <= res.epsDual) { status = Status::kSolved; break; }
    double merit = std::max(res.prim / res.epsPrim, res.dual / res.epsDual);
    if (merit < bestMerit) {
      bestMerit = merit;
      bestX = x_; bestZA = zA_; bestZx = zx_; bestYA = yA_; bestYx = yx_;
    }
    if (primalInfeasible()) { status = Status::kPrimalInfeasible; break; }
    if (dualInfeasible()) { status = Status::kDualInfeasible; break; }
    if (status == Status::kTimeLimit) break;
    if (c_.onProgress && elapsed - lastProgress >= s_.progressIntervalSec) {
      lastProgress = elapsed;
      mulP(x_.data(), tmpN_.data());  // one extra pass, at most once per progress interval
      double obj = 0;
      for (std::int32_t j = 0; j < n_; ++j)
        obj += (0.5 * x_[j] * tmpN_[j] + qs_[j] * x_[j]) / c_scale_ + costValue(cost_[j], D_[j] * x_[j]);
      c_.onProgress(Progress{iter, res.prim, res.dual, obj, rho_, elapsed});
    }
    if (rhoInterval == 0) {  // auto: keep refactoring at most ~20% of the time
      double iterSec = std::max(since(ts) / static_cast<double>(iter), 1e-9);
      rhoInterval = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(5.0 * factorSec / iterSec)), 25, 2000);
      rhoInterval = ((rhoInterval + s_.checkInterval - 1) / s_.checkInterval) * s_.checkInterval;
    }
    if (s_.adaptiveRho && iter - lastRhoIter >= rhoInterval) {
      double pr = res.primS / (res.primNormS + 1e-30), du = res.dualS / (res.dualNormS + 1e-30);
      double ratio = std::sqrt(pr / std::max(du, 1e-30));
      double newRho = std::clamp(rho_ * ratio, s_.rhoMin, s_.rhoMax);
      if (newRho > rho_ * s_.adaptiveRhoTolerance || newRho < rho_ / s_.adaptiveRhoTolerance) {
        setRho(newRho);
        auto tr = Clock::now();
        if (!refactor(&err)) { status = Status::kNonConvex; info->message = err; break; }
        factorSec = since(tr);
        info->rhoUpdates++;
      }
      lastRhoIter = iter;
    }
  }
  if (iter > s_.maxIter) { iter = s_.maxIter; status = Status::kMaxIterations; }
  if (status == 0) status = Status::kMaxIterations;
  info->iterations = iter;
  if (continuations > 0 && (status == Status::kMaxIterations || status == Status::kTimeLimit)) {
    // A limit hit while tightening for the polish: the iterate that met the requested tolerance
    // stands (solved, unpolished).
    x_ = solvedX; zA_ = solvedZA; zx_ = solvedZx; yA_ = solvedYA; yx_ = solvedYx;
    status = Status::kSolved;
    info->polished = -1;
    skipPolish = true;
  } else if ((status == Status::kMaxIterations || status == Status::kTimeLimit || status == Status::kCancelled) &&
             !bestX.empty()) {
    x_ = bestX; zA_ = bestZA; zx_ = bestZx; yA_ = bestYA; yx_ = bestYx;
  }
  if (status != Status::kPrimalInfeasible && status != Status::kDualInfeasible)
    res = residuals(x_, zA_, zx_, yA_, yx_);
  info->primalResidual = res.prim;
  info->dualResidual = res.dual;
  if (status == Status::kSolved && s_.polish && !skipPolish) {
    auto tp = Clock::now();
    info->polished = polish(info, res.prim, res.dual) ? 1 : -1;
    info->polishSeconds += since(tp);
    // Continuation: the active set was not yet identified; tighten the tolerance tenfold and go
    // on iterating from the current (unchanged) iterate, then polish again.
    if (info->polished < 0 && continuations < s_.polishContinuations && iter < s_.maxIter &&
        !(s_.timeLimitSec > 0 && since(t0) >= s_.timeLimitSec)) {
      if (continuations == 0) { solvedX = x_; solvedZA = zA_; solvedZx = zx_; solvedYA = yA_; solvedYx = yx_; }
      ++continuations;
      s_.epsAbs *= 0.1;
      s_.epsRel *= 0.1;
      if (!refactor(&err)) { info->status = Status::kNonConvex; info->message = err; return; }
      status = 0;
      bestMerit = kInf;
      ++iter;
      goto iterate;
    }
  }
  info->status = status;
  info->rho = rho_;
  unscaleInto(sol);
  if (status == Status::kPrimalInfeasible) {
    sol->yCert = certYA_;
    sol->yVarCert = certYx_;
  } else if (status == Status::kDualInfeasible) {
    sol->xCert = certX_;
  }
  // Objectives in the original space.
  std::vector<double> Px(n_);
  if (factor_) factorMul(n_, p_.k, p_.F.data(), p_.d.empty() ? nullptr : p_.d.data(), sol->x.data(), Px.data(), ptmp_);
  else symUpperMul(p_.pSparse, sol->x.data(), Px.data(), n_);
  double obj = 0;
  for (std::int32_t j = 0; j < n_; ++j) obj += 0.5 * sol->x[j] * Px[j] + p_.q[j] * sol->x[j] + costValue(cost_[j], sol->x[j]);
  info->objective = obj;
  info->dualObjective = dualObjective(*sol, Px);
  info->gap = std::fabs(obj - info->dualObjective);
  info->solveSeconds = since(ts);
  if (status == Status::kCancelled) info->message = "cancelled";
}

}  // namespace

double objectiveOf(const Problem& p, const std::vector<double>& x) {
  std::vector<double> Px(p.n), tmp;
  if (p.pForm == PForm::kFactor) factorMul(p.n, p.k, p.F.data(), p.d.empty() ? nullptr : p.d.data(), x.data(), Px.data(), tmp);
  else symUpperMul(p.pSparse, x.data(), Px.data(), p.n);
  double obj = 0;
  for (std::int32_t j = 0; j < p.n; ++j) obj += 0.5 * x[j] * Px[j] + p.q[j] * x[j] + costValue(costOf(p.costs, j), x[j]);
  return obj;
}

void solve(const Problem& p, const Settings& s, const Control& c, Solution* sol, Info* info) {
  *info = Info{};
  *sol = Solution{};
  std::string err = validate(p, s);
  if (!err.empty()) {
    info->status = Status::kInvalid;
    info->message = err;
    return;
  }
  Solver solver(p, s, c);
  solver.run(sol, info);
}

}  // namespace hppo::admm
