// Core tests of the ADMM QP solver: known optima, every cost prox against a brute-force 1-D
// minimization, infeasibility certificates, limits, warm start, both linear-system paths.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "admm/admm.h"
#include "admm/admm_costs.h"
#include "admm/admm_linsys.h"
#include "device.h"
#include "harness.h"

using namespace hppo::admm;

namespace {

constexpr double kTolObj = 1e-5;  // objective agreement for solves at eps 1e-7

Csc denseToUpperCsc(const std::vector<double>& M, int n) {
  Csc c;
  c.rows = c.cols = n;
  c.colPtr.push_back(0);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i <= j; ++i) {
      double v = M[i * n + j];
      if (v != 0) { c.rowIdx.push_back(i); c.values.push_back(v); }
    }
    c.colPtr.push_back(static_cast<std::int64_t>(c.rowIdx.size()));
  }
  return c;
}

Csc denseToCsc(const std::vector<double>& M, int rows, int cols) {
  Csc c;
  c.rows = rows;
  c.cols = cols;
  c.colPtr.push_back(0);
  for (int j = 0; j < cols; ++j) {
    for (int i = 0; i < rows; ++i) {
      double v = M[i * cols + j];
      if (v != 0) { c.rowIdx.push_back(i); c.values.push_back(v); }
    }
    c.colPtr.push_back(static_cast<std::int64_t>(c.rowIdx.size()));
  }
  return c;
}

Settings tight() {
  Settings s;
  s.epsAbs = 1e-7;
  s.epsRel = 1e-7;
  return s;
}

void run(const Problem& p, const Settings& s, Solution* sol, Info* info) {
  Control c;
  solve(p, s, c, sol, info);
}

// min 1/2 (x1^2 + x2^2) - x1 - x2  s.t.  x1 + x2 = 1  ->  x = (.5,.5), obj -0.75, y = 0.5.
Problem twoVarEq(bool factor) {
  Problem p;
  p.n = 2;
  p.m = 1;
  if (factor) {
    p.pForm = PForm::kFactor;
    p.k = 1;
    p.F = {0.0, 0.0};
    p.d = {1.0, 1.0};
  } else {
    p.pSparse = denseToUpperCsc({1, 0, 0, 1}, 2);
  }
  p.q = {-1, -1};
  p.A = denseToCsc({1, 1}, 1, 2);
  p.l = {1};
  p.u = {1};
  return p;
}

