// Core tests of the dense simplex (native/core/dense_lp). Optimality is checked through an
// independent KKT certificate (primal feasibility, sign of the reduced costs against the active
// bounds, c = A'y + z, zero duality gap) computed here from the returned x, y and z.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "dense_lp/dense_lp.h"
#include "harness.h"

namespace {

using namespace hppo::dense_lp;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kKktTol = 1e-8;

struct Lp {
  int m = 0, n = 0;
  std::vector<double> a, c, cl, cu, rl, ru;
  Problem view(const int8_t* basis = nullptr) const {
    Problem p;
    p.m = m, p.n = n, p.a = a.data(), p.c = c.data(), p.colLower = cl.data(), p.colUpper = cu.data();
    p.rowLower = rl.data(), p.rowUpper = ru.data(), p.basis = basis;
    return p;
  }
};

struct Result {
  Info info;
  std::vector<double> x, act, y, z;
  std::vector<int8_t> basis;
};

Result run(const Lp& lp, const int8_t* basis = nullptr, Settings s = {}) {
  Result r;
  r.x.resize(lp.n), r.act.resize(lp.m), r.y.resize(lp.m), r.z.resize(lp.n), r.basis.resize(lp.n + lp.m);
  Output o{r.x.data(), r.act.data(), r.y.data(), r.z.data(), r.basis.data()};
  HPPO_CHECK_MSG(validate(lp.view(basis)).empty(), validate(lp.view(basis)));
  r.info = solve(lp.view(basis), s, o);
  return r;
}

// Independent optimality certificate: max violation of the KKT conditions.
double kktViolation(const Lp& lp, const Result& r) {
  double v = 0.0;
  std::vector<double> act(lp.m, 0.0);
  for (int i = 0; i < lp.m; ++i)
    for (int j = 0; j < lp.n; ++j) act[i] += lp.a[i * lp.n + j] * r.x[j];
  auto scale = [](double a) { return std::max(1.0, std::fabs(a)); };
  for (int j = 0; j < lp.n; ++j) {
    v = std::max(v, (lp.cl[j] - r.x[j]) / scale(lp.cl[j]));
    v = std::max(v, (r.x[j] - lp.cu[j]) / scale(lp.cu[j]));
    // c = A'y + z
    double s = lp.c[j];
    for (int i = 0; i < lp.m; ++i) s -= lp.a[i * lp.n + j] * r.y[i];
    v = std::max(v, std::fabs(s - r.z[j]) / scale(lp.c[j]));
    // z_j > 0 only at the lower bound, z_j < 0 only at the upper bound (complementarity).
    const double z = r.z[j];
    if (z > kKktTol) v = std::max(v, std::fabs(r.x[j] - lp.cl[j]) * z);
    if (z < -kKktTol) v = std::max(v, std::fabs(r.x[j] - lp.cu[j]) * -z);
  }
  for (int i = 0; i < lp.m; ++i) {
    v = std::max(v, (lp.rl[i] - act[i]) / scale(lp.rl[i]));
    v = std::max(v, (act[i] - lp.ru[i]) / scale(lp.ru[i]));
    const double y = r.y[i];
    if (y > kKktTol) v = std::max(v, std::fabs(act[i] - lp.rl[i]) * y);
    if (y < -kKktTol) v = std::max(v, std::fabs(act[i] - lp.ru[i]) * -y);
  }
  return v;
}

// Random LP that is feasible (rows are built around a random point x0 inside the column box) and
// bounded (every column boxed); rows are equalities, <=, >= and ranges.
Lp randomLp(std::mt19937_64& rng, int m, int n, bool withEqualities) {
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  Lp lp;
  lp.m = m, lp.n = n;
  lp.a.resize(m * n), lp.c.resize(n), lp.cl.resize(n), lp.cu.resize(n), lp.rl.resize(m), lp.ru.resize(m);
  std::vector<double> x0(n);
  for (int j = 0; j < n; ++j) {
    lp.cl[j] = -1.0 - std::fabs(U(rng));
    lp.cu[j] = 1.0 + std::fabs(U(rng));
    x0[j] = 0.5 * U(rng);
    lp.c[j] = U(rng);
  }
  for (int i = 0; i < m; ++i) {
    double act = 0.0;
    for (int j = 0; j < n; ++j) {
      const double v = U(rng) < 0.3 ? 0.0 : U(rng);
      lp.a[i * n + j] = v;
      act += v * x0[j];
    }
    const int kind = withEqualities ? i % 4 : 1 + i % 3;
    if (kind == 0) lp.rl[i] = lp.ru[i] = act;                                  // equality
    else if (kind == 1) lp.rl[i] = -kInf, lp.ru[i] = act + 0.1 * std::fabs(U(rng));  // <=
    else if (kind == 2) lp.rl[i] = act - 0.1 * std::fabs(U(rng)), lp.ru[i] = kInf;   // >=
    else lp.rl[i] = act - 0.2, lp.ru[i] = act + 0.2;                            // range
  }
  return lp;
}

}  // namespace

