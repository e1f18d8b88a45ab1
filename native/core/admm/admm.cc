// ADMM solver (OSQP-style), see admm.h: setup, the iteration, termination and certificates.
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
#include <memory>

#include "admm_costs.h"
#include "admm_linsys.h"
#include "admm_solver.h"

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

namespace detail {

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
  if (!refactor(&err)) {
    info->status = Status::kNonConvex;
    info->message = err;
    return;
  }
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
    if (rhoInterval == 0) {  // auto: keep refactoring at most ~20% of the work (flop estimates, deterministic)
      double ratio = lin_->factorFlops() / std::max(lin_->solveFlops() + 6.0 * (n_ + m_) + 2.0 * static_cast<double>(As_.nnz()), 1.0);
      rhoInterval = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(5.0 * ratio)), 25, 2000);
      rhoInterval = ((rhoInterval + s_.checkInterval - 1) / s_.checkInterval) * s_.checkInterval;
    }
    if (s_.adaptiveRho && iter - lastRhoIter >= rhoInterval) {
      double pr = res.primS / (res.primNormS + 1e-30), du = res.dualS / (res.dualNormS + 1e-30);
      double ratio = std::sqrt(pr / std::max(du, 1e-30));
      double newRho = std::clamp(rho_ * ratio, s_.rhoMin, s_.rhoMax);
      if (newRho > rho_ * s_.adaptiveRhoTolerance || newRho < rho_ / s_.adaptiveRhoTolerance) {
        setRho(newRho);
        if (!refactor(&err)) { status = Status::kNonConvex; info->message = err; break; }
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

}  // namespace detail

using detail::costOf;
using detail::factorMul;
using detail::Solver;
using detail::symUpperMul;


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