// Brute-force argmin of phi on [a, b] by dense sampling then golden-section refinement.
template <class Fn>
double bruteMin(Fn phi, double a, double b) {
  int N = 4000;
  double best = a, bv = phi(a);
  for (int i = 1; i <= N; ++i) {
    double t = a + (b - a) * i / N;
    double v = phi(t);
    if (v < bv) { bv = v; best = t; }
  }
  double lo = std::max(a, best - (b - a) / N), hi = std::min(b, best + (b - a) / N);
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200; ++it) {
    double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    if (phi(c) < phi(d)) hi = d; else lo = c;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

HPPO_TEST("admm: equality QP with known optimum (sparse P)") {
  Solution sol; Info info;
  run(twoVarEq(false), tight(), &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kSolved, statusName(info.status) << " " << info.message);
  HPPO_CHECK_NEAR(sol.x[0], 0.5, 1e-6);
  HPPO_CHECK_NEAR(sol.x[1], 0.5, 1e-6);
  HPPO_CHECK_NEAR(info.objective, -0.75, kTolObj);
  HPPO_CHECK_NEAR(sol.y[0], 0.5, 1e-5);
  HPPO_CHECK(info.gap < 1e-5);
}

HPPO_TEST("admm: equality QP with known optimum (factor form, Woodbury)") {
  Solution sol; Info info;
  run(twoVarEq(true), tight(), &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kSolved, statusName(info.status) << " " << info.message);
  HPPO_CHECK(info.backend == "cpu/woodbury");
  HPPO_CHECK_NEAR(sol.x[0], 0.5, 1e-6);
  HPPO_CHECK_NEAR(info.objective, -0.75, kTolObj);
}

HPPO_TEST("admm: active upper bound gives a positive bound multiplier") {
  // min 1/2 x^2 - 2x, x <= 1: x = 1, obj -1.5, yVar = 1.
  Problem p;
  p.n = 1;
  p.pSparse = denseToUpperCsc({1}, 1);
  p.q = {-2};
  p.lb = {-10};
  p.ub = {1};
  Solution sol; Info info;
  run(p, tight(), &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kSolved, statusName(info.status));
  HPPO_CHECK_NEAR(sol.x[0], 1.0, 1e-6);
  HPPO_CHECK_NEAR(info.objective, -1.5, kTolObj);
  HPPO_CHECK_NEAR(sol.yVar[0], 1.0, 1e-5);
}

HPPO_TEST("admm: each cost prox equals a brute-force 1-D minimization") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<double> breaks = {-0.3, 0.0, 0.25};
  std::vector<double> slopes = {-0.8, -0.1, 0.2, 0.9};
  for (int trial = 0; trial < 400; ++trial) {
    CostView f;
    int type = trial % 5;
    f.x0 = U(rng) - 0.5;
    if (type == 0) { f.kind = 1; f.buy = U(rng); f.sell = U(rng); }            // proportional
    if (type == 1) { f.kind = 1; f.quad = 2 * U(rng) + 0.01; }                  // quadratic
    if (type == 2) { f.kind = 1; f.impact = U(rng) + 0.01; }                    // 3/2 power
    if (type == 3) { f.kind = 1; f.buy = U(rng); f.sell = U(rng); f.quad = U(rng); f.impact = U(rng); }
    if (type == 4) { f.kind = 2; f.breaks = breaks.data(); f.slopes = slopes.data(); f.nb = 3; }
    double r = 0.05 + 3 * U(rng), v = 3 * (U(rng) - 0.5);
    double lb = trial % 3 == 0 ? -0.4 : -kInf, ub = trial % 4 == 0 ? 0.6 : kInf;
    int code;
    double got = proxCost(f, lb, ub, v, r, &code);
    auto phi = [&](double w) { return costValue(f, w) + 0.5 * r * (w - v) * (w - v); };
    double a = std::isinf(lb) ? -4.0 : lb, b = std::isinf(ub) ? 4.0 : ub;
    double want = bruteMin(phi, a, b);
    HPPO_CHECK_MSG(std::fabs(got - want) < 1e-6 || phi(got) <= phi(want) + 1e-12,
                   "type " << type << " v " << v << " r " << r << " got " << got << " want " << want);
  }
}

HPPO_TEST("admm: cost conjugate matches a brute-force maximization") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> U(0, 1);
  for (int trial = 0; trial < 100; ++trial) {
    CostView f;
    f.kind = 1;
    f.x0 = U(rng) - 0.5;
    f.buy = U(rng); f.sell = U(rng); f.quad = trial % 2 ? U(rng) : 0.0; f.impact = trial % 3 ? U(rng) : 0.0;
    double y = 4 * (U(rng) - 0.5), lb = -1, ub = 1;
    double got = costBoxConjugate(f, lb, ub, y);
    double w = bruteMin([&](double t) { return -(y * t - costValue(f, t)); }, lb, ub);
    HPPO_CHECK_NEAR(got, y * w - costValue(f, w), 1e-7);
  }
}

HPPO_TEST("admm: 1-D QP with proportional, quadratic and impact costs matches brute force") {
  // min 1/2 a x^2 + q x + f(x - x0) on [lb, ub], several cost mixes.
  for (int type = 0; type < 4; ++type) {
    Problem p;
    p.n = 1;
    p.pSparse = denseToUpperCsc({0.7}, 1);
    p.q = {-0.9};
    p.lb = {-1};
    p.ub = {2};
    p.costs.x0 = {0.2};
    if (type == 0) { p.costs.buy = {0.3}; p.costs.sell = {0.1}; }
    if (type == 1) { p.costs.quad = {0.5}; }
    if (type == 2) { p.costs.impact = {0.4}; }
    if (type == 3) { p.costs.pwlPtr = {0, 2}; p.costs.pwlBreaks = {0.0, 0.5}; p.costs.pwlSlopes = {-0.2, 0.1, 0.6}; }
    Solution sol; Info info;
    run(p, tight(), &sol, &info);
    HPPO_CHECK_MSG(info.status == Status::kSolved, "type " << type << " " << statusName(info.status));
    double want = bruteMin([&](double x) { return objectiveOf(p, {x}); }, -1, 2);
    HPPO_CHECK_NEAR(info.objective, objectiveOf(p, {want}), 1e-7);
    HPPO_CHECK_NEAR(sol.x[0], want, 1e-4);
  }
}

