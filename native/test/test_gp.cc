#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gp/gp_fit.h"
#include "gp/gp_likelihood.h"
#include "harness.h"

namespace {

using hppo::gp::neg_log_posterior;
using hppo::gp::Scratch;

// Deterministic uniform [0,1) (splitmix64), so the driver needs no seed handling.
struct TestRng {
  uint64_t state;
  explicit TestRng(uint64_t seed) : state(seed) {}
  double next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  }
};

struct Problem {
  int n, d;
  std::vector<double> X, y, theta;
};

Problem randomProblem(int n, int d, uint64_t seed) {
  TestRng r(seed);
  Problem p{n, d, std::vector<double>(static_cast<size_t>(n) * d), std::vector<double>(n), std::vector<double>(d + 2)};
  for (auto& x : p.X) x = r.next();
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int k = 0; k < d; k++) s += std::sin(3 * p.X[static_cast<size_t>(i) * d + k] + k);
    p.y[i] = s + 0.1 * (r.next() - 0.5);
  }
  // Well-conditioned θ (lengthscales 0.2..0.8, σ_f² 0.5..2, σ_n² ~ 1e-2) so differences are accurate.
  for (int k = 0; k < d; k++) p.theta[k] = std::log(0.2 + 0.6 * r.next());
  p.theta[d] = std::log(0.5 + 1.5 * r.next());
  p.theta[d + 1] = std::log(0.005 + 0.02 * r.next());
  return p;
}

double value(const Problem& p, const std::vector<double>& theta, Scratch& s) {
  return neg_log_posterior(p.X.data(), p.y.data(), p.n, p.d, theta.data(), nullptr, s);
}

}  // namespace

HPPO_TEST("gp neg log posterior gradient matches central differences for d in {1,2,6,10}, n in {1,5,40}") {
  const double h = 1e-5;
  for (int d : {1, 2, 6, 10}) {  // 10: the lengthscale sums run in blocks of 8 inputs
    for (int n : {1, 5, 40}) {
      Problem p = randomProblem(n, d, 1000u * d + n);
      Scratch s;
      std::vector<double> g(d + 2, std::nan(""));
      const double f = neg_log_posterior(p.X.data(), p.y.data(), n, d, p.theta.data(), g.data(), s);
      HPPO_CHECK(std::isfinite(f));
      HPPO_CHECK(s.lastJitter == 0);
      // The value without gradient is the same number.
      HPPO_CHECK(value(p, p.theta, s) == f);
      for (int k = 0; k < d + 2; k++) {
        std::vector<double> tp = p.theta, tm = p.theta;
        tp[k] += h;
        tm[k] -= h;
        const double fd = (value(p, tp, s) - value(p, tm, s)) / (2 * h);
        const double tol = 1e-6 * (1 + std::fabs(fd)) + 1e-12 * std::fabs(f) / h;
        HPPO_CHECK_MSG(std::fabs(g[k] - fd) <= tol, "d=" << d << " n=" << n << " k=" << k << " grad " << g[k]
                                                             << " finite difference " << fd);
      }
    }
  }
}

