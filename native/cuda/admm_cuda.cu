// CUDA Woodbury x-step of the ADMM on the factor form (see core/admm/admm_linsys.h):
//   M = D + U U',  D = diag(d + sigma + rhoX),  U = [F, A' diag(sqrt(rhoA))]
//   M^-1 b = D^-1 b - D^-1 U C^-1 U' D^-1 b,  C = I + U' D^-1 U   ((k+m) x (k+m))
// F (n x k row-major) lives on the device. factor(): the k x k block F' D^-1 F is a tiled SYRK on
// the GPU; the small blocks that involve A (m rows) are added on the host, C is inverted on the host
// (Cholesky, K^3/3 with K = k + m ~ 264) and C^-1 uploaded, so solve() is four GEMV-like kernels
// and two PCIe copies of n doubles. Hand-written kernels (no cuBLAS), cudart static.
//
// Threads: one solving thread owns the object and its stream; solve() synchronizes before
// returning. Determinism: fixed row chunks, partial sums added in chunk order.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "admm/admm_linsys.h"

namespace hppo::admm {
namespace {

constexpr int kThreads = 256;
constexpr int kRowChunk = 64;  // rows of F per partial in F'v
constexpr int kTile = 16;

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("cuda ") + what + ": " + cudaGetErrorString(e));
}

template <typename T>
T* devAlloc(std::size_t n) {
  void* p = nullptr;
  if (n) check(cudaMalloc(&p, n * sizeof(T)), "cudaMalloc");
  return static_cast<T*>(p);
}

__device__ inline double warpSum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// t = dinv .* b
__global__ void kScaleVec(int n, const double* dinv, const double* b, double* t) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) t[i] = dinv[i] * b[i];
}

// partial[c][a] = sum_{i in chunk c} F[i][a] t[i]   (threads over a: coalesced row reads)
__global__ void kFtPartial(int n, int k, const double* F, const double* t, double* partial) {
  int c = blockIdx.x;
  int i0 = c * kRowChunk, i1 = min(n, i0 + kRowChunk);
  for (int a = threadIdx.x; a < k; a += blockDim.x) {
    double s = 0;
    for (int i = i0; i < i1; ++i) s += F[static_cast<long long>(i) * k + a] * t[i];
    partial[static_cast<long long>(c) * k + a] = s;
  }
}

// w[a] = sum_c partial[c][a] (chunk order); w[k + r] = sr[r] * (A t)_r
__global__ void kFtFinish(int chunks, int k, const double* partial, double* w) {
  for (int a = blockIdx.x * blockDim.x + threadIdx.x; a < k; a += gridDim.x * blockDim.x) {
    double s = 0;
    for (int c = 0; c < chunks; ++c) s += partial[static_cast<long long>(c) * k + a];
    w[a] = s;
  }
}

__global__ void kArows(int m, int k, const long long* rp, const int* ci, const double* av, const double* sr, const double* t,
                       double* w) {
  for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < m; r += gridDim.x * blockDim.x) {
    double s = 0;
    for (long long p = rp[r]; p < rp[r + 1]; ++p) s += av[p] * t[ci[p]];
    w[k + r] = sr[r] * s;
  }
}

// z = Cinv w (K x K dense, one warp per row)
__global__ void kGemvWarp(int K, const double* Cinv, const double* w, double* z) {
  int warp = (blockIdx.x * blockDim.x + threadIdx.x) / 32, lane = threadIdx.x % 32;
  if (warp >= K) return;
  double s = 0;
  for (int b = lane; b < K; b += 32) s += Cinv[static_cast<long long>(warp) * K + b] * w[b];
  s = warpSum(s);
  if (lane == 0) z[warp] = s;
}