HPPO_TEST("admm: factor form with costs agrees between Woodbury and sparse KKT LDL") {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> N01(0, 1);
  std::uniform_real_distribution<double> U(0, 1);
  int n = 40, k = 6;
  Problem f;
  f.n = n;
  f.m = 2;
  f.pForm = PForm::kFactor;
  f.k = k;
  for (int i = 0; i < n * k; ++i) f.F.push_back(0.3 * N01(rng));
  for (int i = 0; i < n; ++i) f.d.push_back(0.01 + 0.05 * U(rng));
  for (int i = 0; i < n; ++i) f.q.push_back(-0.1 * U(rng));
  std::vector<double> Ad(2 * n, 0.0);
  for (int j = 0; j < n; ++j) { Ad[j] = 1.0; if (j % 2 == 0) Ad[n + j] = 1.0; }
  f.A = denseToCsc(Ad, 2, n);
  f.l = {1, 0.3};
  f.u = {1, 0.6};
  f.lb.assign(n, 0.0);
  f.ub.assign(n, 0.1);
  f.costs.x0.assign(n, 0.0);
  for (int j = 0; j < n; j += 3) f.costs.x0[j] = 0.07;
  f.costs.buy.assign(n, 0.002);
  f.costs.sell.assign(n, 0.003);
  // Same problem with P dense (sparse path).
  Problem s = f;
  s.pForm = PForm::kSparse;
  std::vector<double> P(n * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double v = i == j ? f.d[i] : 0.0;
      for (int a = 0; a < k; ++a) v += f.F[i * k + a] * f.F[j * k + a];
      P[i * n + j] = v;
    }
  s.pSparse = denseToUpperCsc(P, n);
  s.F.clear(); s.d.clear(); s.k = 0;
  Solution sf, ss; Info inf_, ins;
  run(f, tight(), &sf, &inf_);
  run(s, tight(), &ss, &ins);
  HPPO_CHECK_MSG(inf_.status == Status::kSolved && ins.status == Status::kSolved,
                 statusName(inf_.status) << " / " << statusName(ins.status));
  HPPO_CHECK(inf_.backend == "cpu/woodbury");
  HPPO_CHECK(ins.backend == "cpu/kkt-ldl");
  HPPO_CHECK_NEAR(inf_.objective, ins.objective, 1e-6);
  HPPO_CHECK_MSG(inf_.gap < 1e-5, "gap " << inf_.gap);
  // Feasibility of the returned x.
  double sum = 0;
  for (int j = 0; j < n; ++j) { sum += sf.x[j]; HPPO_CHECK(sf.x[j] >= -1e-6 && sf.x[j] <= 0.1 + 1e-6); }
  HPPO_CHECK_NEAR(sum, 1.0, 1e-6);
}

HPPO_TEST("admm: primal infeasible problem returns a certificate") {
  // x1 + x2 >= 3 with 0 <= x <= 1.
  Problem p = twoVarEq(false);
  p.l = {3};
  p.u = {kInf};
  p.lb = {0, 0};
  p.ub = {1, 1};
  Solution sol; Info info;
  run(p, Settings{}, &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kPrimalInfeasible, statusName(info.status));
  HPPO_CHECK(sol.yCert.size() == 1);
  HPPO_CHECK(sol.yCert[0] < 0);
}

HPPO_TEST("admm: unbounded problem is reported dual infeasible") {
  // min -x1 - x2 (no P) s.t. x1 - x2 = 0, x >= 0.
  Problem p;
  p.n = 2;
  p.m = 1;
  p.q = {-1, -1};
  p.A = denseToCsc({1, -1}, 1, 2);
  p.l = {0};
  p.u = {0};
  p.lb = {0, 0};
  p.ub = {kInf, kInf};
  Solution sol; Info info;
  run(p, Settings{}, &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kDualInfeasible, statusName(info.status));
  HPPO_CHECK(sol.xCert.size() == 2 && sol.xCert[0] > 0);
}

HPPO_TEST("admm: iteration limit returns the best iterate with its status") {
  Problem p = twoVarEq(false);
  Settings s = tight();
  s.maxIter = 3;
  s.checkInterval = 1;
  Solution sol; Info info;
  run(p, s, &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kMaxIterations, statusName(info.status));
  HPPO_CHECK(info.iterations == 3);
  HPPO_CHECK(sol.x.size() == 2 && std::isfinite(sol.x[0]));
}

