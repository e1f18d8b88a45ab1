// Exact 1-D proxes, values, subdifferentials, conjugates and recession slopes of the separable
// costs of admm.h (each in the original space of one variable, t = w - x0). Pure functions.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace hppo::admm {

struct CostView {
  // One variable's cost. kind: 0 none, 1 standard, 2 piecewise linear.
  int kind = 0;
  double x0 = 0, buy = 0, sell = 0, quad = 0, impact = 0;
  const double* breaks = nullptr;  // nb increasing breakpoints (t-space)
  const double* slopes = nullptr;  // nb + 1 nondecreasing slopes
  int nb = 0;
  bool smoothAt0() const { return kind == 1 && buy == 0 && sell == 0 && impact == 0; }
};

struct ProxCode {
  static constexpr int kInterior = 0;  // smooth point inside the box
  static constexpr int kLower = 1;     // clipped to lb
  static constexpr int kUpper = 2;     // clipped to ub
  static constexpr int kKink = 3;      // at a kink of f (t = 0 for standard, a breakpoint for PWL)
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// Positive root u of a u^2 + b u - c = 0 with a >= 0, b >= 0, c >= 0 (u = sqrt(t) of the power
// branch); stable form 2c / (b + sqrt(b^2 + 4ac)).
inline double posRoot(double a, double b, double c) {
  if (c <= 0) return 0.0;
  double disc = b * b + 4.0 * a * c;
  double den = b + std::sqrt(disc);
  if (den > 0) return 2.0 * c / den;
  return a > 0 ? std::sqrt(c / a) : kInf;
}

// t-space minimizer of f(t) + r/2 (t - vt)^2 for the standard cost, without the box.
inline double proxStandardT(const CostView& f, double vt, double r, bool* kink) {
  *kink = false;
  double a = r + f.quad, b = 1.5 * f.impact;
  if (r * vt > f.buy) {
    double c = r * vt - f.buy;
    if (b == 0) return c / a;
    double u = posRoot(a, b, c);
    return u * u;
  }
  if (r * vt < -f.sell) {
    double c = -r * vt - f.sell;
    if (b == 0) return -c / a;
    double u = posRoot(a, b, c);
    return -u * u;
  }
  *kink = !f.smoothAt0();
  return 0.0;
}

inline double proxPwlT(const CostView& f, double vt, double r, bool* kink) {
  *kink = false;
  for (int j = 0; j <= f.nb; ++j) {
    double t = vt - f.slopes[j] / r;
    if (j > 0 && t < f.breaks[j - 1]) {
      *kink = true;
      return f.breaks[j - 1];
    }
    if (j == f.nb || t <= f.breaks[j]) return t;
  }
  return vt;  // unreachable
}

// argmin_w f(w - x0) + I[lb,ub](w) + r/2 (w - v)^2 (exact: for a convex 1-D function the box
// constrained minimizer is the clipped unconstrained one). Sets *code.
inline double proxCost(const CostView& f, double lb, double ub, double v, double r, int* code) {
  double w;
  bool kink = false;
  if (f.kind == 0) {
    w = v;
  } else if (f.kind == 1) {
    w = f.x0 + proxStandardT(f, v - f.x0, r, &kink);
  } else {
    w = f.x0 + proxPwlT(f, v - f.x0, r, &kink);
  }
  if (w <= lb) { *code = ProxCode::kLower; return lb; }
  if (w >= ub) { *code = ProxCode::kUpper; return ub; }
  *code = kink ? ProxCode::kKink : ProxCode::kInterior;
  return w;
}

inline double pwlValueT(const CostView& f, double t) {
  // integral_0^t slope; slope(tau) = slopes[j] on (breaks[j-1], breaks[j]).
  double a = std::fmin(0.0, t), b = std::fmax(0.0, t), acc = 0;
  for (int j = 0; j <= f.nb; ++j) {
    double lo = j == 0 ? -kInf : f.breaks[j - 1];
    double hi = j == f.nb ? kInf : f.breaks[j];
    double s = std::fmax(a, lo), e = std::fmin(b, hi);
    if (e > s) acc += f.slopes[j] * (e - s);
  }
  return t >= 0 ? acc : -acc;
}

inline double costValue(const CostView& f, double w) {
  if (f.kind == 0) return 0.0;
  double t = w - f.x0;
  if (f.kind == 2) return pwlValueT(f, t);
  double at = std::fabs(t);
  return (t > 0 ? f.buy * t : f.sell * -t) + 0.5 * f.quad * t * t + f.impact * at * std::sqrt(at);
}

// Subdifferential [lo, hi] of f at w (t-space slope), box normal cone not included.
inline void costSubdiff(const CostView& f, double w, double* lo, double* hi) {
  if (f.kind == 0) { *lo = *hi = 0; return; }
  double t = w - f.x0;
  if (f.kind == 1) {
    if (t > 0) { *lo = *hi = f.buy + f.quad * t + 1.5 * f.impact * std::sqrt(t); return; }
    if (t < 0) { *lo = *hi = -f.sell + f.quad * t - 1.5 * f.impact * std::sqrt(-t); return; }
    *lo = -f.sell; *hi = f.buy;
    return;
  }
  for (int j = 0; j <= f.nb; ++j) {
    // A point stored as x0 + break does not give back exactly `break` as t: compare with a
    // round-off allowance so a kink is recognized as one.
    double tol = 1e-13 * (1.0 + std::fabs(f.x0) + (j < f.nb ? std::fabs(f.breaks[j]) : 0.0));
    if (j < f.nb && std::fabs(t - f.breaks[j]) <= tol) { *lo = f.slopes[j]; *hi = f.slopes[j + 1]; return; }
    if (j == f.nb || t < f.breaks[j]) { *lo = *hi = f.slopes[j]; return; }
  }
}

// Conjugate of f + I[lb,ub] at y: sup_w y w - f(w - x0) over the box (+inf when unbounded).
inline double costBoxConjugate(const CostView& f, double lb, double ub, double y) {
  double t;  // unconstrained maximizer of y t - f(t)
  if (f.kind == 0) {
    t = y > 0 ? kInf : y < 0 ? -kInf : 0.0;
  } else if (f.kind == 1) {
    double b = 1.5 * f.impact;
    if (y > f.buy) {
      double c = y - f.buy;
      double u = f.quad > 0 ? posRoot(f.quad, b, c) : (b > 0 ? c / b : kInf);
      t = std::isinf(u) ? kInf : u * u;
    } else if (y < -f.sell) {
      double c = -y - f.sell;
      double u = f.quad > 0 ? posRoot(f.quad, b, c) : (b > 0 ? c / b : kInf);
      t = std::isinf(u) ? -kInf : -u * u;
    } else {
      t = 0;
    }
  } else {
    t = kInf;
    for (int j = 0; j <= f.nb; ++j) {
      if (y <= f.slopes[j]) {
        if (j > 0) t = f.breaks[j - 1];
        else t = y == f.slopes[0] ? (f.nb > 0 ? f.breaks[0] : 0.0) : -kInf;
        break;
      }
    }
  }
  double w = f.x0 + t;
  if (w < lb) w = lb;
  if (w > ub) w = ub;
  if (std::isinf(w)) return kInf;
  return y * w - costValue(f, w);
}

// Recession function f^inf(d) (growth along direction d); +inf for superlinear terms.
inline double costRecession(const CostView& f, double dlt) {
  if (f.kind == 0 || dlt == 0) return 0.0;
  if (f.kind == 1) {
    if (f.quad > 0 || f.impact > 0) return kInf;
    return dlt > 0 ? f.buy * dlt : -f.sell * dlt;
  }
  return dlt > 0 ? f.slopes[f.nb] * dlt : f.slopes[0] * dlt;
}

}  // namespace hppo::admm