HPPO_TEST("dense_lp solves a textbook LP to its known vertex and duals") {
  // max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18, x, y >= 0  ->  x = 2, y = 6, obj -36.
  Lp lp;
  lp.m = 3, lp.n = 2;
  lp.a = {1, 0, 0, 2, 3, 2};
  lp.c = {-3, -5};
  lp.cl = {0, 0}, lp.cu = {kInf, kInf};
  lp.rl = {-kInf, -kInf, -kInf}, lp.ru = {4, 12, 18};
  Result r = run(lp);
  HPPO_CHECK(r.info.status == Status::Optimal);
  HPPO_CHECK_NEAR(r.x[0], 2.0, 1e-14);
  HPPO_CHECK_NEAR(r.x[1], 6.0, 1e-14);
  HPPO_CHECK_NEAR(r.info.objective, -36.0, 1e-14);
  // Shadow prices: row 2 (2y <= 12) 1.5, row 3 1.0, both negative in "d objective / d bound".
  HPPO_CHECK_NEAR(r.y[0], 0.0, 1e-14);
  HPPO_CHECK_NEAR(r.y[1], -1.5, 1e-14);
  HPPO_CHECK_NEAR(r.y[2], -1.0, 1e-14);
  HPPO_CHECK(kktViolation(lp, r) < 1e-12);
}

HPPO_TEST("dense_lp reports infeasible when rows contradict the bounds") {
  Lp lp;
  lp.m = 2, lp.n = 2;
  lp.a = {1, 1, 1, -1};
  lp.c = {1, 1};
  lp.cl = {0, 0}, lp.cu = {1, 1};
  lp.rl = {3, -kInf}, lp.ru = {kInf, 0};  // x + y >= 3 impossible in the unit box
  Result r = run(lp);
  HPPO_CHECK_MSG(r.info.status == Status::Infeasible, statusName(r.info.status));
}

HPPO_TEST("dense_lp reports unbounded along a free column") {
  Lp lp;
  lp.m = 1, lp.n = 2;
  lp.a = {1, -1};
  lp.c = {-1, 0};
  lp.cl = {-kInf, 0}, lp.cu = {kInf, kInf};
  lp.rl = {-kInf}, lp.ru = {1};  // x - y <= 1, minimize -x: x = 1 + y, y unbounded
  Result r = run(lp);
  HPPO_CHECK_MSG(r.info.status == Status::Unbounded, statusName(r.info.status));
}

HPPO_TEST("dense_lp handles free variables, equality and range rows") {
  // min |x - 3| style: x free, t >= x - 3, t >= 3 - x; plus range 1 <= x + z <= 2, z in [0, 10],
  // equality w = 0.5 x; minimize t + w.
  Lp lp;
  lp.m = 4, lp.n = 4;  // columns x, t, z, w
  lp.a = {-1, 1, 0, 0,   1, 1, 0, 0,   1, 0, 1, 0,   0.5, 0, 0, -1};
  lp.c = {0, 1, 0, 1};
  lp.cl = {-kInf, -kInf, 0, -kInf}, lp.cu = {kInf, kInf, 10, kInf};
  lp.rl = {-3, 3, 1, 0}, lp.ru = {kInf, kInf, 2, 0};
  Result r = run(lp);
  HPPO_CHECK(r.info.status == Status::Optimal);
  // t + w = |x - 3| + x/2, x <= 2 (z >= 0): minimum at x = -1? no: x >= 1 - z, z <= 10 -> x >= -9.
  // slope of |x-3| + x/2 for x < 3 is -1/2 -> increase x up to 2 (range row, z = 0): obj 1 + 1 = 2.
  HPPO_CHECK_NEAR(r.x[0], 2.0, 1e-13);
  HPPO_CHECK_NEAR(r.info.objective, 2.0, 1e-13);
  HPPO_CHECK(kktViolation(lp, r) < 1e-12);
}

HPPO_TEST("dense_lp terminates on Beale's cycling example (degenerate)") {
  // Beale (1955): cycles under Dantzig's rule with the textbook ratio test.
  Lp lp;
  lp.m = 3, lp.n = 4;
  lp.a = {0.25, -60, -1.0 / 25, 9,   0.5, -90, -1.0 / 50, 3,   0, 0, 1, 0};
  lp.c = {-0.75, 150, -1.0 / 50, 6};
  lp.cl = {0, 0, 0, 0}, lp.cu = {kInf, kInf, kInf, kInf};
  lp.rl = {-kInf, -kInf, -kInf}, lp.ru = {0, 0, 1};
  Result r = run(lp);
  HPPO_CHECK(r.info.status == Status::Optimal);
  HPPO_CHECK_NEAR(r.info.objective, -0.05, 1e-13);
  HPPO_CHECK(kktViolation(lp, r) < 1e-12);
}

