// Restarted Halpern PDHG with reflection (cuPDLPx), Ruiz + Pock-Chambolle scaling, constant step
// eta = safety/||A||_2 split by the primal weight omega (tau = eta/omega, sigma = eta*omega),
// fixed-point-residual restarts, smoothed primal weight updates, and infeasibility detection from
// iterate differences. All vector work goes through the Backend; scaling runs on the host.
//
// Per iteration exactly one A x and one A' y: A x and A' y of the Halpern iterate are linear
// combinations of those of its parts, so they are carried along instead of recomputed.
#include "pdlp.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace hppo {
namespace pdlp {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
constexpr double kInf = std::numeric_limits<double>::infinity();
// Relative criteria follow PDLP / cuPDLPx / cuOpt: eps * (1 + scale). (A gap relative to
// |pobj| + |dobj| alone was tried: on the CVaR LPs, whose objectives are O(1e-3), it costs 5-10x
// the iterations, all spent on the dual objective while the primal one is already accurate.)

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Calls f(i, j, |a_ij|-ref) over all stored entries (sparse part, then dense block).
template <typename F>
void forEachEntry(const BlockMatrix& a, F f) {
  const CsrMatrix& s = a.sparse;
  if (!s.rowPtr.empty()) {
    for (std::int32_t i = 0; i < s.rows; ++i)
      for (std::int64_t p = s.rowPtr[i]; p < s.rowPtr[i + 1]; ++p) f(i, s.colIdx[p], s.values[p]);
  }
  const DenseBlock& d = a.dense;
  for (std::int32_t r = 0; r < d.rows; ++r)
    for (std::int32_t c = 0; c < d.cols; ++c) f(d.row0 + r, d.col0 + c, d.at(r, c));
}

// Ruiz (inf-norm) then Pock-Chambolle (alpha = 1) scaling: A_s = diag(dr) A diag(dc).
void computeScaling(const BlockMatrix& a, int ruiz, bool pc, std::vector<double>* drOut, std::vector<double>* dcOut) {
  std::vector<double> dr(static_cast<std::size_t>(a.rows), 1.0), dc(static_cast<std::size_t>(a.cols), 1.0);
  std::vector<double> rs(dr.size()), cs(dc.size());
  for (int it = 0; it < ruiz; ++it) {
    std::fill(rs.begin(), rs.end(), 0.0);
    std::fill(cs.begin(), cs.end(), 0.0);
    forEachEntry(a, [&](std::int32_t i, std::int32_t j, double v) {
      const double s = std::fabs(v) * dr[i] * dc[j];
      rs[i] = std::max(rs[i], s);
      cs[j] = std::max(cs[j], s);
    });
    for (std::size_t i = 0; i < dr.size(); ++i) if (rs[i] > 0) dr[i] /= std::sqrt(rs[i]);
    for (std::size_t j = 0; j < dc.size(); ++j) if (cs[j] > 0) dc[j] /= std::sqrt(cs[j]);
  }
  if (pc) {
    std::fill(rs.begin(), rs.end(), 0.0);
    std::fill(cs.begin(), cs.end(), 0.0);
    forEachEntry(a, [&](std::int32_t i, std::int32_t j, double v) {
      const double s = std::fabs(v) * dr[i] * dc[j];
      rs[i] += s;
      cs[j] += s;
    });
    for (std::size_t i = 0; i < dr.size(); ++i) if (rs[i] > 0) dr[i] /= std::sqrt(rs[i]);
    for (std::size_t j = 0; j < dc.size(); ++j) if (cs[j] > 0) dc[j] /= std::sqrt(cs[j]);
  }
  *drOut = std::move(dr);
  *dcOut = std::move(dc);
}

BlockMatrix scaledCopy(const BlockMatrix& a, const std::vector<double>& dr, const std::vector<double>& dc) {
  BlockMatrix s;
  s.rows = a.rows;
  s.cols = a.cols;
  s.sparse = a.sparse;
  CsrMatrix& sp = s.sparse;
  if (!sp.rowPtr.empty()) {
    for (std::int32_t i = 0; i < sp.rows; ++i)
      for (std::int64_t p = sp.rowPtr[i]; p < sp.rowPtr[i + 1]; ++p) sp.values[p] *= dr[i] * dc[sp.colIdx[p]];
  }
  const DenseBlock& d = a.dense;
  DenseBlock& o = s.dense;
  o.row0 = d.row0; o.col0 = d.col0; o.rows = d.rows; o.cols = d.cols; o.float32 = d.float32;
  const std::size_t cells = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.cols);
  if (d.float32) o.f32.resize(cells); else o.f64.resize(cells);
  for (std::int32_t r = 0; r < d.rows; ++r) {
    const double ri = dr[d.row0 + r];
    const std::size_t off = static_cast<std::size_t>(r) * d.cols;
    const double* cc = dc.data() + d.col0;
    if (d.float32) {
      for (std::int32_t c = 0; c < d.cols; ++c) o.f32[off + c] = static_cast<float>(d.f32[off + c] * ri * cc[c]);
    } else {
      for (std::int32_t c = 0; c < d.cols; ++c) o.f64[off + c] = d.f64[off + c] * ri * cc[c];
    }
  }
  return s;
}

