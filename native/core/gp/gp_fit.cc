#include "gp/gp_fit.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

namespace hppo {
namespace gp {

namespace {

struct Lbfgs {
  double f;
  int evaluations;
};

// Bounded L-BFGS from x (in place): src/search/lbfgs.ts transcribed (same operations in the same
// order, so the two agree to rounding).
Lbfgs minimize(const double* X, const double* y, int n, int d, std::vector<double>& x, const double* lower,
               const double* upper, const FitOptions& o, Scratch& s) {
  const int p = d + 2;
  const int m = o.memory;
  auto clamp = [&](std::vector<double>& v) {
    for (int i = 0; i < p; i++) v[i] = std::min(upper[i], std::max(lower[i], v[i]));
  };
  clamp(x);
  std::vector<double> g(p), dir(p), xNew(p), gNew(p), alphaBuf(m);
  std::vector<unsigned char> active(p);
  double fx = neg_log_posterior(X, y, n, d, x.data(), g.data(), s);
  int evaluations = 1;
  if (!std::isfinite(fx)) return {fx, evaluations};
  std::deque<std::vector<double>> S, Y;
  std::deque<double> rho;
  for (int it = 0; it < o.maxIterations; it++) {
    double pg = 0;
    for (int i = 0; i < p; i++) {
      const bool atLo = x[i] <= lower[i] && g[i] > 0;
      const bool atHi = x[i] >= upper[i] && g[i] < 0;
      if (!atLo && !atHi) pg = std::max(pg, std::fabs(g[i]));
    }
    if (pg < o.gradientTolerance) break;
    for (int i = 0; i < p; i++) {
      active[i] = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);
      dir[i] = active[i] ? 0 : -g[i];
    }
    const int h = static_cast<int>(S.size());
    for (int k = h - 1; k >= 0; k--) {
      double a = 0;
      for (int i = 0; i < p; i++) a += S[k][i] * dir[i];
      a *= rho[k];
      alphaBuf[k] = a;
      for (int i = 0; i < p; i++) dir[i] = dir[i] - a * Y[k][i];
    }
    if (h > 0) {
      double sy = 0, yy = 0;
      for (int i = 0; i < p; i++) {
        sy += S[h - 1][i] * Y[h - 1][i];
        yy += Y[h - 1][i] * Y[h - 1][i];
      }
      const double gamma = sy / yy;
      for (int i = 0; i < p; i++) dir[i] = dir[i] * gamma;
    } else {
      double mx = 0;
      for (int i = 0; i < p; i++) mx = std::max(mx, std::fabs(dir[i]));
      if (mx > 1)
        for (int i = 0; i < p; i++) dir[i] = dir[i] / mx;
    }
    for (int k = 0; k < h; k++) {
      double b = 0;
      for (int i = 0; i < p; i++) b += Y[k][i] * dir[i];
      b *= rho[k];
      for (int i = 0; i < p; i++) dir[i] = dir[i] + (alphaBuf[k] - b) * S[k][i];
    }
    for (int i = 0; i < p; i++)
      if (active[i]) dir[i] = 0;
    double dg = 0;
    for (int i = 0; i < p; i++) dg += dir[i] * g[i];
    if (!(dg < 0)) {
      S.clear();
      Y.clear();
      rho.clear();
      for (int i = 0; i < p; i++) dir[i] = active[i] ? 0 : -g[i];
    }
    double step = 1, fNew = INFINITY;
    bool accepted = false;
    for (int ls = 0; ls < 30; ls++) {
      for (int i = 0; i < p; i++) xNew[i] = x[i] + step * dir[i];
      clamp(xNew);
      double decrease = 0;
      for (int i = 0; i < p; i++) decrease += g[i] * (xNew[i] - x[i]);
      fNew = neg_log_posterior(X, y, n, d, xNew.data(), gNew.data(), s);
      evaluations++;
      if (std::isfinite(fNew) && fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    std::vector<double> sv(p), yv(p);
    double sy = 0;
    for (int i = 0; i < p; i++) {
      sv[i] = xNew[i] - x[i];
      yv[i] = gNew[i] - g[i];
      sy += sv[i] * yv[i];
    }
    const double fOld = fx;
    x = xNew;
    g = gNew;
    fx = fNew;
    if (sy > 1e-12) {
      if (static_cast<int>(S.size()) == m) {
        S.pop_front();
        Y.pop_front();
        rho.pop_front();
      }
      S.push_back(std::move(sv));
      Y.push_back(std::move(yv));
      rho.push_back(1 / sy);
    }
    if (std::fabs(fOld - fx) <= std::max(1e-10 * std::max(1.0, std::fabs(fx)), o.functionTolerance)) break;
  }
  return {fx, evaluations};
}

}  // namespace

FitResult fit_hyperparameters(const double* X, const double* y, int n, int d, const double* starts, int nStarts,
                              const double* lower, const double* upper, const FitOptions& o, double* thetaOut,
                              Scratch& s) {
  const int p = d + 2;
  FitResult best{INFINITY, 0};
  std::vector<double> x(p);
  for (int k = 0; k < nStarts; k++) {
    x.assign(starts + static_cast<size_t>(k) * p, starts + static_cast<size_t>(k + 1) * p);
    const Lbfgs r = minimize(X, y, n, d, x, lower, upper, o, s);
    best.evaluations += r.evaluations;
    if (r.f < best.value) {
      best.value = r.f;
      std::copy(x.begin(), x.end(), thetaOut);
    }
  }
  return best;
}

}  // namespace gp
}  // namespace hppo