// x[i] = t[i] - dinv[i] * (F[i,:] z[0:k] + sum_p A[p,i] sr[p] z[k+p])   (one warp per row of F)
__global__ void kBack(int n, int k, const double* F, const double* z, const long long* cp, const int* ri, const double* av,
                      const double* sr, const double* dinv, const double* t, double* x) {
  int warp = (blockIdx.x * blockDim.x + threadIdx.x) / 32, lane = threadIdx.x % 32;
  if (warp >= n) return;
  const double* fi = F + static_cast<long long>(warp) * k;
  double s = 0;
  for (int a = lane; a < k; a += 32) s += fi[a] * z[a];
  s = warpSum(s);
  if (lane == 0) {
    double extra = 0;
    for (long long p = cp[warp]; p < cp[warp + 1]; ++p) extra += av[p] * sr[ri[p]] * z[k + ri[p]];
    x[warp] = t[warp] - dinv[warp] * (s + extra);
  }
}

// G[a][b] = sum_i F[i][a] dinv[i] F[i][b]  (full k x k, tiled; each block one kTile x kTile tile)
__global__ void kSyrk(int n, int k, const double* F, const double* dinv, double* G) {
  __shared__ double As[kTile][kTile + 1];
  __shared__ double Bs[kTile][kTile + 1];
  int a = blockIdx.y * kTile + threadIdx.y;
  int b = blockIdx.x * kTile + threadIdx.x;
  double s = 0;
  for (int i0 = 0; i0 < n; i0 += kTile) {
    int ia = i0 + threadIdx.x;  // row of F loaded by this thread for the a-tile
    int ib = i0 + threadIdx.y;
    int colA = blockIdx.y * kTile + threadIdx.y, colB = blockIdx.x * kTile + threadIdx.x;
    As[threadIdx.y][threadIdx.x] = (ia < n && colA < k) ? F[static_cast<long long>(ia) * k + colA] * dinv[ia] : 0.0;
    Bs[threadIdx.y][threadIdx.x] = (ib < n && colB < k) ? F[static_cast<long long>(ib) * k + colB] : 0.0;
    __syncthreads();
    for (int r = 0; r < kTile; ++r) s += As[threadIdx.y][r] * Bs[r][threadIdx.x];
    __syncthreads();
  }
  if (a < k && b < k) G[static_cast<long long>(a) * k + b] = s;
}

