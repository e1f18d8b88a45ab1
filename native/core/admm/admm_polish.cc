// Solution polishing (see admm_solver.h and the comment on Solver::polish).
#include <algorithm>
#include <cmath>
#include <vector>

#include "admm_solver.h"

namespace hppo::admm::detail {

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
    double tolY = 1e-3 * res.epsDual;
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

}  // namespace hppo::admm::detail
