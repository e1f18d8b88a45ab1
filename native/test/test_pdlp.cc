// Core PDLP tests (no Node): hand-derived LPs, infeasible/unbounded, limits, warm start, cancel,
// dense-block structure; run on the CPU backend and on CUDA when a device is present.
#include <atomic>
#include <cmath>
#include <limits>
#include <string>

#include "backend.h"
#include "device.h"
#include "harness.h"
#include "pdlp/pdlp.h"

using namespace hppo;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

CsrMatrix csr(int rows, int cols, std::vector<std::vector<double>> dense) {
  CsrMatrix a;
  a.rows = rows;
  a.cols = cols;
  a.rowPtr.push_back(0);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j)
      if (dense[i][j] != 0.0) { a.colIdx.push_back(j); a.values.push_back(dense[i][j]); }
    a.rowPtr.push_back(static_cast<std::int64_t>(a.colIdx.size()));
  }
  return a;
}

pdlp::Problem lp(int rows, int cols, std::vector<std::vector<double>> A, std::vector<double> c, std::vector<double> rl,
                 std::vector<double> ru, std::vector<double> cl, std::vector<double> cu) {
  pdlp::Problem p;
  p.A.rows = rows;
  p.A.cols = cols;
  p.A.sparse = csr(rows, cols, A);
  p.c = c; p.rowLower = rl; p.rowUpper = ru; p.colLower = cl; p.colUpper = cu;
  return p;
}

// Both backends where present; a missing CUDA device is a Skip, reported by the driver.
template <typename F>
void eachBackend(F f) {
  f(*makeCpuBackend(2));
  std::string why;
  CudaProbe probe = probeCuda();
  if (!probe.compiled || probe.devices.empty()) throw hppo_test::Skip("cpu passed; cuda skipped: " + (probe.message.empty() ? std::string("no device") : probe.message));
  auto cuda = makeCudaBackend(0, &why);
  if (!cuda) throw hppo_test::Skip("cpu passed; cuda skipped: " + why);
  f(*cuda);
}

// Independent KKT check in the original space.
void checkKkt(const pdlp::Problem& p, const pdlp::Solution& s, double tol) {
  const std::size_t m = p.rowLower.size(), n = p.c.size();
  std::vector<double> ax(m), aty(n);
  hostSpmv(p.A, s.x.data(), ax.data());
  hostSpmvT(p.A, s.y.data(), aty.data());
  double pr = 0, bn = 0, dr = 0, cn = 0, pobj = p.offset, dobj = p.offset;
  for (std::size_t i = 0; i < m; ++i) {
    const double v = ax[i] < p.rowLower[i] ? p.rowLower[i] - ax[i] : (ax[i] > p.rowUpper[i] ? ax[i] - p.rowUpper[i] : 0);
    pr += v * v;
    double b = 0;
    if (std::isfinite(p.rowLower[i])) b = std::fabs(p.rowLower[i]);
    if (std::isfinite(p.rowUpper[i])) b = std::max(b, std::fabs(p.rowUpper[i]));
    bn += b * b;
    const double y = s.y[i];
    if (y > 0) { if (std::isfinite(p.rowLower[i])) dobj += y * p.rowLower[i]; else dr += y * y; }
    if (y < 0) { if (std::isfinite(p.rowUpper[i])) dobj += y * p.rowUpper[i]; else dr += y * y; }
  }
  for (std::size_t j = 0; j < n; ++j) {
    HPPO_CHECK(s.x[j] >= p.colLower[j] && s.x[j] <= p.colUpper[j]);
    pobj += p.c[j] * s.x[j];
    cn += p.c[j] * p.c[j];
    const double l = p.c[j] - aty[j];
    if (l > 0) { if (std::isfinite(p.colLower[j])) dobj += l * p.colLower[j]; else dr += l * l; }
    if (l < 0) { if (std::isfinite(p.colUpper[j])) dobj += l * p.colUpper[j]; else dr += l * l; }
  }
  HPPO_CHECK_MSG(std::sqrt(pr) / (1 + std::sqrt(bn)) <= tol, "primal residual " << std::sqrt(pr));
  HPPO_CHECK_MSG(std::sqrt(dr) / (1 + std::sqrt(cn)) <= tol, "dual residual " << std::sqrt(dr));
  HPPO_CHECK_MSG(std::fabs(pobj - dobj) / (1 + std::fabs(pobj) + std::fabs(dobj)) <= tol, "gap " << pobj << " vs " << dobj);
}

