// The ADMM x-step linear system, in the scaled problem:
//   (P + sigma I + diag(rhoX) + A' diag(rhoA) A) x = b
// Two implementations: Woodbury on the factor form (dense (k+m) x (k+m) Cholesky) and a sparse
// LDL' of the quasi-definite KKT matrix (sparse P, or a factor form with many rows, through
// auxiliary variables w = F'x). Both refactor only when factor() is called (rho changed).
// Owned and used by one solving thread.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "admm.h"

namespace hppo::admm {

// Row-major copy of A's pattern for fast A x (built once from the CSC).
struct Csr {
  std::int32_t rows = 0, cols = 0;
  std::vector<std::int64_t> rowPtr;
  std::vector<std::int32_t> colIdx;
  std::vector<double> values;
};
Csr toCsr(const Csc& a);

class LinSys {
 public:
  virtual ~LinSys() = default;
  // Returns false with *err on numerical failure (zero/negative pivot: problem not convex).
  virtual bool factor(double sigma, const double* rhoA, const double* rhoX, std::string* err) = 0;
  virtual void solve(double* b) = 0;  // in place
  virtual const char* name() const = 0;
  // Flop estimates of factor() and solve(): the adaptive-rho interval is derived from their ratio
  // (deterministic, unlike timings).
  virtual double factorFlops() const = 0;
  virtual double solveFlops() const = 0;
};

// Factor form: P = F F' + diag(d), F n x k row-major. The matrices are referenced, not copied:
// they must outlive the LinSys and keep their values between factor() calls.
std::unique_ptr<LinSys> makeWoodbury(std::int32_t n, std::int32_t k, const double* F, const double* d,
                                     const Csc* A, const Csr* Ar);

// Sparse P (upper CSC) or, when F != nullptr, the factor form through w = F'x.
std::unique_ptr<LinSys> makeKktLdl(std::int32_t n, const Csc* Pupper, std::int32_t k, const double* F,
                                   const double* d, const Csc* A);

// Factor form on a CUDA device (cuda/admm_cuda.cu); nullptr with *err when CUDA was not compiled
// or the device cannot be used (the caller falls back to makeWoodbury and says why).
std::unique_ptr<LinSys> makeCudaWoodbury(std::int32_t n, std::int32_t k, const double* F, const double* d,
                                         const Csc* A, const Csr* Ar, int device, std::string* err);

}  // namespace hppo::admm
