// GP hyperparameter fit in one native call: multi-start L-BFGS with box bounds (projection) on the
// negative log posterior of gp_likelihood.h. The same algorithm, step for step, as
// src/search/lbfgs.ts + fitGpHyperparameters in src/search/gp.ts (backtracking Armijo line search
// on the projected path, curvature pairs with sᵀy <= 1e-12 skipped, steepest-descent restart when
// the direction is not a descent one, stop on the projected gradient's max norm, on an iteration
// improving f by at most max(1e-10·max(1, |f|), ftol), or after maxIterations); results equal to
// rounding. It saves the fit's JS ↔ native crossings: one per evaluation, ~100 per BO search.
//
// Library code: no printing, no exits, no exceptions except std::bad_alloc from the scratch.
#pragma once

#include "gp/gp_likelihood.h"

namespace hppo {
namespace gp {

struct FitOptions {
  int maxIterations = 30;
  double gradientTolerance = 1e-5;
  double functionTolerance = 0;
  int memory = 6;
};

struct FitResult {
  double value;       // best negative log posterior (+inf when no start was finite)
  int evaluations;    // likelihood evaluations over all starts
};

// Minimizes from each of the nStarts starting points (starts: nStarts × (d+2), row-major) within
// [lower, upper] (d+2 each); the θ with the lowest value goes to thetaOut (d+2). When no start
// reaches a finite value, thetaOut is left as it was and value is +inf.
FitResult fit_hyperparameters(const double* X, const double* y, int n, int d, const double* starts, int nStarts,
                              const double* lower, const double* upper, const FitOptions& o, double* thetaOut,
                              Scratch& s);

}  // namespace gp
}  // namespace hppo