HPPO_TEST("gp neg log posterior equals the closed form for n = 1 and n = 2") {
  const double sqrt5 = std::sqrt(5.0);
  const double log2pi = std::log(2 * M_PI);
  auto prior = [](const std::vector<double>& t, int d) {
    double lp = 0;
    for (int k = 0; k < d + 2; k++) {
      const double m = k < d ? std::log(0.5) : k == d ? 0.0 : std::log(1e-4);
      const double sd = k < d ? 1.5 : k == d ? 1.5 : 3.0;
      lp += 0.5 * (t[k] - m) * (t[k] - m) / (sd * sd);
    }
    return lp;
  };
  {
    const std::vector<double> X{0.3, 0.7}, y{1.25}, t{std::log(0.4), std::log(0.3), std::log(2.0), std::log(0.1)};
    Scratch s;
    const double f = neg_log_posterior(X.data(), y.data(), 1, 2, t.data(), nullptr, s);
    const double kk = 2.0 + 0.1;
    const double want = 0.5 * y[0] * y[0] / kk + 0.5 * std::log(kk) + 0.5 * log2pi + prior(t, 2);
    HPPO_CHECK_NEAR(f, want, 1e-12 * std::fabs(want));
  }
  {
    const std::vector<double> X{0.1, 0.9, 0.4, 0.5}, y{0.8, -0.3}, t{std::log(0.6), std::log(0.25), std::log(1.5), std::log(0.02)};
    Scratch s;
    const double f = neg_log_posterior(X.data(), y.data(), 2, 2, t.data(), nullptr, s);
    const double r = std::sqrt(0.3 * 0.3 / (0.6 * 0.6) + 0.4 * 0.4 / (0.25 * 0.25));
    const double k12 = 1.5 * (1 + sqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-sqrt5 * r);
    const double k11 = 1.5 + 0.02;
    const double det = k11 * k11 - k12 * k12;
    const double quad = (k11 * y[0] * y[0] - 2 * k12 * y[0] * y[1] + k11 * y[1] * y[1]) / det;
    const double want = 0.5 * quad + 0.5 * std::log(det) + log2pi + prior(t, 2);
    HPPO_CHECK_NEAR(f, want, 1e-12 * std::fabs(want));
  }
}

HPPO_TEST("gp neg log posterior retries with jitter on duplicated points and tiny noise") {
  const int n = 12, d = 2;
  Problem p = randomProblem(n, d, 77);
  // Every point twice, a noise variance far below rounding of σ_f²: the plain factorization fails.
  for (int i = n / 2; i < n; i++)
    for (int k = 0; k < d; k++) p.X[static_cast<size_t>(i) * d + k] = p.X[static_cast<size_t>(i - n / 2) * d + k];
  p.theta[d] = 0.0;
  p.theta[d + 1] = -40.0;
  Scratch s;
  std::vector<double> g(d + 2);
  const double f = neg_log_posterior(p.X.data(), p.y.data(), n, d, p.theta.data(), g.data(), s);
  HPPO_CHECK_MSG(s.lastJitter > 0, "jitter index " << s.lastJitter);
  HPPO_CHECK(std::isfinite(f));
  for (double v : g) HPPO_CHECK(std::isfinite(v));
}

HPPO_TEST("gp neg log posterior is +infinity when no jitter makes the covariance factorizable") {
  Problem p = randomProblem(6, 2, 5);
  Scratch s;
  std::vector<double> g(4);
  p.X[3] = std::numeric_limits<double>::infinity();  // pairs with point 1 get a NaN covariance
  const double f = neg_log_posterior(p.X.data(), p.y.data(), 6, 2, p.theta.data(), g.data(), s);
  HPPO_CHECK(f == std::numeric_limits<double>::infinity());
  HPPO_CHECK(s.lastJitter == -1);
  Problem q = randomProblem(6, 2, 5);
  q.theta[3] = std::nan("");
  HPPO_CHECK(neg_log_posterior(q.X.data(), q.y.data(), 6, 2, q.theta.data(), g.data(), s) ==
             std::numeric_limits<double>::infinity());
}

HPPO_TEST("gp scratch reuse: changed inputs in the same buffer and other sizes give fresh results") {
  Problem a = randomProblem(30, 3, 11);
  Problem b = randomProblem(30, 3, 12);
  Problem c = randomProblem(7, 3, 13);
  Scratch shared;
  std::vector<double> ga(5), gb(5), gc(5), fresh(5);
  std::vector<double> buf = a.X;
  const double fa = neg_log_posterior(buf.data(), a.y.data(), 30, 3, a.theta.data(), ga.data(), shared);
  buf.assign(b.X.begin(), b.X.end());  // same buffer and sizes, new content
  const double fb = neg_log_posterior(buf.data(), b.y.data(), 30, 3, b.theta.data(), gb.data(), shared);
  const double fc = neg_log_posterior(c.X.data(), c.y.data(), 7, 3, c.theta.data(), gc.data(), shared);
  const double fa2 = neg_log_posterior(a.X.data(), a.y.data(), 30, 3, a.theta.data(), fresh.data(), shared);
  HPPO_CHECK(fa2 == fa);
  for (int k = 0; k < 5; k++) HPPO_CHECK(fresh[k] == ga[k]);
  Scratch s1, s2;
  HPPO_CHECK(neg_log_posterior(b.X.data(), b.y.data(), 30, 3, b.theta.data(), fresh.data(), s1) == fb);
  for (int k = 0; k < 5; k++) HPPO_CHECK(fresh[k] == gb[k]);
  HPPO_CHECK(neg_log_posterior(c.X.data(), c.y.data(), 7, 3, c.theta.data(), fresh.data(), s2) == fc);
  for (int k = 0; k < 5; k++) HPPO_CHECK(fresh[k] == gc[k]);
}

