// Input validation for the ADMM solver: every message names the field, the value and what was
// expected (the binding turns it into an InvalidArgumentError).
#include <cmath>
#include <limits>
#include <sstream>

#include "admm.h"

namespace hppo::admm {

namespace {

std::string checkCsc(const char* field, const Csc& a, std::int32_t rows, std::int32_t cols, bool upper) {
  std::ostringstream os;
  if (a.rows != rows || a.cols != cols) {
    os << field << ": shape " << a.rows << "x" << a.cols << ", expected " << rows << "x" << cols;
    return os.str();
  }
  if (a.colPtr.size() != static_cast<std::size_t>(cols) + 1 || a.colPtr[0] != 0) {
    os << field << ": colPtr must have " << cols + 1 << " entries starting at 0 (got " << a.colPtr.size() << ")";
    return os.str();
  }
  std::int64_t nnz = a.colPtr.back();
  if (nnz < 0 || a.rowIdx.size() != static_cast<std::size_t>(nnz) || a.values.size() != static_cast<std::size_t>(nnz)) {
    os << field << ": colPtr ends at " << nnz << " but rowIdx has " << a.rowIdx.size() << " and values "
       << a.values.size() << " entries";
    return os.str();
  }
  for (std::int32_t j = 0; j < cols; ++j) {
    if (a.colPtr[j + 1] < a.colPtr[j]) {
      os << field << ": colPtr decreases at column " << j;
      return os.str();
    }
    for (std::int64_t p = a.colPtr[j]; p < a.colPtr[j + 1]; ++p) {
      std::int32_t i = a.rowIdx[p];
      if (i < 0 || i >= rows || (p > a.colPtr[j] && i <= a.rowIdx[p - 1])) {
        os << field << ": row indices of column " << j << " must be in [0," << rows << ") and strictly increasing (got "
           << i << ")";
        return os.str();
      }
      if (upper && i > j) {
        os << field << ": entry (" << i << "," << j << ") is below the diagonal; pass the upper triangle only";
        return os.str();
      }
      if (!std::isfinite(a.values[p])) {
        os << field << ": value at (" << i << "," << j << ") is " << a.values[p] << ", expected a finite number";
        return os.str();
      }
      if (upper && i == j && a.values[p] < 0) {
        os << field << ": diagonal entry (" << j << "," << j << ") = " << a.values[p]
           << " is negative, so P is not positive semidefinite (the problem is not convex)";
        return os.str();
      }
    }
  }
  return {};
}

std::string checkVec(const char* field, const std::vector<double>& v, std::size_t n, bool allowInf, bool optional) {
  std::ostringstream os;
  if (optional && v.empty()) return {};
  if (v.size() != n) {
    os << field << ": length " << v.size() << ", expected " << n;
    return os.str();
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(v[i]) || (!allowInf && std::isinf(v[i]))) {
      os << field << "[" << i << "] = " << v[i] << ", expected a " << (allowInf ? "number (+/-inf allowed)" : "finite number");
      return os.str();
    }
  }
  return {};
}

std::string checkNonNeg(const char* field, const std::vector<double>& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!(v[i] >= 0)) {
      std::ostringstream os;
      os << field << "[" << i << "] = " << v[i] << ", expected >= 0 (a convex cost)";
      return os.str();
    }
  return {};
}

}  // namespace

