#include "gp/finite_acquisition.h"

#include "gp/exp_poly.h"
#include "gp/vec8.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace hppo::bo {

namespace {

constexpr double kSqrt5 = 2.23606797749978969640917366873127623544;
constexpr double kLogSqrt2Pi = 0.91893853320467274178032973640561763986;
// Slack for rounding: the exact log EI may exceed the bound by an ulp (as in bo-finite.ts).
constexpr double kBoundSlack = 1e-9;
// Forward-solve entries advanced per heap visit.
constexpr int kSolveChunk = 16;

double normalPdf(double z) { return std::exp(-0.5 * z * z - kLogSqrt2Pi); }

// e^x for x in [-708, 0] (gp/exp_poly.h), branch-free so that loops over candidates vectorize;
// several times cheaper than std::exp (no errno wrapper, no table). Used for the kernel and the
// EI bounds, which are evaluated for every candidate.
inline double expCore(double x) {
  using namespace hppo::gp;
  const double kf = std::floor(x * kLog2e + 0.5);
  const double p = expTaylor((x - kf * kLn2Hi) - kf * kLn2Lo);
  const uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(kf) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// e^x for x <= 0 (std::exp below -708, where the result is subnormal or zero).
inline double expNonPositive(double x) {
  if (!(x > -708.0)) return x > -745.2 ? std::exp(x) : 0.0;
  return expCore(x);
}

// Mills ratio R(t) = Φ(-t)/φ(t), t >= 2, continued fraction (modified Lentz), as normal.ts.
double millsRatio(double t) {
  const double tiny = 1e-300;
  double f = t, c = f, d = 0;
  for (int k = 1; k < 500; ++k) {
    d = t + k * d;
    d = std::fabs(d) < tiny ? tiny : d;
    c = t + k / c;
    c = std::fabs(c) < tiny ? tiny : c;
    d = 1 / d;
    const double delta = c * d;
    f *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

// EI upper bounds in linear space (boundKey's), in place over means (key[j] in: mean, out: bound);
// branch-free so that it vectorizes (with -fno-math-errno -fno-trapping-math, set for the whole
// native build: sqrt without errno, a double -> int conversion that may not trap).
void linearBounds(double* __restrict key, const double* __restrict var, int len, double best, double xi) {
  for (int j = 0; j < len; ++j) {
    const double sd = std::sqrt(var[j]);
    const double imp = best - key[j] - xi;
    const bool tiny = !(sd > 1e-12);
    const double z = imp / (tiny ? 1.0 : sd);
    const double x = -0.5 * z * z - kLogSqrt2Pi;
    const double xc = x > -708.0 ? x : -708.0;
    const double e = expCore(xc);
    const double pdf = x > -708.0 ? e : 0.0;
    const double lin = z >= 0 ? sd * (z + pdf) : sd * pdf / (1 + z * z);
    const double pos = imp > 0 ? imp : 0.0;
    key[j] = (tiny ? pos : lin) * (1 + kBoundSlack);
  }
}

// max(0, a[0..len)) for a without NaN; eight lanes (a max over doubles is not vectorized as written).
inline double maxOf(const double* a, int len) {
  using gp::V8;
  V8 acc = V8{0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= len; j += 8) {
    const V8 v = gp::load8(a + j);
    acc = acc > v ? acc : v;
  }
  double m = 0;
  for (int l = 0; l < 8; l++) m = std::max(m, acc[l]);
  for (; j < len; ++j) m = std::max(m, a[j]);
  return m;
}

}  // namespace

double logH(double z) {
  if (z >= -4) return std::log(normalPdf(z) + z * 0.5 * std::erfc(-z / std::sqrt(2.0)));
  const double t = -z;
  const double logPhi = -0.5 * t * t - kLogSqrt2Pi;
  double tail;
  if (t > 100) {
    const double it2 = 1 / (t * t);
    tail = it2 * (1 - 3 * it2 + 15 * it2 * it2);
  } else {
    tail = 1 - t * millsRatio(t);
  }
  return logPhi + std::log(tail);
}

double logExpectedImprovement(double mean, double sd, double best, double xi) {
  if (!(sd > 1e-12)) {
    const double imp = best - mean - xi;
    return imp > 0 ? std::log(imp) : -INFINITY;
  }
  return std::log(sd) + logH((best - mean - xi) / sd);
}

double logExpectedImprovementBound(double mean, double sd, double best, double xi) {
  if (!(sd > 1e-12)) {
    const double imp = best - mean - xi;
    return imp > 0 ? std::log(imp) : -INFINITY;
  }
  const double z = (best - mean - xi) / sd;
  if (z >= 0) return std::log(sd * (z + normalPdf(z)));
  return std::log(sd) - 0.5 * z * z - kLogSqrt2Pi - std::log1p(z * z);
}

FiniteAcquisition::FiniteAcquisition(const double* xs, int m, int d, int capacity, const double* theta)
    : m_(m), d_(d), cap_(capacity), xs_(xs, xs + static_cast<size_t>(m) * d), invL2_(d) {
  const size_t M = static_cast<size_t>(m), C = static_cast<size_t>(capacity);
  X_.assign(C * d, 0);
  y_.assign(C, 0);
  L_.reset(new double[C * C]);  // row i: entries 0..i written by addPoint before any read
  alpha_.assign(C, 0);
  kbuf_.assign(C, 0);
  alphaReal_.assign(C, 0);
  // Per-candidate rows: only the first kn_ / done_ entries are ever read, each written first; left
  // uninitialized, so pages are only touched (and zeroed by the OS) as rows grow.
  K_.reset(new double[M * C]);
  V_.reset(new double[M * C]);
  vv_.assign(M, 0);
  mean_.assign(M, 0);
  varBound_.assign(M, 0);
  score_.assign(M, 0);
  kn_.assign(M, 0);
  done_.assign(M, 0);
  exactAt_.assign(M, -1);
  heap_.assign(M, 0);
  reset(theta);
}

void FiniteAcquisition::reset(const double* theta) {
  for (int k = 0; k < d_; ++k) invL2_[k] = std::exp(-2 * theta[k]);
  s2_ = std::exp(theta[d_]);
  noise_ = std::exp(theta[d_ + 1]);
  n_ = 0;
  rowIds_.clear();
  std::fill(kn_.begin(), kn_.end(), 0);
  std::fill(done_.begin(), done_.end(), 0);
  std::fill(vv_.begin(), vv_.end(), 0.0);
}

double FiniteAcquisition::kernel(const double* a, const double* b) const {
  double r2 = 0;
  for (int k = 0; k < d_; ++k) {
    const double t = a[k] - b[k];
    r2 += t * t * invL2_[k];
  }
  const double r = std::sqrt(r2);
  return s2_ * (1 + kSqrt5 * r + (5.0 / 3.0) * r2) * expNonPositive(-kSqrt5 * r);
}

bool FiniteAcquisition::addPoint(const double* x, double y, bool solve) {
  const int n = n_;
  if (n >= cap_) return false;
  double* k = kbuf_.data();
  kernelRow(x, 0, n, k);
  // Forward solve L z = k.
  for (int i = 0; i < n; ++i) {
    const double* Li = &L_[static_cast<size_t>(i) * cap_];
    k[i] = (k[i] - gp::dot(Li, k, i)) / Li[i];
  }
  const double s = s2_ + noise_ - gp::dot(k, k, n);
  if (!(s > 1e-14 * s2_)) return false;
  double* Ln = &L_[static_cast<size_t>(n) * cap_];
  for (int i = 0; i < n; ++i) Ln[i] = k[i];
  Ln[n] = std::sqrt(s);
  for (int c = 0; c < d_; ++c) X_[static_cast<size_t>(n) * d_ + c] = x[c];
  y_[n] = y;
  n_ = n + 1;
  if (solve) solveAlpha();
  return true;
}

void FiniteAcquisition::solveAlpha() {
  const int n = n_;
  double* a = alpha_.data();
  for (int i = 0; i < n; ++i) {
    const double* Li = &L_[static_cast<size_t>(i) * cap_];
    a[i] = (y_[i] - gp::dot(Li, a, i)) / Li[i];
  }
  // Backward solve Lᵀα = z by rows of L (axpy: independent updates, contiguous, vectorized).
  for (int i = n - 1; i >= 0; --i) {
    const double* Li = &L_[static_cast<size_t>(i) * cap_];
    const double ai = a[i] / Li[i];
    a[i] = ai;
    for (int j = 0; j < i; ++j) a[j] -= Li[j] * ai;
  }
}

void FiniteAcquisition::truncate(int n) {
  n_ = n;
  for (int c = 0; c < m_; ++c) {
    if (kn_[c] > n) kn_[c] = n;
    if (done_[c] > n) {
      done_[c] = n;
      const double* v = &V_[static_cast<size_t>(c) * cap_];
      double s = 0;
      for (int i = 0; i < n; ++i) s += v[i] * v[i];
      vv_[c] = s;
    }
  }
}

void FiniteAcquisition::kernelRow(const double* x, int from, int to, double* out) const {
  const double* __restrict X = X_.data();
  const double* __restrict w = invL2_.data();
  double* __restrict o = out;
  const int d = d_;
  // Two branch-free passes that vectorize (a new θ recomputes every row of every candidate):
  // scaled squared distances, then the Matérn 5/2 value in place.
  for (int i = from; i < to; ++i) {
    double r2 = 0;
    for (int k = 0; k < d; ++k) {
      const double t = X[static_cast<size_t>(i) * d + k] - x[k];
      r2 += t * t * w[k];
    }
    o[i] = r2;
  }
  const double s2 = s2_;
  for (int i = from; i < to; ++i) {
    const double r2 = o[i];
    const double r = std::sqrt(r2);
    const double e0 = -kSqrt5 * r;
    const double e = expCore(e0 > -708.0 ? e0 : -708.0);
    o[i] = e0 > -708.0 ? s2 * (1 + kSqrt5 * r + (5.0 / 3.0) * r2) * e : 0.0;
  }
}

void FiniteAcquisition::extendKernelRow(int c, int rows) {
  const int from = kn_[c];
  if (from >= rows) return;
  kernelRow(&xs_[static_cast<size_t>(c) * d_], from, rows, &K_[static_cast<size_t>(c) * cap_]);
  kn_[c] = rows;
}

void FiniteAcquisition::advanceRow(int c, int steps) {
  const double* Kc = &K_[static_cast<size_t>(c) * cap_];
  double* Vc = &V_[static_cast<size_t>(c) * cap_];
  int i = done_[c];
  const int end = std::min(n_, i + steps);
  double acc = vv_[c];
  for (; i < end; ++i) {
    const double* Li = &L_[static_cast<size_t>(i) * cap_];
    const double s = (Kc[i] - gp::dot(Li, Vc, i)) / Li[i];
    Vc[i] = s;
    acc += s * s;
  }
  done_[c] = end;
  vv_[c] = acc;
}

double FiniteAcquisition::meanOfRow(int c, int rows, const double* alpha) const {
  return gp::dot(&K_[static_cast<size_t>(c) * cap_], alpha, rows);
}

int FiniteAcquisition::propose(const int32_t* ids, const double* X, const double* y, int n, uint8_t* used,
                               const double* px, const int32_t* pidx, int p, int count, bool believer, double lie,
                               double xi, int32_t* out) {
  if (n + p + count > cap_) return -1;
  // Real rows: keep the longest unchanged prefix, append the rest.
  int keep = 0;
  const int held = static_cast<int>(rowIds_.size());
  while (keep < held && keep < n && rowIds_[keep] == ids[keep]) ++keep;
  if (keep < n_) truncate(keep);
  rowIds_.resize(keep);
  for (int i = keep; i < n; ++i) {
    if (!addPoint(&X[static_cast<size_t>(i) * d_], 0, false)) {
      rowIds_.clear();
      n_ = 0;
      std::fill(kn_.begin(), kn_.end(), 0);
      std::fill(done_.begin(), done_.end(), 0);
      std::fill(vv_.begin(), vv_.end(), 0.0);
      return -1;
    }
    rowIds_.push_back(ids[i]);
  }
  for (int i = 0; i < n; ++i) y_[i] = y[i];
  solveAlpha();
  nReal_ = n_;
  std::copy(alpha_.begin(), alpha_.begin() + n_, alphaReal_.begin());
  double best = INFINITY;
  for (int i = 0; i < n; ++i) best = std::min(best, y[i]);
  // Pending fantasies, valued on the real rows, then added.
  std::vector<double> pf(static_cast<size_t>(p));
  for (int j = 0; j < p; ++j) {
    if (!believer) {
      pf[j] = lie;
    } else if (pidx[j] >= 0) {
      extendKernelRow(pidx[j], nReal_);
      pf[j] = meanOfRow(pidx[j], nReal_, alphaReal_.data());
    } else {
      double mu = 0;
      for (int i = 0; i < nReal_; ++i) mu += kernel(&X_[static_cast<size_t>(i) * d_], &px[static_cast<size_t>(j) * d_]) * alphaReal_[i];
      pf[j] = mu;
    }
  }
  for (int j = 0; j < p; ++j) {
    if (addPoint(&px[static_cast<size_t>(j) * d_], pf[j], !believer)) best = std::min(best, pf[j]);
  }
  int picked = 0;
  logSpace_ = false;
  rebuildHeap(best, xi, believer, used);
  for (int j = 0; j < count; ++j) {
    int c = popBest(best, xi, used);
    if (c == -2) {
      logSpace_ = true;
      rebuildHeap(best, xi, believer, used);
      c = popBest(best, xi, used);
    }
    if (c < 0) break;
    out[picked++] = c;
    used[c] = 2;
    if (j == count - 1) break;
    const double f = believer ? mean_[c] : lie;
    if (addPoint(&xs_[static_cast<size_t>(c) * d_], f, !believer)) best = std::min(best, f);
    if (!believer) rebuildHeap(best, xi, false, used);
  }
  return picked;
}

// Heap keys: EI upper bounds and exact EI in linear space (one exp per candidate: logs for every
// candidate cost more than the means), or in log space when EI underflows (logSpace_).
double FiniteAcquisition::boundKey(double mu, double var, double best, double xi) const {
  const double sd = std::sqrt(var);
  if (logSpace_) return logExpectedImprovementBound(mu, sd, best, xi) + kBoundSlack;
  if (!(sd > 1e-12)) return std::max(0.0, best - mu - xi) * (1 + kBoundSlack);
  const double z = (best - mu - xi) / sd;
  const double pdf = expNonPositive(-0.5 * z * z - kLogSqrt2Pi);
  // σ (z + φ(z)) for z >= 0, σ φ(z) / (1 + z²) below (normal.ts), with rounding slack.
  return (z >= 0 ? sd * (z + pdf) : sd * pdf / (1 + z * z)) * (1 + kBoundSlack);
}

void FiniteAcquisition::rebuildHeap(double best, double xi, bool realRowsOnly, const uint8_t* used) {
  const int rows = realRowsOnly ? nReal_ : n_;
  const double* alpha = realRowsOnly ? alphaReal_.data() : alpha_.data();
  const double denom = s2_ + noise_;
  int len = 0;
  double top = 0;
  for (int c = 0; c < m_; ++c) {
    if (used[c] != 0) continue;
    extendKernelRow(c, rows);
    const double* Kc = &K_[static_cast<size_t>(c) * cap_];
    const double kmax = maxOf(Kc, rows);
    mean_[c] = gp::dot(Kc, alpha, rows);
    const double nearest = std::max(0.0, s2_ - kmax * kmax / denom);
    varBound_[c] = std::min(nearest, std::max(0.0, s2_ - vv_[c]));
    exactAt_[c] = -1;
    heap_[len++] = c;
  }
  if (!logSpace_) {
    // The linear-space bounds of boundKey for every candidate, in a loop without branches that
    // vectorizes (one exp each: the costliest part of a proposal when done one at a time).
    tm_.resize(len);
    tv_.resize(len);
    for (int j = 0; j < len; ++j) {
      tm_[j] = mean_[heap_[j]];
      tv_[j] = varBound_[heap_[j]];
    }
    double* key = tm_.data();
    linearBounds(key, tv_.data(), len, best, xi);
    for (int j = 0; j < len; ++j) {
      score_[heap_[j]] = key[j];
      top = std::max(top, key[j]);
    }
  } else {
    for (int j = 0; j < len; ++j) score_[heap_[j]] = boundKey(mean_[heap_[j]], varBound_[heap_[j]], best, xi);
  }
  if (!logSpace_ && len > 0 && !(top > 1e-280)) {
    // Every bound underflows (or nearly): rank in log space.
    logSpace_ = true;
    for (int j = 0; j < len; ++j) score_[heap_[j]] = boundKey(mean_[heap_[j]], varBound_[heap_[j]], best, xi);
  }
  heapLen_ = len;
  for (int i = (len >> 1) - 1; i >= 0; --i) siftDown(i);
}

int FiniteAcquisition::popBest(double best, double xi, const uint8_t* used) {
  while (heapLen_ > 0) {
    const int c = heap_[0];
    if (used[c] != 0) {
      removeTop();
      continue;
    }
    if (exactAt_[c] == n_) {
      removeTop();
      return c;
    }
    if (kn_[c] < n_) extendKernelRow(c, n_);
    if (done_[c] < n_) advanceRow(c, kSolveChunk);
    const double v = std::max(0.0, s2_ - vv_[c]);
    if (done_[c] == n_) {
      const double e = logExpectedImprovement(mean_[c], std::sqrt(v), best, xi);
      if (!logSpace_ && e < -600) return -2;  // would underflow: the caller ranks again in log space
      score_[c] = logSpace_ ? e : std::exp(e);
      exactAt_[c] = n_;
    } else {
      score_[c] = std::min(score_[c], boundKey(mean_[c], v, best, xi));
    }
    siftDown(0);
  }
  return -1;
}

void FiniteAcquisition::removeTop() {
  const int last = heap_[--heapLen_];
  if (heapLen_ > 0) {
    heap_[0] = last;
    siftDown(0);
  }
}

// Max-heap on score; ties: lower candidate number first (deterministic).
void FiniteAcquisition::siftDown(int at) {
  const int len = heapLen_;
  const int x = heap_[at];
  const double sx = score_[x];
  for (;;) {
    const int l = 2 * at + 1;
    if (l >= len) break;
    const int r = l + 1;
    int c = l;
    if (r < len) {
      const int a = heap_[r], b = heap_[l];
      if (score_[a] > score_[b] || (score_[a] == score_[b] && a < b)) c = r;
    }
    const int hc = heap_[c];
    const double sc = score_[hc];
    if (!(sc > sx || (sc == sx && hc < x))) break;
    heap_[at] = hc;
    at = c;
  }
  heap_[at] = x;
}

}  // namespace hppo::bo