// min -x - y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0  ->  x = 1.6, y = 1.2, obj = -2.8
pdlp::Problem smallLp() {
  return lp(2, 2, {{1, 2}, {3, 1}}, {-1, -1}, {-kInf, -kInf}, {4, 6}, {0, 0}, {kInf, kInf});
}

}  // namespace

HPPO_TEST("pdlp solves a 2x2 LP to its hand-derived optimum on every backend") {
  eachBackend([](Backend& be) {
    pdlp::Problem p = smallLp();
    pdlp::Settings s;
    s.tolerance = 1e-8;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, {}, &sol, &info);
    HPPO_CHECK_MSG(info.status == pdlp::kOptimal, info.status);
    HPPO_CHECK_NEAR(sol.x[0], 1.6, 1e-6);
    HPPO_CHECK_NEAR(sol.x[1], 1.2, 1e-6);
    HPPO_CHECK_NEAR(info.primalObjective, -2.8, 1e-7);
    HPPO_CHECK_NEAR(sol.y[0], -0.4, 1e-6);  // duals: 1 = y1 + 3 y2, 1 = 2 y1 + y2 -> y = (0.4, 0.2), sign <= 0 for <= rows
    HPPO_CHECK_NEAR(sol.y[1], -0.2, 1e-6);
    checkKkt(p, sol, 1e-7);
  });
}

HPPO_TEST("pdlp handles equality, ranged and free rows/columns with an offset") {
  eachBackend([](Backend& be) {
    // min 2a + 3b - c + 5 s.t. a + b + c = 10, 1 <= a - b <= 3, c free in [-inf, 4], a,b >= 0
    // c = 4 at its upper bound; a + b = 6 with a - b in [1,3]: cost 2a + 3b minimal at a-b = 3 -> a=4.5,b=1.5
    pdlp::Problem p = lp(2, 3, {{1, 1, 1}, {1, -1, 0}}, {2, 3, -1}, {10, 1}, {10, 3}, {0, 0, -kInf}, {kInf, kInf, 4});
    p.offset = 5;
    pdlp::Settings s;
    s.tolerance = 1e-8;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, {}, &sol, &info);
    HPPO_CHECK_MSG(info.status == pdlp::kOptimal, info.status);
    HPPO_CHECK_NEAR(sol.x[0], 4.5, 1e-6);
    HPPO_CHECK_NEAR(sol.x[1], 1.5, 1e-6);
    HPPO_CHECK_NEAR(sol.x[2], 4.0, 1e-6);
    HPPO_CHECK_NEAR(info.primalObjective, 2 * 4.5 + 3 * 1.5 - 4 + 5, 1e-7);
    checkKkt(p, sol, 1e-7);
  });
}

HPPO_TEST("pdlp reports primal infeasibility for x + y <= 1, x + y >= 3") {
  eachBackend([](Backend& be) {
    pdlp::Problem p = lp(2, 2, {{1, 1}, {1, 1}}, {1, 1}, {-kInf, 3}, {1, kInf}, {0, 0}, {kInf, kInf});
    pdlp::Settings s;
    s.iterationLimit = 200000;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, {}, &sol, &info);
    HPPO_CHECK_MSG(info.status == pdlp::kPrimalInfeasible, info.status);
  });
}

HPPO_TEST("pdlp reports dual infeasibility for an unbounded LP") {
  eachBackend([](Backend& be) {
    // min -x s.t. x - y <= 1, x, y >= 0: ray (1,1)
    pdlp::Problem p = lp(1, 2, {{1, -1}}, {-1, 0}, {-kInf}, {1}, {0, 0}, {kInf, kInf});
    pdlp::Settings s;
    s.iterationLimit = 200000;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, {}, &sol, &info);
    HPPO_CHECK_MSG(info.status == pdlp::kDualInfeasible, info.status);
  });
}

HPPO_TEST("pdlp iteration limit returns a real iterate with its residuals") {
  eachBackend([](Backend& be) {
    pdlp::Problem p = smallLp();
    pdlp::Settings s;
    s.tolerance = 1e-12;
    s.iterationLimit = 10;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, {}, &sol, &info);
    HPPO_CHECK_MSG(info.status == pdlp::kIterationLimit, info.status);
    HPPO_CHECK(info.iterations == 10);
    HPPO_CHECK(sol.x.size() == 2 && std::isfinite(sol.x[0]) && std::isfinite(info.primalResidual));
  });
}