std::string validate(const Problem& p, const Settings& s) {
  std::ostringstream os;
  if (p.n <= 0) return "n: " + std::to_string(p.n) + ", expected at least one variable";
  if (p.m < 0) return "m: " + std::to_string(p.m) + ", expected >= 0";
  std::size_t n = static_cast<std::size_t>(p.n), m = static_cast<std::size_t>(p.m);
  std::string e;
  if (p.pForm == PForm::kSparse) {
    if (!(p.pSparse.rows == 0 && p.pSparse.cols == 0 && p.pSparse.colPtr.empty()))
      if (!(e = checkCsc("P", p.pSparse, p.n, p.n, true)).empty()) return e;
  } else if (p.pForm == PForm::kFactor) {
    if (p.k < 0) return "F: k = " + std::to_string(p.k) + ", expected >= 0 columns";
    if (p.F.size() != n * static_cast<std::size_t>(p.k)) {
      os << "F: length " << p.F.size() << ", expected n*k = " << n << "*" << p.k;
      return os.str();
    }
    if (!(e = checkVec("F", p.F, p.F.size(), false, false)).empty()) return e;
    if (!(e = checkVec("d", p.d, n, false, true)).empty()) return e;
    for (std::size_t i = 0; i < p.d.size(); ++i)
      if (p.d[i] < 0) {
        os << "d[" << i << "] = " << p.d[i] << " is negative, so P = FF' + diag(d) is not positive semidefinite";
        return os.str();
      }
  } else {
    return "pForm: " + std::to_string(p.pForm) + ", expected 0 (sparse) or 1 (factor)";
  }
  if (!(e = checkVec("q", p.q, n, false, false)).empty()) return e;
  if (m > 0 || !p.A.colPtr.empty())
    if (!(e = checkCsc("A", p.A, p.m, p.n, false)).empty()) return e;
  if (!(e = checkVec("l", p.l, m, true, false)).empty()) return e;
  if (!(e = checkVec("u", p.u, m, true, false)).empty()) return e;
  for (std::size_t i = 0; i < m; ++i)
    if (p.l[i] > p.u[i] || p.l[i] == std::numeric_limits<double>::infinity() || p.u[i] == -std::numeric_limits<double>::infinity()) {
      os << "l/u: row " << i << " has l = " << p.l[i] << " > u = " << p.u[i] << " (or an infinite bound on the wrong side)";
      return os.str();
    }
  if (!(e = checkVec("lb", p.lb, n, true, true)).empty()) return e;
  if (!(e = checkVec("ub", p.ub, n, true, true)).empty()) return e;
  if (p.lb.empty() != p.ub.empty()) return "lb/ub: give both or neither";
  for (std::size_t i = 0; i < p.lb.size(); ++i)
    if (p.lb[i] > p.ub[i] || p.lb[i] == std::numeric_limits<double>::infinity() || p.ub[i] == -std::numeric_limits<double>::infinity()) {
      os << "lb/ub: variable " << i << " has lb = " << p.lb[i] << " > ub = " << p.ub[i];
      return os.str();
    }
  const Costs& c = p.costs;
  if (c.any() && !(e = checkVec("costs.x0", c.x0, n, false, false)).empty()) return e;
  if (!(e = checkVec("costs.buy", c.buy, n, false, true)).empty()) return e;
  if (!(e = checkVec("costs.sell", c.sell, n, false, true)).empty()) return e;
  if (!(e = checkVec("costs.quad", c.quad, n, false, true)).empty()) return e;
  if (!(e = checkVec("costs.impact", c.impact, n, false, true)).empty()) return e;
  if (!(e = checkNonNeg("costs.buy", c.buy)).empty()) return e;
  if (!(e = checkNonNeg("costs.sell", c.sell)).empty()) return e;
  if (!(e = checkNonNeg("costs.quad", c.quad)).empty()) return e;
  if (!(e = checkNonNeg("costs.impact", c.impact)).empty()) return e;
  if (!c.pwlPtr.empty()) {
    if (c.pwlPtr.size() != n + 1 || c.pwlPtr[0] != 0) return "costs.pwlPtr: expected n+1 entries starting at 0";
    std::int64_t nb = c.pwlPtr.back();
    if (nb < 0 || c.pwlBreaks.size() != static_cast<std::size_t>(nb) ||
        c.pwlSlopes.size() != static_cast<std::size_t>(nb) + n) {
      os << "costs.pwl: " << c.pwlBreaks.size() << " breakpoints and " << c.pwlSlopes.size()
         << " slopes; expected pwlPtr[n] = " << nb << " breakpoints and " << nb + static_cast<std::int64_t>(n) << " slopes";
      return os.str();
    }
    for (std::size_t j = 0; j < n; ++j) {
      std::int64_t b0 = c.pwlPtr[j], b1 = c.pwlPtr[j + 1];
      if (b1 < b0) return "costs.pwlPtr: decreases at variable " + std::to_string(j);
      for (std::int64_t b = b0; b < b1; ++b)
        if (!std::isfinite(c.pwlBreaks[b]) || (b > b0 && !(c.pwlBreaks[b] > c.pwlBreaks[b - 1]))) {
          os << "costs.pwlBreaks: variable " << j << " breakpoints must be finite and strictly increasing";
          return os.str();
        }
      for (std::int64_t sI = b0 + static_cast<std::int64_t>(j); sI <= b1 + static_cast<std::int64_t>(j); ++sI)
        if (!std::isfinite(c.pwlSlopes[sI]) || (sI > b0 + static_cast<std::int64_t>(j) && c.pwlSlopes[sI] < c.pwlSlopes[sI - 1])) {
          os << "costs.pwlSlopes: variable " << j << " slopes must be finite and nondecreasing (a convex cost)";
          return os.str();
        }
      bool hasStd = (!c.buy.empty() && c.buy[j] != 0) || (!c.sell.empty() && c.sell[j] != 0) ||
                 (!c.quad.empty() && c.quad[j] != 0) || (!c.impact.empty() && c.impact[j] != 0);
      if (hasStd && b1 > b0) {
        os << "costs: variable " << j << " has both a piecewise-linear cost and proportional/quadratic/impact terms";
        return os.str();
      }
    }
  }
  if (!(s.rho > 0) || !(s.sigma > 0) || !(s.alpha > 0 && s.alpha < 2))
    return "settings: rho and sigma must be > 0 and alpha in (0, 2)";
  if (!(s.epsAbs >= 0) || !(s.epsRel >= 0) || (s.epsAbs == 0 && s.epsRel == 0))
    return "settings.eps: epsAbs and epsRel must be >= 0 and not both 0";
  if (s.maxIter <= 0) return "settings.maxIter: " + std::to_string(s.maxIter) + ", expected > 0";
  if (!(s.timeLimitSec >= 0)) return "settings.timeLimitSec: expected >= 0 (0 = none)";
  if (s.checkInterval <= 0) return "settings.checkInterval: expected > 0";
  if (!(e = checkVec("warmStart.x", s.x0, n, false, true)).empty()) return e;
  if (!(e = checkVec("warmStart.y", s.y0, m, false, true)).empty()) return e;
  if (!(e = checkVec("warmStart.yVar", s.yVar0, n, false, true)).empty()) return e;
  return {};
}

}  // namespace hppo::admm
