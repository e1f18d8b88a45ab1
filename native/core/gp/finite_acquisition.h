// Bayesian optimization's acquisition on a finite space, native twin of src/search/bo-finite.ts
// (read its header for the method): every feasible grid point is a candidate; log expected
// improvement of a Matérn 5/2 ARD Gaussian process is maximized exactly; the GP's Cholesky factor
// and every candidate's kernel row and partial forward solve are carried from one proposal to the
// next while θ is unchanged; candidates are scored lazily (exact means, log-EI upper bounds,
// exact log EI only for the top of a max-heap). Picks equal those of scoring every candidate
// exactly (up to rounding ties).
//
// θ = [log ℓ_1..log ℓ_d, log σ_f², log σ_n²]; targets y standardized; loss minimized.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace hppo::bo {

// log(φ(z) + zΦ(z)), finite for every finite z (far tail by the Mills ratio).
double logH(double z);
// log EI for minimization, best - mean - xi the improvement.
double logExpectedImprovement(double mean, double sd, double best, double xi);
// An upper bound of logExpectedImprovement at the same arguments (see normal.ts).
double logExpectedImprovementBound(double mean, double sd, double best, double xi);

class FiniteAcquisition {
 public:
  // xs: m candidates × d (unit cube, row-major), copied. capacity: most GP rows (real + fantasies).
  FiniteAcquisition(const double* xs, int m, int d, int capacity, const double* theta);

  // New hyperparameters: every row and solve starts again (buffers kept).
  void reset(const double* theta);

  int capacity() const { return cap_; }
  int candidates() const { return m_; }
  int dim() const { return d_; }

  // One proposal. Real rows: n observations (ids, X n×d, standardized y), in tell order; the GP
  // keeps the longest prefix of ids it already holds. used[m]: 0 free, anything else = never
  // pick (observed / pending); picks are marked 2 there. Pending trials (p of them: their points
  // px p×d and candidate numbers pidx, -1 when not a grid point) are fantasized: believer = the
  // posterior mean given the real rows; else the constant `lie`. Writes up to `count` candidate
  // numbers to out; returns how many, or -1 when the covariance cannot be factorized
  // incrementally (the caller then conditions a fresh GP with jitter).
  int propose(const int32_t* ids, const double* X, const double* y, int n, uint8_t* used, const double* px,
              const int32_t* pidx, int p, int count, bool believer, double lie, double xi, int32_t* out);

 private:
  double kernel(const double* a, const double* b) const;
  bool addPoint(const double* x, double y, bool solve);
  void solveAlpha();
  void truncate(int n);
  // out[i] = k(X_i, x) for real or fantasy rows i in [from, to).
  void kernelRow(const double* x, int from, int to, double* out) const;
  void extendKernelRow(int c, int rows);
  void advanceRow(int c, int steps);
  double meanOfRow(int c, int rows, const double* alpha) const;
  double boundKey(double mu, double var, double best, double xi) const;
  void rebuildHeap(double best, double xi, bool realRowsOnly, const uint8_t* used);
  int popBest(double best, double xi, const uint8_t* used);
  void siftDown(int at);
  void removeTop();

  int m_, d_, cap_;
  std::vector<double> xs_;
  // GP
  std::vector<double> invL2_;
  double s2_ = 1, noise_ = 1e-3;
  int n_ = 0;
  std::vector<double> X_, y_, alpha_, kbuf_;
  std::unique_ptr<double[]> L_;  // capacity × capacity, row-major lower triangle
  std::vector<int32_t> rowIds_;
  // candidates
  std::unique_ptr<double[]> K_, V_;  // m × capacity rows
  std::vector<double> vv_, mean_, varBound_, score_, alphaReal_, tm_, tv_;
  std::vector<int32_t> kn_, done_, exactAt_, heap_;
  int heapLen_ = 0, nReal_ = 0;
  bool logSpace_ = false;
};

}  // namespace hppo::bo
