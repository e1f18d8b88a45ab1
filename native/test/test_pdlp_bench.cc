// PDLP timing on a synthetic mean-CVaR LP built in C++ (no Node, no Python), so a GPU machine can
// measure the CUDA backend: skipped unless HPPO_PDLP_BENCH=<n>x<S> is set, e.g.
//   HPPO_PDLP_BENCH=397x20000 make -C native test-core ARGS="pdlp bench"
// Same formulation as ../shared/peers/gen_cvar.py (w, z, c, t, u columns; scenario, budget,
// |w| <= z and leverage rows; alpha 0.95, lambda 1, w in [-0.3, 0.4], c in [0, 0.2], L 1.6),
// returns from a seeded 5-factor model with fat tails (not the peers' exact numbers).
// Prints setup/solve seconds, iterations and the objective for cpu (f64, f32) and cuda (f64, f32).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <thread>
#include <algorithm>
#include <string>

#include "backend.h"
#include "device.h"
#include "harness.h"
#include "pdlp/pdlp.h"

using namespace hppo;

namespace {

struct Lcg {
  unsigned long long s;
  double uniform() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((s >> 11) + 0.5) / 9007199254740992.0;
  }
  double normal() { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
  double studentT4() {  // t(4) scaled to unit variance
    double z = normal(), c = 0;
    for (int k = 0; k < 4; ++k) { const double g = normal(); c += g * g; }
    return z / std::sqrt(c / 4.0) * std::sqrt(0.5);
  }
};

pdlp::Problem cvar(int n, int S, bool float32) {
  const double kInf = std::numeric_limits<double>::infinity();
  Lcg rng{0x9e3779b97f4a7c15ULL ^ (static_cast<unsigned long long>(n) << 20) ^ static_cast<unsigned long long>(S)};
  const int K = 5;
  const double fvol[K] = {0.010, 0.006, 0.005, 0.004, 0.003};
  std::vector<double> B(static_cast<std::size_t>(n) * K), ivol(n), a(n);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < K; ++k) B[i * K + k] = rng.normal();
    B[i * K] = 0.5 + rng.uniform();
    ivol[i] = 0.008 + 0.017 * rng.uniform();
    a[i] = 0.0004 + 0.0004 * rng.normal();
  }
  const int ncol = 2 * n + 2 + S, m = S + 1 + 2 * n + 1;
  const int ic = 2 * n, it = 2 * n + 1, iu0 = 2 * n + 2;
  pdlp::Problem p;
  p.A.rows = m;
  p.A.cols = ncol;
  DenseBlock& d = p.A.dense;
  d.row0 = 0; d.col0 = 0; d.rows = S; d.cols = n; d.float32 = float32;
  std::vector<double> R(static_cast<std::size_t>(S) * n), mu(n, 0.0);
  for (int s = 0; s < S; ++s) {
    double f[K];
    for (int k = 0; k < K; ++k) f[k] = rng.studentT4() * fvol[k];
    for (int i = 0; i < n; ++i) {
      double r = a[i] + rng.studentT4() * ivol[i];
      for (int k = 0; k < K; ++k) r += B[i * K + k] * f[k];
      r = std::round(r * 1e7) / 1e7;
      R[static_cast<std::size_t>(s) * n + i] = r;
      mu[i] += r / S;
    }
  }
  if (float32) d.f32.assign(R.begin(), R.end()); else d.f64 = R;
  CsrMatrix& A = p.A.sparse;
  A.rows = m; A.cols = ncol;
  A.rowPtr.push_back(0);
  auto put = [&](int j, double v) { A.colIdx.push_back(j); A.values.push_back(v); };
  auto endRow = [&]() { A.rowPtr.push_back(static_cast<std::int64_t>(A.colIdx.size())); };
  for (int s = 0; s < S; ++s) { put(it, 1.0); put(iu0 + s, 1.0); endRow(); }          // r_s'w + t + u_s >= 0
  for (int i = 0; i < n; ++i) put(i, 1.0);
  put(ic, 1.0);
  endRow();  // sum w + c = 1
  for (int i = 0; i < n; ++i) { put(i, 1.0); put(n + i, -1.0); endRow(); }             // w - z <= 0
  for (int i = 0; i < n; ++i) { put(i, 1.0); put(n + i, 1.0); endRow(); }              // w + z >= 0
  for (int i = 0; i < n; ++i) put(n + i, 1.0);
  endRow();  // sum z <= L
  p.rowLower.assign(m, 0.0);
  p.rowUpper.assign(m, kInf);
  p.rowLower[S] = p.rowUpper[S] = 1.0;
  for (int i = 0; i < n; ++i) { p.rowLower[S + 1 + i] = -kInf; p.rowUpper[S + 1 + i] = 0.0; }
  p.rowLower[m - 1] = -kInf; p.rowUpper[m - 1] = 1.6;
  p.c.assign(ncol, 0.0);
  p.colLower.assign(ncol, 0.0);
  p.colUpper.assign(ncol, kInf);
  for (int i = 0; i < n; ++i) { p.c[i] = -mu[i]; p.colLower[i] = -0.3; p.colUpper[i] = 0.4; }
  p.colUpper[ic] = 0.2;
  p.c[it] = 1.0; p.colLower[it] = -kInf;
  for (int s = 0; s < S; ++s) p.c[iu0 + s] = 1.0 / (0.05 * S);
  return p;
}

}  // namespace

HPPO_TEST("pdlp bench: synthetic CVaR LP timing on every backend (HPPO_PDLP_BENCH=nxS)") {
  const char* spec = std::getenv("HPPO_PDLP_BENCH");
  if (spec == nullptr) throw hppo_test::Skip("set HPPO_PDLP_BENCH=397x20000 to run");
  int n = 0, S = 0;
  if (std::sscanf(spec, "%dx%d", &n, &S) != 2 || n < 1 || S < 1) throw hppo_test::Skip("HPPO_PDLP_BENCH must look like 397x20000");
  const double tol = std::getenv("HPPO_PDLP_BENCH_TOL") ? std::atof(std::getenv("HPPO_PDLP_BENCH_TOL")) : 1e-4;
  pdlp::Settings st;
  st.tolerance = tol;
  double ref = std::numeric_limits<double>::quiet_NaN();
  for (int useCuda = 0; useCuda < 2; ++useCuda) {
    std::unique_ptr<Backend> be;
    std::string why;
    if (useCuda) {
      CudaProbe probe = probeCuda();
      if (probe.compiled && !probe.devices.empty()) be = makeCudaBackend(0, &why);
      else why = probe.message;
      if (!be) { std::printf("  cuda: skipped (%s)\n", why.c_str()); continue; }
    } else {
      be = makeCpuBackend(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    }
    for (int f32 = 0; f32 < 2; ++f32) {
      pdlp::Problem p = cvar(n, S, f32 != 0);
      pdlp::Solution sol;
      pdlp::Info info;
      pdlp::solve(p, st, *be, nullptr, {}, &sol, &info);
      std::printf("  %-4s %s %dx%d tol %.0e: %s, %lld iterations, setup %.3f s, solve %.3f s, objective %.10g (%s)\n", be->name(),
                  f32 ? "f32" : "f64", n, S, tol, info.status.c_str(), static_cast<long long>(info.iterations), info.setupSeconds,
                  info.solveSeconds, info.primalObjective, info.device.c_str());
      HPPO_CHECK_MSG(info.status == pdlp::kOptimal, info.status);
      if (std::isnan(ref)) ref = info.primalObjective;
      HPPO_CHECK_NEAR(info.primalObjective, ref, 1e-3);
    }
  }
}