class CudaWoodbury final : public LinSys {
 public:
  CudaWoodbury(std::int32_t n, std::int32_t k, const double* F, const double* d, const Csc* A, const Csr* Ar)
      : n_(n), k_(k), m_(A ? A->rows : 0), F_(F), d_(d), A_(A), Ar_(Ar) {
    K_ = k_ + m_;
    chunks_ = (n_ + kRowChunk - 1) / kRowChunk;
    check(cudaStreamCreate(&stream_), "cudaStreamCreate");
    dF_ = devAlloc<double>(static_cast<std::size_t>(n_) * k_);
    check(cudaMemcpy(dF_, F_, sizeof(double) * n_ * static_cast<std::size_t>(k_), cudaMemcpyHostToDevice), "copy F");
    dDinv_ = devAlloc<double>(n_);
    dB_ = devAlloc<double>(n_);
    dT_ = devAlloc<double>(n_);
    dX_ = devAlloc<double>(n_);
    dPartial_ = devAlloc<double>(static_cast<std::size_t>(chunks_) * std::max(k_, 1));
    dW_ = devAlloc<double>(K_);
    dZ_ = devAlloc<double>(K_);
    dCinv_ = devAlloc<double>(static_cast<std::size_t>(K_) * K_);
    dG_ = devAlloc<double>(static_cast<std::size_t>(k_) * std::max(k_, 1));
    dSr_ = devAlloc<double>(std::max(m_, 1));
    // A as CSR (rows) and CSC (columns) on the device; 64-bit pointers.
    std::vector<long long> rp(Ar_ ? Ar_->rowPtr.begin() : std::vector<std::int64_t>::const_iterator(),
                              Ar_ ? Ar_->rowPtr.end() : std::vector<std::int64_t>::const_iterator());
    if (rp.empty()) rp.assign(static_cast<std::size_t>(m_) + 1, 0);
    std::vector<long long> cp(A_ ? A_->colPtr.begin() : std::vector<std::int64_t>::const_iterator(),
                              A_ ? A_->colPtr.end() : std::vector<std::int64_t>::const_iterator());
    if (cp.empty()) cp.assign(static_cast<std::size_t>(n_) + 1, 0);
    std::size_t nnz = A_ ? static_cast<std::size_t>(A_->nnz()) : 0;
    dRp_ = devAlloc<long long>(rp.size());
    dCp_ = devAlloc<long long>(cp.size());
    dCi_ = devAlloc<int>(std::max<std::size_t>(nnz, 1));
    dRi_ = devAlloc<int>(std::max<std::size_t>(nnz, 1));
    dAvR_ = devAlloc<double>(std::max<std::size_t>(nnz, 1));
    dAvC_ = devAlloc<double>(std::max<std::size_t>(nnz, 1));
    check(cudaMemcpy(dRp_, rp.data(), sizeof(long long) * rp.size(), cudaMemcpyHostToDevice), "copy A");
    check(cudaMemcpy(dCp_, cp.data(), sizeof(long long) * cp.size(), cudaMemcpyHostToDevice), "copy A");
    if (nnz) {
      check(cudaMemcpy(dCi_, Ar_->colIdx.data(), sizeof(int) * nnz, cudaMemcpyHostToDevice), "copy A");
      check(cudaMemcpy(dAvR_, Ar_->values.data(), sizeof(double) * nnz, cudaMemcpyHostToDevice), "copy A");
      check(cudaMemcpy(dRi_, A_->rowIdx.data(), sizeof(int) * nnz, cudaMemcpyHostToDevice), "copy A");
      check(cudaMemcpy(dAvC_, A_->values.data(), sizeof(double) * nnz, cudaMemcpyHostToDevice), "copy A");
    }
    dinv_.resize(n_);
    sr_.resize(std::max(m_, 1));
  }
  ~CudaWoodbury() override {
    for (void* p : {static_cast<void*>(dF_), static_cast<void*>(dDinv_), static_cast<void*>(dB_), static_cast<void*>(dT_),
                    static_cast<void*>(dX_), static_cast<void*>(dPartial_), static_cast<void*>(dW_), static_cast<void*>(dZ_),
                    static_cast<void*>(dCinv_), static_cast<void*>(dG_), static_cast<void*>(dSr_), static_cast<void*>(dRp_),
                    static_cast<void*>(dCp_), static_cast<void*>(dCi_), static_cast<void*>(dRi_), static_cast<void*>(dAvR_),
                    static_cast<void*>(dAvC_)})
      if (p) cudaFree(p);
    if (stream_) cudaStreamDestroy(stream_);
  }
  const char* name() const override { return "woodbury"; }
  double factorFlops() const override { return static_cast<double>(n_) * k_ * k_ + 2.0 * K_ * K_ * K_; }
  double solveFlops() const override { return 4.0 * n_ * k_ + 2.0 * K_ * K_; }