HPPO_TEST("dense_lp random feasible LPs satisfy the KKT conditions") {
  std::mt19937_64 rng(12345);
  int solved = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int m = 5 + trial % 25, n = 8 + (trial * 7) % 60;
    Lp lp = randomLp(rng, m, n, trial % 2 == 0);
    Result r = run(lp);
    HPPO_CHECK_MSG(r.info.status == Status::Optimal, "trial " << trial << ": " << statusName(r.info.status));
    HPPO_CHECK_MSG(kktViolation(lp, r) < kKktTol, "trial " << trial << ": kkt " << kktViolation(lp, r));
    ++solved;
  }
  HPPO_CHECK(solved == 60);
}

HPPO_TEST("dense_lp warm start from the optimal basis of a cost-perturbed problem is faster and agrees") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  int coldIt = 0, warmIt = 0;
  for (int trial = 0; trial < 10; ++trial) {
    Lp lp = randomLp(rng, 20, 60, true);
    Result first = run(lp);
    HPPO_CHECK(first.info.status == Status::Optimal);
    for (double& c : lp.c) c += 0.01 * U(rng);
    Result cold = run(lp);
    Result warm = run(lp, first.basis.data());
    HPPO_CHECK(cold.info.status == Status::Optimal && warm.info.status == Status::Optimal);
    HPPO_CHECK(warm.info.warmStarted);
    HPPO_CHECK_NEAR(warm.info.objective, cold.info.objective, 1e-12);
    HPPO_CHECK(kktViolation(lp, warm) < kKktTol);
    coldIt += cold.info.iterations;
    warmIt += warm.info.iterations;
  }
  HPPO_CHECK_MSG(warmIt * 2 < coldIt, "warm " << warmIt << " vs cold " << coldIt);
}

HPPO_TEST("dense_lp repairs a singular or wrong-sized warm-start basis") {
  std::mt19937_64 rng(99);
  Lp lp = randomLp(rng, 10, 20, true);
  Result cold = run(lp);
  // Two copies of... mark too many columns basic, then too few: both must still solve.
  std::vector<int8_t> many(lp.n + lp.m, basis_status::kBasic);
  Result r1 = run(lp, many.data());
  HPPO_CHECK(r1.info.status == Status::Optimal);
  HPPO_CHECK_NEAR(r1.info.objective, cold.info.objective, 1e-12);
  std::vector<int8_t> few(lp.n + lp.m, basis_status::kUpper);
  few[0] = basis_status::kBasic;
  Result r2 = run(lp, few.data());
  HPPO_CHECK(r2.info.status == Status::Optimal);
  HPPO_CHECK(r2.info.basisRepairs > 0);
  HPPO_CHECK_NEAR(r2.info.objective, cold.info.objective, 1e-12);
  // A singular basis: a zero column made basic.
  Lp z = lp;
  for (int i = 0; i < z.m; ++i) z.a[i * z.n + 3] = 0.0;
  std::vector<int8_t> sing(z.n + z.m, basis_status::kLower);
  sing[3] = basis_status::kBasic;
  for (int i = 1; i < z.m; ++i) sing[z.n + i] = basis_status::kBasic;
  Result r3 = run(z, sing.data());
  Result r3cold = run(z);
  HPPO_CHECK(r3.info.status == Status::Optimal && r3cold.info.status == Status::Optimal);
  HPPO_CHECK(r3.info.basisRepairs > 0);
  HPPO_CHECK_NEAR(r3.info.objective, r3cold.info.objective, 1e-12);
}

HPPO_TEST("dense_lp validate names the field of bad input") {
  Lp lp;
  lp.m = 1, lp.n = 2;
  lp.a = {1, std::nan("")};
  lp.c = {1, 1};
  lp.cl = {0, 0}, lp.cu = {1, 1};
  lp.rl = {0}, lp.ru = {1};
  HPPO_CHECK(validate(lp.view()).find("a[1]") != std::string::npos);
  lp.a[1] = 1;
  lp.cl[1] = 2;
  HPPO_CHECK(validate(lp.view()).find("column 1") != std::string::npos);
  lp.cl[1] = 0;
  HPPO_CHECK(validate(lp.view()).empty());
}