HPPO_TEST("admm: cancellation flag stops the solve") {
  Problem p = twoVarEq(false);
  std::atomic<bool> flag{true};
  Control c;
  c.cancel = &flag;
  Solution sol; Info info;
  solve(p, tight(), c, &sol, &info);
  HPPO_CHECK(info.status == Status::kCancelled);
  HPPO_CHECK(info.iterations == 1);
}

HPPO_TEST("admm: warm start from the solution converges in fewer iterations") {
  Problem p = twoVarEq(true);
  p.lb = {0, 0};
  p.ub = {0.45, 1};
  Settings s = tight();
  s.polish = false;
  Solution a; Info ia;
  run(p, s, &a, &ia);
  HPPO_CHECK(ia.status == Status::kSolved);
  s.x0 = a.x;
  s.y0 = a.y;
  s.yVar0 = a.yVar;
  Solution b; Info ib;
  run(p, s, &b, &ib);
  HPPO_CHECK(ib.status == Status::kSolved);
  HPPO_CHECK_MSG(ib.iterations < ia.iterations, ib.iterations << " vs " << ia.iterations);
  HPPO_CHECK_NEAR(ib.objective, ia.objective, 1e-6);
}

HPPO_TEST("admm: bad input is rejected with a message naming the field") {
  Problem p = twoVarEq(false);
  p.q = {1, NAN};
  Solution sol; Info info;
  run(p, Settings{}, &sol, &info);
  HPPO_CHECK(info.status == Status::kInvalid);
  HPPO_CHECK(info.message.find("q[1]") != std::string::npos);
  Problem w = twoVarEq(false);
  w.l = {1, 2};
  run(w, Settings{}, &sol, &info);
  HPPO_CHECK(info.status == Status::kInvalid && info.message.find("l:") == 0);
  Problem neg = twoVarEq(false);
  neg.pSparse.values[0] = -1;
  run(neg, Settings{}, &sol, &info);
  HPPO_CHECK(info.status == Status::kInvalid && info.message.find("not positive semidefinite") != std::string::npos);
}

HPPO_TEST("admm: indefinite P is reported non-convex") {
  Problem p = twoVarEq(false);
  p.pSparse = denseToUpperCsc({1, 3, 3, 1}, 2);  // eigenvalues 4, -2
  Solution sol; Info info;
  run(p, Settings{}, &sol, &info);
  HPPO_CHECK_MSG(info.status == Status::kNonConvex, statusName(info.status) << " " << info.message);
}

namespace {
Problem randomFactorQp(int n, int k, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N01(0, 1);
  std::uniform_real_distribution<double> U(0, 1);
  Problem p;
  p.n = n;
  p.m = 1;
  p.pForm = PForm::kFactor;
  p.k = k;
  for (int i = 0; i < n * k; ++i) p.F.push_back(0.05 * N01(rng));
  for (int i = 0; i < n; ++i) { p.d.push_back(1e-3 + 1e-2 * U(rng)); p.q.push_back(-0.1 * U(rng)); }
  p.A = denseToCsc(std::vector<double>(n, 1.0), 1, n);
  p.l = {1};
  p.u = {1};
  p.lb.assign(n, 0.0);
  p.ub.assign(n, 5.0 / n);
  p.costs.x0.assign(n, 1.0 / n);
  p.costs.buy.assign(n, 1e-3);
  p.costs.sell.assign(n, 1e-3);
  return p;
}
}  // namespace

HPPO_TEST("admm: CUDA Woodbury x-step matches the CPU one (factor form)") {
  hppo::CudaProbe probe = hppo::probeCuda();
  if (!probe.compiled || probe.devices.empty()) throw hppo_test::Skip(probe.message.empty() ? "no CUDA device" : probe.message);
  Problem p = randomFactorQp(700, 40, 17);
  Csr ar = toCsr(p.A);
  std::string err;
  auto gpu = makeCudaWoodbury(p.n, p.k, p.F.data(), p.d.data(), &p.A, &ar, 0, &err);
  HPPO_CHECK_MSG(gpu != nullptr, err);
  auto cpu = makeWoodbury(p.n, p.k, p.F.data(), p.d.data(), &p.A, &ar);
  std::vector<double> rhoA = {1e3}, rhoX(p.n, 0.7);
  HPPO_CHECK(gpu->factor(1e-6, rhoA.data(), rhoX.data(), &err));
  HPPO_CHECK(cpu->factor(1e-6, rhoA.data(), rhoX.data(), &err));
  std::vector<double> b(p.n), c;
  for (int i = 0; i < p.n; ++i) b[i] = std::sin(0.37 * i) + 0.1;
  c = b;
  gpu->solve(b.data());
  cpu->solve(c.data());
  for (int i = 0; i < p.n; ++i) HPPO_CHECK_NEAR(b[i], c[i], 1e-9);
  // And a whole solve through Settings::useCuda.
  Settings s;
  s.useCuda = true;
  Solution sg, sc; Info ig, ic;
  run(p, s, &sg, &ig);
  s.useCuda = false;
  run(p, s, &sc, &ic);
  HPPO_CHECK_MSG(ig.backend == "cuda/woodbury", ig.backend);
  HPPO_CHECK(ig.status == Status::kSolved && ic.status == Status::kSolved);
  HPPO_CHECK_NEAR(ig.objective, ic.objective, 1e-7);
}