HPPO_TEST("pdlp warm start from the optimum converges at the first check") {
  eachBackend([](Backend& be) {
    pdlp::Problem p = smallLp();
    pdlp::Settings s;
    s.tolerance = 1e-6;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, {}, &sol, &info);
    HPPO_CHECK(info.status == pdlp::kOptimal);
    pdlp::WarmStart w{sol.x, sol.y};
    pdlp::Solution sol2;
    pdlp::Info info2;
    pdlp::solve(p, s, be, &w, {}, &sol2, &info2);
    HPPO_CHECK_MSG(info2.status == pdlp::kOptimal, info2.status);
    HPPO_CHECK_MSG(info2.iterations <= s.checkEvery && info2.iterations < info.iterations,
                   info2.iterations << " vs cold " << info.iterations);
  });
}

HPPO_TEST("pdlp stops with status cancelled when the flag is set") {
  eachBackend([](Backend& be) {
    pdlp::Problem p = smallLp();
    pdlp::Settings s;
    s.tolerance = 1e-12;
    std::atomic<bool> cancel{true};
    pdlp::Hooks hooks;
    hooks.cancel = &cancel;
    pdlp::Solution sol;
    pdlp::Info info;
    pdlp::solve(p, s, be, nullptr, hooks, &sol, &info);
    HPPO_CHECK_MSG(info.status == pdlp::kCancelled, info.status);
  });
}

HPPO_TEST("pdlp rejects NaN coefficients and mismatched lengths naming the argument") {
  pdlp::Problem p = smallLp();
  p.c[1] = std::nan("");
  HPPO_CHECK(pdlp::validate(p).rfind("c[1]", 0) == 0);
  p = smallLp();
  p.rowUpper.pop_back();
  HPPO_CHECK(pdlp::validate(p).rfind("rowUpper", 0) == 0);
  p = smallLp();
  p.A.sparse.values[0] = std::numeric_limits<double>::infinity();
  HPPO_CHECK(pdlp::validate(p).rfind("A.values[0]", 0) == 0);
}

HPPO_TEST("pdlp dense scenario block (f64 and f32) matches the CSR solve of a small CVaR LP") {
  // Tiny CVaR-like LP: S scenarios x n assets, min t + 1/((1-a)S) sum u - mu'w, u_s >= -r_s'w - t,
  // sum w = 1, 0 <= w <= 0.6.
  const int S = 40, n = 8;
  std::vector<std::vector<double>> R(S, std::vector<double>(n));
  unsigned st = 12345;
  auto rnd = [&]() { st = st * 1103515245u + 12345u; return ((st >> 8) & 0xffff) / 65536.0 - 0.5; };
  std::vector<double> mu(n, 0.0);
  for (int s = 0; s < S; ++s) for (int i = 0; i < n; ++i) { R[s][i] = 0.02 * rnd() + 0.001 * i; mu[i] += R[s][i] / S; }
  const int cols = n + 1 + S, rows = S + 1;
  std::vector<std::vector<double>> A(rows, std::vector<double>(cols, 0.0));
  for (int s = 0; s < S; ++s) { for (int i = 0; i < n; ++i) A[s][i] = R[s][i]; A[s][n] = 1; A[s][n + 1 + s] = 1; }
  for (int i = 0; i < n; ++i) A[S][i] = 1;
  std::vector<double> c(cols, 0.0), cl(cols, 0.0), cu(cols, kInf), rl(rows, 0.0), ru(rows, kInf);
  for (int i = 0; i < n; ++i) { c[i] = -mu[i]; cu[i] = 0.6; }
  c[n] = 1; cl[n] = -kInf;
  for (int s = 0; s < S; ++s) c[n + 1 + s] = 1.0 / (0.05 * S);
  rl[S] = ru[S] = 1;
  pdlp::Problem p = lp(rows, cols, A, c, rl, ru, cl, cu);
  pdlp::Settings set;
  set.tolerance = 1e-8;
  eachBackend([&](Backend& be) {
    pdlp::Solution s0, s1, s2;
    pdlp::Info i0, i1, i2;
    pdlp::solve(p, set, be, nullptr, {}, &s0, &i0);
    HPPO_CHECK_MSG(i0.status == pdlp::kOptimal, i0.status);
    checkKkt(p, s0, 1e-7);
    pdlp::Problem pd = p;
    HPPO_CHECK(pdlp::extractDenseBlock(p.A.sparse, 4, 4, false, &pd.A));
    // w and t are dense in every scenario row (t follows w, so the block may take it too)
    HPPO_CHECK(pd.A.dense.rows >= S - 1 && pd.A.dense.cols >= n && pd.A.dense.col0 == 0);
    HPPO_CHECK(pd.A.sparse.nnz() + static_cast<std::int64_t>(pd.A.dense.rows) * pd.A.dense.cols == p.A.sparse.nnz());
    pdlp::solve(pd, set, be, nullptr, {}, &s1, &i1);
    HPPO_CHECK_MSG(i1.status == pdlp::kOptimal, i1.status);
    HPPO_CHECK_NEAR(i1.primalObjective, i0.primalObjective, 1e-7);
    checkKkt(pd, s1, 1e-7);
    pdlp::Problem pf = p;
    HPPO_CHECK(pdlp::extractDenseBlock(p.A.sparse, 4, 4, true, &pf.A));
    pdlp::solve(pf, set, be, nullptr, {}, &s2, &i2);
    HPPO_CHECK_MSG(i2.status == pdlp::kOptimal, i2.status);
    HPPO_CHECK_NEAR(i2.primalObjective, i0.primalObjective, 1e-5);
  });
}