struct Metrics {
  double pAbs = 0, dAbs = 0, gapAbs = 0, pRel = kInf, dRel = kInf, gapRel = kInf, pobj = 0, dobj = 0;
  double worst() const { return std::max(pRel, std::max(dRel, gapRel)); }
};

}  // namespace

std::string validate(const Problem& p) {
  const BlockMatrix& a = p.A;
  const std::size_t m = static_cast<std::size_t>(a.rows), n = static_cast<std::size_t>(a.cols);
  if (a.rows < 0 || a.cols < 0) return "A: negative dimensions";
  if (p.c.size() != n) return "c: length " + std::to_string(p.c.size()) + " does not match the " + std::to_string(n) + " columns of A";
  if (p.colLower.size() != n) return "colLower: length " + std::to_string(p.colLower.size()) + ", expected " + std::to_string(n);
  if (p.colUpper.size() != n) return "colUpper: length " + std::to_string(p.colUpper.size()) + ", expected " + std::to_string(n);
  if (p.rowLower.size() != m) return "rowLower: length " + std::to_string(p.rowLower.size()) + ", expected " + std::to_string(m);
  if (p.rowUpper.size() != m) return "rowUpper: length " + std::to_string(p.rowUpper.size()) + ", expected " + std::to_string(m);
  if (!std::isfinite(p.offset)) return "offset: must be finite, got " + fmt(p.offset);
  for (std::size_t j = 0; j < n; ++j) {
    if (!std::isfinite(p.c[j])) return "c[" + std::to_string(j) + "]: must be finite, got " + fmt(p.c[j]);
    if (std::isnan(p.colLower[j]) || std::isnan(p.colUpper[j])) return "colLower/colUpper[" + std::to_string(j) + "]: NaN bound";
    if (p.colLower[j] > p.colUpper[j]) return "colLower[" + std::to_string(j) + "] = " + fmt(p.colLower[j]) + " > colUpper = " + fmt(p.colUpper[j]);
    if (p.colLower[j] == kInf || p.colUpper[j] == -kInf) return "colLower/colUpper[" + std::to_string(j) + "]: infinite bound on the wrong side";
  }
  for (std::size_t i = 0; i < m; ++i) {
    if (std::isnan(p.rowLower[i]) || std::isnan(p.rowUpper[i])) return "rowLower/rowUpper[" + std::to_string(i) + "]: NaN bound";
    if (p.rowLower[i] > p.rowUpper[i]) return "rowLower[" + std::to_string(i) + "] = " + fmt(p.rowLower[i]) + " > rowUpper = " + fmt(p.rowUpper[i]);
    if (p.rowLower[i] == kInf || p.rowUpper[i] == -kInf) return "rowLower/rowUpper[" + std::to_string(i) + "]: infinite bound on the wrong side";
  }
  const CsrMatrix& s = a.sparse;
  if (!s.rowPtr.empty()) {
    if (s.rowPtr.size() != m + 1) return "A.rowPtr: length " + std::to_string(s.rowPtr.size()) + ", expected rows+1 = " + std::to_string(m + 1);
    if (s.rowPtr[0] != 0) return "A.rowPtr[0]: must be 0";
    if (s.colIdx.size() != static_cast<std::size_t>(s.rowPtr[m]) || s.values.size() != s.colIdx.size())
      return "A.colIdx/A.values: lengths " + std::to_string(s.colIdx.size()) + "/" + std::to_string(s.values.size()) + " do not match rowPtr[rows] = " + std::to_string(s.rowPtr[m]);
    for (std::size_t i = 0; i < m; ++i) {
      if (s.rowPtr[i + 1] < s.rowPtr[i]) return "A.rowPtr: decreasing at row " + std::to_string(i);
      for (std::int64_t q = s.rowPtr[i]; q < s.rowPtr[i + 1]; ++q) {
        const std::int32_t j = s.colIdx[q];
        if (j < 0 || static_cast<std::size_t>(j) >= n) return "A.colIdx[" + std::to_string(q) + "] = " + std::to_string(j) + " out of range [0, " + std::to_string(n) + ")";
        if (q > s.rowPtr[i] && j <= s.colIdx[q - 1]) return "A.colIdx: columns not strictly increasing in row " + std::to_string(i);
        if (!std::isfinite(s.values[q])) return "A.values[" + std::to_string(q) + "]: must be finite, got " + fmt(s.values[q]);
        const DenseBlock& d = a.dense;
        if (!d.empty() && static_cast<std::int32_t>(i) >= d.row0 && static_cast<std::int32_t>(i) < d.row0 + d.rows && j >= d.col0 && j < d.col0 + d.cols)
          return "A: sparse entry (" + std::to_string(i) + ", " + std::to_string(j) + ") lies inside the dense block";
      }
    }
  }
  const DenseBlock& d = a.dense;
  if (!d.empty()) {
    if (d.row0 < 0 || d.col0 < 0 || d.row0 + d.rows > a.rows || d.col0 + d.cols > a.cols)
      return "dense block: rows [" + std::to_string(d.row0) + ", " + std::to_string(d.row0 + d.rows) + ") x cols [" + std::to_string(d.col0) + ", " + std::to_string(d.col0 + d.cols) + ") outside A (" + std::to_string(a.rows) + " x " + std::to_string(a.cols) + ")";
    const std::size_t cells = static_cast<std::size_t>(d.rows) * static_cast<std::size_t>(d.cols);
    if ((d.float32 ? d.f32.size() : d.f64.size()) != cells) return "dense block: data length does not match rows*cols = " + std::to_string(cells);
    for (std::size_t k = 0; k < cells; ++k) {
      const double v = d.float32 ? static_cast<double>(d.f32[k]) : d.f64[k];
      if (!std::isfinite(v)) return "dense block data[" + std::to_string(k) + "]: must be finite, got " + fmt(v);
    }
  }
  return "";
}