HPPO_TEST("admm: useCuda without a usable device falls back to the CPU with a warning") {
  hppo::CudaProbe probe = hppo::probeCuda();
  if (probe.compiled && !probe.devices.empty()) throw hppo_test::Skip("a CUDA device is present");
  Problem p = randomFactorQp(50, 5, 3);
  Settings s;
  s.useCuda = true;
  Solution sol; Info info;
  run(p, s, &sol, &info);
  HPPO_CHECK(info.status == Status::kSolved);
  HPPO_CHECK(info.backend == "cpu/woodbury");
  HPPO_CHECK(info.warnings.size() == 1 && info.warnings[0].find("device 'cuda'") == 0);
}

HPPO_TEST("admm: polishing with 3/2-power impact costs (Newton rounds) matches a tight unpolished solve") {
  for (std::uint64_t seed : {5u, 6u, 7u}) {
    Problem p = randomFactorQp(60, 6, seed);
    p.costs.impact.assign(p.n, 0.0);
    for (int j = 0; j < p.n; ++j) p.costs.impact[j] = j % 2 ? 0.02 : 0.0;
    p.costs.quad.assign(p.n, 0.0);
    for (int j = 0; j < p.n; j += 3) p.costs.quad[j] = 0.05;
    Settings loose;
    Solution a; Info ia;
    run(p, loose, &a, &ia);
    Settings tightS = tight();
    tightS.epsAbs = tightS.epsRel = 1e-10;
    tightS.polish = false;
    tightS.maxIter = 2000000;
    Solution b; Info ib;
    run(p, tightS, &b, &ib);
    HPPO_CHECK(ia.status == Status::kSolved && ib.status == Status::kSolved);
    HPPO_CHECK_MSG(ia.polished == 1, "seed " << seed << " polished " << ia.polished);
    HPPO_CHECK_NEAR(ia.objective, ib.objective, 1e-8);
  }
}

HPPO_TEST("admm: polishing with piecewise-linear costs matches a tight unpolished solve") {
  for (std::uint64_t seed : {21u, 22u, 23u}) {
    Problem p = randomFactorQp(45, 5, seed);
    p.costs.buy.clear();
    p.costs.sell.clear();
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(0, 1);
    p.costs.pwlPtr.assign(1, 0);
    for (int j = 0; j < p.n; ++j) {
      double b0 = -0.01 * U(rng), b1 = 0.01 * U(rng);
      p.costs.pwlBreaks.push_back(b0);
      p.costs.pwlBreaks.push_back(b1);
      double s0 = -0.02 - 0.01 * U(rng);
      p.costs.pwlSlopes.push_back(s0);
      p.costs.pwlSlopes.push_back(s0 + 0.01 + 0.01 * U(rng));
      p.costs.pwlSlopes.push_back(0.02 + 0.01 * U(rng));
      p.costs.pwlPtr.push_back(p.costs.pwlPtr.back() + 2);
    }
    Solution a; Info ia;
    run(p, Settings{}, &a, &ia);
    Settings tightS = tight();
    tightS.epsAbs = tightS.epsRel = 1e-10;
    tightS.polish = false;
    tightS.maxIter = 2000000;
    Solution b; Info ib;
    run(p, tightS, &b, &ib);
    HPPO_CHECK(ia.status == Status::kSolved && ib.status == Status::kSolved);
    HPPO_CHECK_MSG(ia.polished == 1, "seed " << seed << " polished " << ia.polished);
    HPPO_CHECK_NEAR(ia.objective, ib.objective, 1e-8);
    HPPO_CHECK_MSG(ia.gap < 1e-9, "gap " << ia.gap);
  }
}