HPPO_TEST("cpu backend products and reductions match the host reference") {
  auto be = makeCpuBackend(2);
  const int m = 3000, n = 70000;  // n and the stored entries above the parallel thresholds
  BlockMatrix a;
  a.rows = m; a.cols = n;
  a.sparse.rows = m; a.sparse.cols = n;
  a.sparse.rowPtr.push_back(0);
  for (int i = 0; i < m; ++i) {
    for (int j = 100 + i; j < n; j += 997) { a.sparse.colIdx.push_back(j); a.sparse.values.push_back(0.001 * ((i + j) % 13) - 0.005); }
    a.sparse.rowPtr.push_back(static_cast<std::int64_t>(a.sparse.colIdx.size()));
  }
  // a dense block over rows [10, 2990) x cols [0, 100); the sparse part avoids it (cols >= 100)
  a.dense.row0 = 10; a.dense.col0 = 0; a.dense.rows = 2980; a.dense.cols = 100;
  for (int k = 0; k < 2980 * 100; ++k) a.dense.f64.push_back(std::sin(k * 0.1));
  std::vector<double> x(n), y(m), ax(m), aty(n), got(std::max(m, n));
  for (int j = 0; j < n; ++j) x[j] = std::cos(j * 0.01);
  for (int i = 0; i < m; ++i) y[i] = 1.0 / (1 + i);
  hostSpmv(a, x.data(), ax.data());
  hostSpmvT(a, y.data(), aty.data());
  auto dm = be->uploadMatrix(a);
  Buffer bx = be->alloc(n), by = be->alloc(m), bax = be->alloc(m), baty = be->alloc(n);
  be->upload(bx, x.data());
  be->upload(by, y.data());
  be->spmv(*dm, 1.0, bx, 0.0, bax);
  be->spmvT(*dm, 1.0, by, 0.0, baty);
  be->download(bax, got.data());
  for (int i = 0; i < m; ++i) HPPO_CHECK_NEAR(got[i], ax[i], 1e-11);
  be->download(baty, got.data());
  for (int j = 0; j < n; ++j) HPPO_CHECK_NEAR(got[j], aty[j], 1e-11);
  double d = 0;
  for (int j = 0; j < n; ++j) d += x[j] * aty[j];
  HPPO_CHECK_NEAR(be->dot(bx, baty), d, 1e-10);
  const double d1 = be->dot(bx, baty), d2 = be->dot(bx, baty);
  HPPO_CHECK(d1 == d2);
  // Chunking is fixed by the data, not the thread count: one thread gives the same bits.
  auto one = makeCpuBackend(1);
  auto dm1 = one->uploadMatrix(a);
  Buffer ox = one->alloc(n), oy = one->alloc(m), oaty = one->alloc(n);
  one->upload(ox, x.data());
  one->upload(oy, y.data());
  one->spmvT(*dm1, 1.0, oy, 0.0, oaty);
  std::vector<double> got1(n);
  one->download(oaty, got1.data());
  be->download(baty, got.data());
  for (int j = 0; j < n; ++j) HPPO_CHECK(got1[j] == got[j]);
  HPPO_CHECK(one->dot(ox, oaty) == d1);
}