  bool factor(double sigma, const double* rhoA, const double* rhoX, std::string* err) override {
    try {
      for (std::int32_t i = 0; i < n_; ++i) {
        double dd = (d_ ? d_[i] : 0.0) + sigma + rhoX[i];
        if (!(dd > 0)) { *err = "non-positive diagonal in the x-system (P not positive semidefinite?)"; return false; }
        dinv_[i] = 1.0 / dd;
      }
      for (std::int32_t r = 0; r < m_; ++r) sr_[r] = std::sqrt(std::max(rhoA[r], 0.0));
      check(cudaMemcpyAsync(dDinv_, dinv_.data(), sizeof(double) * n_, cudaMemcpyHostToDevice, stream_), "copy dinv");
      check(cudaMemcpyAsync(dSr_, sr_.data(), sizeof(double) * std::max(m_, 1), cudaMemcpyHostToDevice, stream_), "copy sr");
      const std::int64_t K = K_;
      std::vector<double> C(static_cast<std::size_t>(K) * K, 0.0);
      if (k_ > 0) {
        dim3 block(kTile, kTile), grid((k_ + kTile - 1) / kTile, (k_ + kTile - 1) / kTile);
        kSyrk<<<grid, block, 0, stream_>>>(n_, k_, dF_, dDinv_, dG_);
        check(cudaGetLastError(), "kSyrk");
        std::vector<double> G(static_cast<std::size_t>(k_) * k_);
        check(cudaMemcpyAsync(G.data(), dG_, sizeof(double) * G.size(), cudaMemcpyDeviceToHost, stream_), "copy G");
        check(cudaStreamSynchronize(stream_), "sync");
        for (std::int32_t a = 0; a < k_; ++a)
          for (std::int32_t b = 0; b < k_; ++b) C[a * K + b] = 0.5 * (G[a * k_ + b] + G[b * k_ + a]);
      }
      // Blocks with A (m small): on the host.
      std::vector<double> tmp(k_);
      for (std::int32_t r = 0; r < m_; ++r) {
        std::fill(tmp.begin(), tmp.end(), 0.0);
        for (std::int64_t p = Ar_->rowPtr[r]; p < Ar_->rowPtr[r + 1]; ++p) {
          std::int32_t j = Ar_->colIdx[p];
          double v = Ar_->values[p] * dinv_[j];
          const double* fj = F_ + static_cast<std::int64_t>(j) * k_;
          for (std::int32_t a = 0; a < k_; ++a) tmp[a] += v * fj[a];
        }
        for (std::int32_t a = 0; a < k_; ++a) C[a * K + k_ + r] = C[(k_ + r) * K + a] = sr_[r] * tmp[a];
      }
      for (std::int32_t j = 0; j < n_ && m_ > 0; ++j)
        for (std::int64_t p = A_->colPtr[j]; p < A_->colPtr[j + 1]; ++p)
          for (std::int64_t q = A_->colPtr[j]; q < A_->colPtr[j + 1]; ++q)
            C[(k_ + A_->rowIdx[p]) * K + k_ + A_->rowIdx[q]] +=
                A_->values[p] * dinv_[j] * sr_[A_->rowIdx[p]] * A_->values[q] * sr_[A_->rowIdx[q]];
      for (std::int64_t a = 0; a < K; ++a) C[a * K + a] += 1.0;
      // Cholesky (lower, in place) then C^-1 = L^-T L^-1, column by column.
      for (std::int64_t j = 0; j < K; ++j) {
        double s = C[j * K + j];
        for (std::int64_t p = 0; p < j; ++p) s -= C[j * K + p] * C[j * K + p];
        if (!(s > 0)) { *err = "capacitance matrix not positive definite"; return false; }
        double l = std::sqrt(s);
        C[j * K + j] = l;
        for (std::int64_t r = j + 1; r < K; ++r) {
          double v = C[r * K + j];
          for (std::int64_t p = 0; p < j; ++p) v -= C[r * K + p] * C[j * K + p];
          C[r * K + j] = v / l;
        }
      }
      cinv_.assign(static_cast<std::size_t>(K) * K, 0.0);
      std::vector<double> e(K);
      for (std::int64_t c = 0; c < K; ++c) {
        std::fill(e.begin(), e.end(), 0.0);
        e[c] = 1.0;
        for (std::int64_t a = 0; a < K; ++a) {
          double v = e[a];
          for (std::int64_t p = 0; p < a; ++p) v -= C[a * K + p] * e[p];
          e[a] = v / C[a * K + a];
        }
        for (std::int64_t a = K - 1; a >= 0; --a) {
          double v = e[a];
          for (std::int64_t p = a + 1; p < K; ++p) v -= C[p * K + a] * e[p];
          e[a] = v / C[a * K + a];
        }
        for (std::int64_t a = 0; a < K; ++a) cinv_[a * K + c] = e[a];
      }
      check(cudaMemcpyAsync(dCinv_, cinv_.data(), sizeof(double) * cinv_.size(), cudaMemcpyHostToDevice, stream_), "copy Cinv");
      check(cudaStreamSynchronize(stream_), "sync");
      return true;
    } catch (const std::exception& ex) {
      *err = ex.what();
      return false;
    }
  }