HPPO_TEST("dense_lp batch with chained warm start equals one-by-one solves, any thread count") {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  Lp base = randomLp(rng, 15, 40, true);
  const int K = 37;
  std::vector<Lp> lps(K, base);
  for (int k = 0; k < K; ++k)
    for (double& c : lps[k].c) c += 0.05 * U(rng);
  std::vector<Problem> ps(K);
  for (int k = 0; k < K; ++k) ps[k] = lps[k].view();
  for (int threads : {1, 2, 3}) {
    std::vector<std::vector<double>> xs(K, std::vector<double>(base.n));
    std::vector<Output> outs(K);
    for (int k = 0; k < K; ++k) outs[k].x = xs[k].data();
    std::vector<Info> infos(K);
    BatchOptions opt;
    opt.threads = threads, opt.chainWarmStart = true, opt.chainLength = 8;
    solveBatch(ps.data(), outs.data(), infos.data(), K, Settings{}, opt);
    int warmCount = 0;
    for (int k = 0; k < K; ++k) {
      Result one = run(lps[k]);
      HPPO_CHECK(infos[k].status == Status::Optimal);
      HPPO_CHECK_NEAR(infos[k].objective, one.info.objective, 1e-12);
      for (int j = 0; j < base.n; ++j) HPPO_CHECK_NEAR(xs[k][j], one.x[j], 1e-9);
      warmCount += infos[k].warmStarted;
    }
    HPPO_CHECK(warmCount == K - (K + 7) / 8);  // every problem but the first of each chain
  }
}

HPPO_TEST("dense_lp stops with Cancelled when the cancel flag is set") {
  std::mt19937_64 rng(5);
  Lp lp = randomLp(rng, 10, 20, false);
  volatile int32_t flag = 1;
  std::vector<double> x(lp.n);
  Output o;
  o.x = x.data();
  Info info = solve(lp.view(), Settings{}, o, nullptr, &flag);
  HPPO_CHECK(info.status == Status::Cancelled);
}

HPPO_TEST("dense_lp batch over one shared matrix (factorization reuse) is bit-identical across thread counts") {
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  Lp base = randomLp(rng, 18, 45, true);
  const int K = 40;
  std::vector<std::vector<double>> costs(K, base.c);
  for (auto& c : costs)
    for (double& v : c) v += 0.02 * U(rng);
  std::vector<Problem> ps(K);
  for (int k = 0; k < K; ++k) {
    ps[k] = base.view();
    ps[k].c = costs[k].data();  // same a, bounds: only the costs differ
  }
  std::vector<std::vector<double>> first;
  for (int threads : {1, 3}) {
    std::vector<std::vector<double>> xs(K, std::vector<double>(base.n));
    std::vector<Output> outs(K);
    for (int k = 0; k < K; ++k) outs[k].x = xs[k].data();
    std::vector<Info> infos(K);
    BatchOptions opt;
    opt.threads = threads, opt.chainWarmStart = true, opt.chainLength = 10;
    solveBatch(ps.data(), outs.data(), infos.data(), K, Settings{}, opt);
    for (int k = 0; k < K; ++k) {
      HPPO_CHECK(infos[k].status == Status::Optimal);
      Lp one = base;
      one.c = costs[k];
      Result r = run(one);
      HPPO_CHECK_NEAR(infos[k].objective, r.info.objective, 1e-12);
      for (int j = 0; j < base.n; ++j) HPPO_CHECK_NEAR(xs[k][j], r.x[j], 1e-9);
    }
    if (first.empty()) first = xs;
    else
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < base.n; ++j) HPPO_CHECK(xs[k][j] == first[k][j]);
  }
}

HPPO_TEST("dense_lp steepest-edge pricing reaches the same optima as Dantzig in fewer pivots") {
  std::mt19937_64 rng(4242);
  int itDantzig = 0, itSteepest = 0;
  for (int trial = 0; trial < 12; ++trial) {
    Lp lp = randomLp(rng, 20 + trial * 3, 60 + trial * 10, trial % 2 == 0);
    Settings sd, ss;
    sd.pricing = Pricing::Dantzig;
    ss.pricing = Pricing::SteepestEdge;
    Result a = run(lp, nullptr, sd);
    Result b = run(lp, nullptr, ss);
    HPPO_CHECK(a.info.status == Status::Optimal && b.info.status == Status::Optimal);
    HPPO_CHECK_NEAR(a.info.objective, b.info.objective, 1e-12);
    HPPO_CHECK_MSG(kktViolation(lp, b) < kKktTol, "trial " << trial << ": kkt " << kktViolation(lp, b));
    itDantzig += a.info.iterations;
    itSteepest += b.info.iterations;
  }
  HPPO_CHECK_MSG(itSteepest < itDantzig, "steepest edge " << itSteepest << " vs Dantzig " << itDantzig);
}