HPPO_TEST("gp fit: multi-start L-BFGS lowers the posterior to a bounded stationary point and keeps the best start") {
  Scratch s;
  for (int d : {1, 2, 6}) {
    const Problem p = randomProblem(30, d, 40 + d);
    const int q = d + 2;
    // Bounds as gp.ts's thetaBounds (log space): lengthscales, signal, noise.
    std::vector<double> lower(q), upper(q);
    for (int k = 0; k < d; k++) {
      lower[k] = std::log(1e-3);
      upper[k] = std::log(1e2);
    }
    lower[d] = std::log(1e-2);
    upper[d] = std::log(1e2);
    lower[d + 1] = std::log(1e-6);
    upper[d + 1] = std::log(1.0);
    // Start 0: a poor θ; start 1: the problem's own (good) θ.
    std::vector<double> starts(2 * q);
    for (int k = 0; k < q; k++) starts[k] = k < d ? std::log(5.0) : (k == d ? std::log(20.0) : std::log(0.5));
    std::copy(p.theta.begin(), p.theta.end(), starts.begin() + q);
    hppo::gp::FitOptions o;
    o.maxIterations = 100;
    o.gradientTolerance = 1e-4;
    std::vector<double> theta(q, 99.0);
    const auto r = hppo::gp::fit_hyperparameters(p.X.data(), p.y.data(), p.n, d, starts.data(), 2, lower.data(), upper.data(), o, theta.data(), s);
    HPPO_CHECK(std::isfinite(r.value));
    HPPO_CHECK(r.evaluations > 2);
    HPPO_CHECK_NEAR(r.value, value(p, theta, s), 1e-12 * std::fabs(r.value) + 1e-12);
    for (int k = 0; k < q; k++) HPPO_CHECK(theta[k] >= lower[k] && theta[k] <= upper[k]);
    for (int k = 0; k < 2; k++) {
      std::vector<double> st(starts.begin() + k * q, starts.begin() + (k + 1) * q);
      HPPO_CHECK(r.value <= value(p, st, s));
    }
    // Stationary: no coordinate step of 1e-3 inside the box lowers the value by more than rounding.
    for (int k = 0; k < q; k++) {
      for (double h : {-1e-3, 1e-3}) {
        std::vector<double> t = theta;
        t[k] = std::min(upper[k], std::max(lower[k], t[k] + h));
        HPPO_CHECK(value(p, t, s) >= r.value - 1e-6 * (1 + std::fabs(r.value)));
      }
    }
  }
}

HPPO_TEST("gp fit: +infinity and θ untouched when no start has a finite posterior") {
  Scratch s;
  // Two identical inputs with different targets, a noise of 1e-300 and the box pinned to the start:
  // the posterior may be +inf (every jitter fails: θ untouched) or finite (then θ = the start, the
  // only point in the box); one evaluation either way.
  const double X[2] = {0.5, 0.5}, y[2] = {1e6, -1e6};
  const double start[3] = {0.0, std::log(1e2), std::log(1e-300)};
  double theta[3] = {7, 7, 7};
  hppo::gp::FitOptions o;
  const auto r = hppo::gp::fit_hyperparameters(X, y, 2, 1, start, 1, start, start, o, theta, s);
  if (std::isinf(r.value)) {
    HPPO_CHECK(theta[0] == 7 && theta[1] == 7 && theta[2] == 7);
  } else {
    HPPO_CHECK(theta[0] == start[0] && theta[1] == start[1] && theta[2] == start[2]);
  }
  HPPO_CHECK(r.evaluations == 1);
}