  void solve(double* b) override {
    const int blocksN = std::max(1, std::min((n_ + kThreads - 1) / kThreads, 4096));
    check(cudaMemcpyAsync(dB_, b, sizeof(double) * n_, cudaMemcpyHostToDevice, stream_), "copy b");
    kScaleVec<<<blocksN, kThreads, 0, stream_>>>(n_, dDinv_, dB_, dT_);
    if (k_ > 0) {
      kFtPartial<<<chunks_, kThreads, 0, stream_>>>(n_, k_, dF_, dT_, dPartial_);
      kFtFinish<<<std::max(1, (k_ + kThreads - 1) / kThreads), kThreads, 0, stream_>>>(chunks_, k_, dPartial_, dW_);
    }
    if (m_ > 0) kArows<<<std::max(1, (m_ + kThreads - 1) / kThreads), kThreads, 0, stream_>>>(m_, k_, dRp_, dCi_, dAvR_, dSr_, dT_, dW_);
    kGemvWarp<<<std::max(1, (K_ * 32 + kThreads - 1) / kThreads), kThreads, 0, stream_>>>(K_, dCinv_, dW_, dZ_);
    kBack<<<std::max(1, (n_ * 32 + kThreads - 1) / kThreads), kThreads, 0, stream_>>>(n_, k_, dF_, dZ_, dCp_, dRi_, dAvC_, dSr_, dDinv_, dT_, dX_);
    check(cudaGetLastError(), "admm solve kernels");
    check(cudaMemcpyAsync(b, dX_, sizeof(double) * n_, cudaMemcpyDeviceToHost, stream_), "copy x");
    check(cudaStreamSynchronize(stream_), "sync");
  }

 private:
  std::int32_t n_, k_, m_, K_, chunks_;
  const double* F_;
  const double* d_;
  const Csc* A_;
  const Csr* Ar_;
  cudaStream_t stream_ = nullptr;
  double *dF_ = nullptr, *dDinv_ = nullptr, *dB_ = nullptr, *dT_ = nullptr, *dX_ = nullptr, *dPartial_ = nullptr;
  double *dW_ = nullptr, *dZ_ = nullptr, *dCinv_ = nullptr, *dG_ = nullptr, *dSr_ = nullptr;
  long long *dRp_ = nullptr, *dCp_ = nullptr;
  int *dCi_ = nullptr, *dRi_ = nullptr;
  double *dAvR_ = nullptr, *dAvC_ = nullptr;
  std::vector<double> dinv_, sr_, cinv_;
};

}  // namespace

std::unique_ptr<LinSys> makeCudaWoodbury(std::int32_t n, std::int32_t k, const double* F, const double* d, const Csc* A,
                                         const Csr* Ar, int device, std::string* err) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error state
    *err = std::string("no CUDA device: ") + cudaGetErrorString(e);
    return nullptr;
  }
  if (device < 0 || device >= count) {
    *err = "CUDA device " + std::to_string(device) + " not present (" + std::to_string(count) + " devices)";
    return nullptr;
  }
  try {
    check(cudaSetDevice(device), "cudaSetDevice");
    return std::make_unique<CudaWoodbury>(n, k, F, d, A, Ar);
  } catch (const std::exception& ex) {
    *err = ex.what();
    return nullptr;
  }
}

}  // namespace hppo::admm