void solve(const Problem& p, const Settings& st, Backend& be, const WarmStart* warm, const Hooks& hooks, Solution* sol,
           Info* info) {
  const auto t0 = Clock::now();
  {
    std::string err = validate(p);
    if (!err.empty()) throw std::invalid_argument(err);
  }
  if (!(st.tolerance >= 1e-12 && st.tolerance <= 1.0)) throw std::invalid_argument("tolerance: must be in [1e-12, 1], got " + fmt(st.tolerance));
  if (!(st.timeLimitSec > 0)) throw std::invalid_argument("timeLimitSec: must be > 0, got " + fmt(st.timeLimitSec));
  if (st.iterationLimit < 0) throw std::invalid_argument("iterationLimit: must be >= 0");
  if (st.checkEvery < 1) throw std::invalid_argument("checkEvery: must be >= 1");
  if (!(st.reflection >= 0 && st.reflection <= 1)) throw std::invalid_argument("reflection: must be in [0, 1]");
  const std::size_t m = static_cast<std::size_t>(p.A.rows), n = static_cast<std::size_t>(p.A.cols);
  if (warm) {
    if (!warm->x.empty() && warm->x.size() != n) throw std::invalid_argument("warmStart.x: length " + std::to_string(warm->x.size()) + ", expected " + std::to_string(n));
    if (!warm->y.empty() && warm->y.size() != m) throw std::invalid_argument("warmStart.y: length " + std::to_string(warm->y.size()) + ", expected " + std::to_string(m));
    for (double v : warm->x) if (!std::isfinite(v)) throw std::invalid_argument("warmStart.x: must be finite");
    for (double v : warm->y) if (!std::isfinite(v)) throw std::invalid_argument("warmStart.y: must be finite");
  }
  *info = Info();
  info->backend = be.name();
  info->device = be.device();

  // ---- Scaling (host).
  std::vector<double> dr, dc;
  computeScaling(p.A, st.ruizIterations, st.pockChambolle, &dr, &dc);
  BlockMatrix As = scaledCopy(p.A, dr, dc);
  std::vector<double> cs(n), xl(n), xu(n), rl(m), ru(m);
  for (std::size_t j = 0; j < n; ++j) { cs[j] = p.c[j] * dc[j]; xl[j] = p.colLower[j] / dc[j]; xu[j] = p.colUpper[j] / dc[j]; }
  for (std::size_t i = 0; i < m; ++i) { rl[i] = p.rowLower[i] * dr[i]; ru[i] = p.rowUpper[i] * dr[i]; }
  auto finiteMax = [](double l, double u) {
    double v = 0;
    if (std::isfinite(l)) v = std::fabs(l);
    if (std::isfinite(u)) v = std::max(v, std::fabs(u));
    return v;
  };
  double bS = 0, cS = 0;
  for (std::size_t i = 0; i < m; ++i) { const double v = finiteMax(rl[i], ru[i]); bS += v * v; }
  for (std::size_t j = 0; j < n; ++j) cS += cs[j] * cs[j];
  bS = std::sqrt(bS);
  cS = std::sqrt(cS);
  const double betaB = st.boundObjectiveRescaling ? 1.0 + bS : 1.0;
  const double betaC = st.boundObjectiveRescaling ? 1.0 + cS : 1.0;
  for (std::size_t j = 0; j < n; ++j) { cs[j] /= betaC; xl[j] /= betaB; xu[j] /= betaB; }
  for (std::size_t i = 0; i < m; ++i) { rl[i] /= betaB; ru[i] /= betaB; }
  // Norms in the original space, for the relative criteria.
  double bNorm = 0, cNorm = 0;
  for (std::size_t i = 0; i < m; ++i) { const double v = finiteMax(p.rowLower[i], p.rowUpper[i]); bNorm += v * v; }
  for (std::size_t j = 0; j < n; ++j) cNorm += p.c[j] * p.c[j];
  bNorm = std::sqrt(bNorm);
  cNorm = std::sqrt(cNorm);

  // ---- Upload.
  auto mat = be.uploadMatrix(As);
  As = BlockMatrix();  // the backend has its copy
  auto vec = [&](const std::vector<double>& h) {
    Buffer b = be.alloc(h.size());
    if (!h.empty()) be.upload(b, h.data());
    return b;
  };
  std::vector<double> h(std::max(m, n));
  Buffer c = vec(cs), bxl = vec(xl), bxu = vec(xu);
  std::vector<double> nU(m), nL(m);
  for (std::size_t i = 0; i < m; ++i) { nU[i] = -ru[i]; nL[i] = -rl[i]; }
  Buffer bnU = vec(nU), bnL = vec(nL);
  // Original-space helpers.
  std::vector<double> xScale(n), atyScale(n), yScale(m), axScale(m), crl(n), cru(n), rrl(m), rru(m);
  for (std::size_t j = 0; j < n; ++j) {
    xScale[j] = dc[j] * betaB;
    atyScale[j] = betaC / dc[j];
    crl[j] = std::isfinite(p.colLower[j]) ? 0.0 : -kInf;
    cru[j] = std::isfinite(p.colUpper[j]) ? 0.0 : kInf;
  }
  for (std::size_t i = 0; i < m; ++i) {
    yScale[i] = dr[i] * betaC;
    axScale[i] = betaB / dr[i];
    rrl[i] = std::isfinite(p.rowLower[i]) ? 0.0 : -kInf;
    rru[i] = std::isfinite(p.rowUpper[i]) ? 0.0 : kInf;
  }
  Buffer bxScale = vec(xScale), batyScale = vec(atyScale), byScale = vec(yScale), baxScale = vec(axScale);
  Buffer bcO = vec(p.c), bclO = vec(p.colLower), bcuO = vec(p.colUpper), brlO = vec(p.rowLower), bruO = vec(p.rowUpper);
  Buffer bcrl = vec(crl), bcru = vec(cru), brrl = vec(rrl), brru = vec(rru);
  Buffer x = be.alloc(n), y = be.alloc(m), xT = be.alloc(n), yT = be.alloc(m), x0 = be.alloc(n), y0 = be.alloc(m);
  Buffer Ax = be.alloc(m), ATy = be.alloc(n), AxT = be.alloc(m), ATyT = be.alloc(n), Ax0 = be.alloc(m), ATy0 = be.alloc(n);
  Buffer tn = be.alloc(n), tn2 = be.alloc(n), tm = be.alloc(m), tm2 = be.alloc(m);
  Buffer bestX = be.alloc(n), bestY = be.alloc(m), bestATy = be.alloc(n);

  // ---- ||A_s||_2 by power iteration on A'A.
  double normA = 0.0;
  {
    for (std::size_t j = 0; j < n; ++j) h[j] = 1.0 + 0.5 * std::sin(static_cast<double>(j) * 0.7 + 0.3);
    be.upload(tn, h.data());
    double nv = be.nrm2(tn);
    if (nv > 0) be.scale(tn, 1.0 / nv);
    double prev = 0.0;
    for (int it = 0; it < 100 && n > 0 && m > 0; ++it) {
      be.spmv(*mat, 1.0, tn, 0.0, tm);
      be.spmvT(*mat, 1.0, tm, 0.0, tn2);
      const double lam = be.nrm2(tn2);
      if (!(lam > 0)) break;
      normA = std::sqrt(lam);
      be.axpby(1.0 / lam, tn2, 0.0, tn);
      if (it >= 8 && std::fabs(lam - prev) <= 1e-6 * lam) break;
      prev = lam;
    }
    if (!(normA > 1e-12) || !std::isfinite(normA)) normA = 1.0;
  }
  const double eta = st.stepSizeSafety / normA;

  // ---- Start point (scaled space), projected onto the bounds.
  std::fill(h.begin(), h.end(), 0.0);
  if (warm && !warm->x.empty()) for (std::size_t j = 0; j < n; ++j) h[j] = warm->x[j] / xScale[j];
  be.upload(tn, h.data());
  be.clamp(tn, bxl, bxu, x);
  std::fill(h.begin(), h.end(), 0.0);
  if (warm && !warm->y.empty()) for (std::size_t i = 0; i < m; ++i) h[i] = warm->y[i] / yScale[i];
  be.upload(y, h.data());
  be.spmv(*mat, 1.0, x, 0.0, Ax);
  be.spmvT(*mat, 1.0, y, 0.0, ATy);
  be.copy(x, x0); be.copy(y, y0); be.copy(Ax, Ax0); be.copy(ATy, ATy0);
  be.copy(x, xT); be.copy(y, yT); be.copy(Ax, AxT); be.copy(ATy, ATyT);
  be.copy(x, bestX); be.copy(y, bestY); be.copy(ATy, bestATy);

  double omega = 1.0;
  {
    double cn = be.nrm2(c);
    double bn = 0;
    for (std::size_t i = 0; i < m; ++i) { const double v = finiteMax(rl[i], ru[i]); bn += v * v; }
    bn = std::sqrt(bn);
    if (cn > 1e-10 && bn > 1e-10) omega = cn / bn;
    omega *= st.initialPrimalWeightScale;
  }

  // Evaluates the T-output (xT, yT) in the original space.
  auto evaluate = [&](const Buffer& ex, const Buffer& ey, const Buffer& eAx, const Buffer& eATy) {
    Metrics r;
    be.mul(eAx, baxScale, tm);
    be.boxExcess(tm, brlO, bruO, tm2);
    r.pAbs = be.nrm2(tm2);
    be.mul(eATy, batyScale, tn);
    be.axpby(1.0, bcO, -1.0, tn);  // lambda = c - A'y
    const BoundTerms bl = be.boundTerms(tn, bclO, bcuO);
    be.mul(ey, byScale, tm);
    const BoundTerms by = be.boundTerms(tm, brlO, bruO);
    r.dAbs = std::sqrt(bl.infeasibleSq + by.infeasibleSq);
    be.mul(ex, bxScale, tn2);
    r.pobj = be.dot(bcO, tn2) + p.offset;
    r.dobj = bl.value + by.value + p.offset;
    r.gapAbs = std::fabs(r.pobj - r.dobj);
    r.pRel = r.pAbs / (1.0 + bNorm);
    r.dRel = r.dAbs / (1.0 + cNorm);
    r.gapRel = r.gapAbs / (1.0 + std::fabs(r.pobj) + std::fabs(r.dobj));
    return r;
  };
  // Primal infeasibility: dual ray dy (scaled) with A'dy given. Dual infeasibility: primal ray dx.
  const double epsInf = st.infeasibilityTolerance;
  auto primalInfeasible = [&](const Buffer& ya, const Buffer& yb, const Buffer& atya, const Buffer& atyb) {
    be.lincomb3(1.0, ya, -1.0, yb, 0.0, yb, tm);
    be.mul(tm, byScale, tm);
    if (!(be.nrmInf(tm) > 0)) return false;
    be.lincomb3(-1.0, atya, 1.0, atyb, 0.0, atyb, tn);  // -(A'dy)
    be.mul(tn, batyScale, tn);
    const BoundTerms a = be.boundTerms(tm, brlO, bruO);
    const BoundTerms b = be.boundTerms(tn, bclO, bcuO);
    const double obj = a.value + b.value;
    const double res = std::sqrt(a.infeasibleSq + b.infeasibleSq);
    return obj > 0 && res <= epsInf * obj;
  };
  auto dualInfeasible = [&](const Buffer& xa, const Buffer& xb, const Buffer& axa, const Buffer& axb) {
    be.lincomb3(1.0, xa, -1.0, xb, 0.0, xb, tn);
    be.mul(tn, bxScale, tn);
    const double nx = be.nrmInf(tn);
    if (!(nx > 0)) return false;
    const double cdx = be.dot(bcO, tn);
    if (!(cdx < 0)) return false;
    be.boxExcess(tn, bcrl, bcru, tn2);
    const double v1 = be.nrm2(tn2);
    be.lincomb3(1.0, axa, -1.0, axb, 0.0, axb, tm);
    be.mul(tm, baxScale, tm);
    be.boxExcess(tm, brrl, brru, tm2);
    const double v2 = be.nrm2(tm2);
    return std::sqrt(v1 * v1 + v2 * v2) <= epsInf * (-cdx);
  };

  info->setupSeconds = secondsSince(t0);
  const auto tSolve = Clock::now();
  std::string status;
  Metrics cur, best;
  bool haveBest = false;
  std::int64_t iter = 0, sinceRestart = 0;
  double rRestart = -1.0, rPrev = kInf;
  double lastProgress = -1e30;
  const double rho = st.reflection;

  while (status.empty()) {
    const bool cancelled = hooks.cancel && hooks.cancel->load(std::memory_order_relaxed);
    const double elapsed = secondsSince(t0);
    const bool timeUp = elapsed >= st.timeLimitSec;
    const bool iterUp = iter >= st.iterationLimit;
    const bool check = iter % st.checkEvery == 0 || cancelled || timeUp || iterUp;
    if (check && iter > 0) {
      cur = evaluate(xT, yT, AxT, ATyT);
      if (!std::isfinite(cur.pobj) || !std::isfinite(cur.dobj) || !std::isfinite(cur.pAbs) || !std::isfinite(cur.dAbs)) {
        status = kNumericalError;
        break;
      }
      if (!haveBest || cur.worst() < best.worst()) {
        best = cur;
        haveBest = true;
        be.copy(xT, bestX); be.copy(yT, bestY); be.copy(ATyT, bestATy);
      }
      if (hooks.progress && (elapsed - lastProgress >= st.progressIntervalSec)) {
        lastProgress = elapsed;
        Progress pr;
        pr.iteration = iter;
        pr.primalResidual = cur.pRel; pr.dualResidual = cur.dRel; pr.gap = cur.gapRel;
        pr.primalObjective = cur.pobj; pr.dualObjective = cur.dobj;
        pr.elapsedSec = elapsed;
        pr.primalWeight = omega;
        hooks.progress(pr);
      }
      if (cur.pRel <= st.tolerance && cur.dRel <= st.tolerance && cur.gapRel <= st.tolerance) { status = kOptimal; break; }
      if (primalInfeasible(yT, y0, ATyT, ATy0) || primalInfeasible(yT, y, ATyT, ATy)) { status = kPrimalInfeasible; break; }
      if (dualInfeasible(xT, x0, AxT, Ax0) || dualInfeasible(xT, x, AxT, Ax)) { status = kDualInfeasible; break; }
      if (cancelled) { status = kCancelled; break; }
      if (timeUp) { status = kTimeLimit; break; }
      if (iterUp) { status = kIterationLimit; break; }
      // Restart decision on the fixed-point residual ||z - T(z)||_omega.
      be.lincomb3(1.0, x, -1.0, xT, 0.0, xT, tn);
      be.lincomb3(1.0, y, -1.0, yT, 0.0, yT, tm);
      const double dxn = be.nrm2(tn), dyn = be.nrm2(tm);
      const double r = std::sqrt(omega * dxn * dxn + dyn * dyn / omega);
      if (rRestart < 0) rRestart = r;
      const bool restart = r <= st.restartSufficient * rRestart ||
                           (r <= st.restartNecessary * rRestart && r > rPrev) ||
                           static_cast<double>(sinceRestart) >= st.restartArtificial * static_cast<double>(iter);
      rPrev = r;
      if (restart) {
        be.lincomb3(1.0, xT, -1.0, x0, 0.0, x0, tn);
        be.lincomb3(1.0, yT, -1.0, y0, 0.0, y0, tm);
        const double mx = be.nrm2(tn), my = be.nrm2(tm);
        if (mx > 1e-10 && my > 1e-10 && st.primalWeightSmoothing > 0) {
          const double th = st.primalWeightSmoothing;
          omega = std::exp(th * std::log(my / mx) + (1.0 - th) * std::log(omega));
        }
        be.copy(xT, x0); be.copy(yT, y0); be.copy(AxT, Ax0); be.copy(ATyT, ATy0);
        be.copy(xT, x); be.copy(yT, y); be.copy(AxT, Ax); be.copy(ATyT, ATy);
        sinceRestart = 0;
        rRestart = r;
        rPrev = kInf;
        info->restarts++;
      }
    } else if (check && iter == 0) {
      if (cancelled) { status = kCancelled; break; }
      if (timeUp) { status = kTimeLimit; break; }
      if (iterUp) { status = kIterationLimit; break; }
    }
    // ---- One PDHG step T(z) and the Halpern update.
    const double tau = eta / omega, sigma = eta * omega;
    be.lincomb3(1.0, ATy, -1.0, c, 0.0, c, tn);  // A'y - c
    be.stepClamp(x, tau, tn, bxl, bxu, xT);
    be.spmv(*mat, 1.0, xT, 0.0, AxT);
    be.lincomb3(1.0 / sigma, y, -2.0, AxT, 1.0, Ax, tm);  // y/sigma - A(2xT - x)
    be.boxExcess(tm, bnU, bnL, yT);
    be.scale(yT, sigma);
    be.spmvT(*mat, 1.0, yT, 0.0, ATyT);
    const double k = static_cast<double>(sinceRestart);
    const double w = (k + 1.0) / (k + 2.0);
    const double a = w * (1.0 + rho), b = -w * rho, g = 1.0 - w;
    be.lincomb3(a, xT, b, x, g, x0, x);
    be.lincomb3(a, AxT, b, Ax, g, Ax0, Ax);
    be.lincomb3(a, yT, b, y, g, y0, y);
    be.lincomb3(a, ATyT, b, ATy, g, ATy0, ATy);
    ++iter;
    ++sinceRestart;
  }

  // ---- Result in the original space: the last iterate when it decided the status (optimal,
  // infeasible), otherwise the best one seen at a check.
  const bool useBest = haveBest && (status == kIterationLimit || status == kTimeLimit || status == kCancelled ||
                                    status == kNumericalError) && best.worst() <= cur.worst();
  const Buffer& fx = useBest ? bestX : xT;
  const Buffer& fy = useBest ? bestY : yT;
  const Buffer& faty = useBest ? bestATy : ATyT;
  if (!haveBest) cur = evaluate(xT, yT, AxT, ATyT);
  const Metrics& fm = useBest ? best : cur;
  sol->x.resize(n);
  sol->y.resize(m);
  sol->lambda.resize(n);
  be.mul(fx, bxScale, tn);
  if (n) be.download(tn, sol->x.data());
  for (std::size_t j = 0; j < n; ++j) sol->x[j] = std::min(std::max(sol->x[j], p.colLower[j]), p.colUpper[j]);
  be.mul(fy, byScale, tm);
  if (m) be.download(tm, sol->y.data());
  be.mul(faty, batyScale, tn);
  be.axpby(1.0, bcO, -1.0, tn);
  if (n) be.download(tn, sol->lambda.data());
  info->status = status;
  info->iterations = iter;
  info->primalObjective = fm.pobj;
  info->dualObjective = fm.dobj;
  info->primalResidual = fm.pRel;
  info->dualResidual = fm.dRel;
  info->gap = fm.gapRel;
  info->primalResidualAbs = fm.pAbs;
  info->dualResidualAbs = fm.dAbs;
  info->gapAbs = fm.gapAbs;
  info->primalWeight = omega;
  info->solveSeconds = secondsSince(tSolve);
}

}  // namespace pdlp
}  // namespace hppo
