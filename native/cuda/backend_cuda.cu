// CUDA backend (see core/backend.h for the contract): hand-written kernels only (no cuBLAS /
// cuSPARSE), one stream per backend, cudart linked statically.
//
// Threads: the owner thread enqueues on stream_; reductions and download() synchronize it.
// Determinism: reductions use a fixed grid (kRedBlocks x kThreads) and a fixed tree order, then a
// single-block second pass; the dense A'x uses fixed row chunks whose partial column sums are
// added in chunk order. So results are bit-identical run to run on the same GPU.
#include <cuda_runtime.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend.h"

namespace hppo {
namespace {

constexpr int kThreads = 256;
constexpr int kRedBlocks = 256;
constexpr int kDenseChunk = 128;  // scenario rows per partial in A'x over the dense block

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("cuda ") + what + ": " + cudaGetErrorString(e));
}

int blocksFor(std::size_t n) {
  std::size_t b = (n + kThreads - 1) / kThreads;
  if (b > 65535u * 8u) b = 65535u * 8u;
  return static_cast<int>(b < 1 ? 1 : b);
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

// ---- products -------------------------------------------------------------------------------

template <typename T>
__global__ void kSpmv(std::int32_t rows, const std::int64_t* ptr, const std::int32_t* idx, const double* val,
                      const T* dense, std::int32_t dRow0, std::int32_t dCol0, std::int32_t dRows, std::int32_t dCols,
                      double alpha, const double* x, double beta, double* y) {
  const int lane = threadIdx.x & 31;
  const std::int64_t warp = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  if (warp >= rows) return;
  const std::int32_t i = static_cast<std::int32_t>(warp);
  double acc = 0.0;
  for (std::int64_t p = ptr[i] + lane; p < ptr[i + 1]; p += 32) acc += val[p] * x[idx[p]];
  const std::int32_t r = i - dRow0;
  if (dense != nullptr && r >= 0 && r < dRows) {
    const T* row = dense + static_cast<std::int64_t>(r) * dCols;
    const double* xc = x + dCol0;
    for (std::int32_t c = lane; c < dCols; c += 32) acc += static_cast<double>(row[c]) * xc[c];
  }
  acc = warpSum(acc);
  if (lane == 0) y[i] = beta == 0.0 ? alpha * acc : alpha * acc + beta * y[i];
}

// Sparse part of A'x via the transposed CSR (warp per column). Dense columns are written to
// `denseSparse` (combined later); the others get alpha/beta applied here.
__global__ void kSpmvT(std::int32_t cols, const std::int64_t* ptr, const std::int32_t* idx, const double* val,
                       std::int32_t dCol0, std::int32_t dCols, double alpha, const double* x, double beta, double* y,
                       double* denseSparse) {
  const int lane = threadIdx.x & 31;
  const std::int64_t warp = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  if (warp >= cols) return;
  const std::int32_t j = static_cast<std::int32_t>(warp);
  double acc = 0.0;
  for (std::int64_t p = ptr[j] + lane; p < ptr[j + 1]; p += 32) acc += val[p] * x[idx[p]];
  acc = warpSum(acc);
  if (lane == 0) {
    const std::int32_t c = j - dCol0;
    if (denseSparse != nullptr && c >= 0 && c < dCols) denseSparse[c] = acc;
    else y[j] = beta == 0.0 ? alpha * acc : alpha * acc + beta * y[j];
  }
}

// partial[chunk][c] = sum_{r in chunk} D[r][c] * x[row0 + r]; threads run along c (coalesced).
template <typename T>
__global__ void kDenseT(const T* dense, std::int32_t dRow0, std::int32_t dRows, std::int32_t dCols, const double* x,
                        double* partial) {
  const std::int32_t c = blockIdx.x * blockDim.x + threadIdx.x;
  const std::int32_t chunk = blockIdx.y;
  if (c >= dCols) return;
  const std::int32_t r0 = chunk * kDenseChunk;
  const std::int32_t r1 = min(dRows, r0 + kDenseChunk);
  double acc = 0.0;
  for (std::int32_t r = r0; r < r1; ++r) acc += static_cast<double>(dense[static_cast<std::int64_t>(r) * dCols + c]) * x[dRow0 + r];
  partial[static_cast<std::int64_t>(chunk) * dCols + c] = acc;
}

__global__ void kDenseTFinish(const double* partial, std::int32_t chunks, std::int32_t dCols, std::int32_t dCol0,
                              const double* denseSparse, double alpha, double beta, double* y) {
  const std::int32_t c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= dCols) return;
  double s = denseSparse[c];
  for (std::int32_t k = 0; k < chunks; ++k) s += partial[static_cast<std::int64_t>(k) * dCols + c];
  const std::int32_t j = dCol0 + c;
  y[j] = beta == 0.0 ? alpha * s : alpha * s + beta * y[j];
}

// ---- level 1 --------------------------------------------------------------------------------

#define GRID_LOOP(i, n) for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < (n); i += static_cast<std::size_t>(blockDim.x) * gridDim.x)

__global__ void kFill(std::size_t n, double* x, double v) { GRID_LOOP(i, n) x[i] = v; }
__global__ void kScale(std::size_t n, double* x, double a) { GRID_LOOP(i, n) x[i] *= a; }
__global__ void kAxpby(std::size_t n, double a, const double* x, double b, double* y) { GRID_LOOP(i, n) y[i] = a * x[i] + b * y[i]; }
__global__ void kLin3(std::size_t n, double a, const double* x, double b, const double* y, double c, const double* z, double* o) {
  GRID_LOOP(i, n) o[i] = a * x[i] + b * y[i] + c * z[i];
}
__global__ void kMul(std::size_t n, const double* x, const double* d, double* o) { GRID_LOOP(i, n) o[i] = x[i] * d[i]; }
__global__ void kDiv(std::size_t n, const double* x, const double* d, double* o) { GRID_LOOP(i, n) o[i] = x[i] / d[i]; }
__global__ void kClamp(std::size_t n, const double* x, const double* l, const double* h, double* o) {
  GRID_LOOP(i, n) o[i] = fmin(fmax(x[i], l[i]), h[i]);
}
__global__ void kBoxExcess(std::size_t n, const double* x, const double* l, const double* h, double* o) {
  GRID_LOOP(i, n) {
    const double v = x[i];
    o[i] = v < l[i] ? v - l[i] : (v > h[i] ? v - h[i] : 0.0);
  }
}
__global__ void kStepClamp(std::size_t n, const double* x, double a, const double* g, const double* l, const double* h, double* o) {
  GRID_LOOP(i, n) o[i] = fmin(fmax(x[i] + a * g[i], l[i]), h[i]);
}

// ---- reductions: op 0 dot, 1 sumsq, 2 maxabs, 3 sum, 4 boundTerms (two outputs) -------------

__device__ inline void blockReduce2(double& a, double& b, bool isMax) {
  __shared__ double sa[kThreads], sb[kThreads];
  sa[threadIdx.x] = a;
  sb[threadIdx.x] = b;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      if (isMax) sa[threadIdx.x] = fmax(sa[threadIdx.x], sa[threadIdx.x + s]);
      else sa[threadIdx.x] += sa[threadIdx.x + s];
      sb[threadIdx.x] += sb[threadIdx.x + s];
    }
    __syncthreads();
  }
  a = sa[0];
  b = sb[0];
}

__global__ void kReduce(int op, std::size_t n, const double* x, const double* y, const double* l, const double* h,
                        double* out /* 2*kRedBlocks */) {
  double a = 0.0, b = 0.0;
  GRID_LOOP(i, n) {
    const double v = x[i];
    switch (op) {
      case 0: a += v * y[i]; break;
      case 1: a += v * v; break;
      case 2: a = fmax(a, fabs(v)); break;
      case 3: a += v; break;
      default:
        if (v > 0) { if (isfinite(l[i])) a += l[i] * v; else b += v * v; }
        else if (v < 0) { if (isfinite(h[i])) a += h[i] * v; else b += v * v; }
    }
  }
  blockReduce2(a, b, op == 2);
  if (threadIdx.x == 0) { out[blockIdx.x] = a; out[kRedBlocks + blockIdx.x] = b; }
}

__global__ void kReduceFinish(int op, int blocks, double* buf) {
  double a = 0.0, b = 0.0;
  for (int i = threadIdx.x; i < blocks; i += blockDim.x) {
    if (op == 2) a = fmax(a, buf[i]); else a += buf[i];
    b += buf[kRedBlocks + i];
  }
  blockReduce2(a, b, op == 2);
  if (threadIdx.x == 0) { buf[2 * kRedBlocks] = a; buf[2 * kRedBlocks + 1] = b; }
}

// ---- classes --------------------------------------------------------------------------------

class CudaMatrix final : public DeviceMatrix {
 public:
  std::int32_t nRows = 0, nCols = 0;
  std::int64_t* ptr = nullptr; std::int32_t* idx = nullptr; double* val = nullptr;
  std::int64_t* tptr = nullptr; std::int32_t* tidx = nullptr; double* tval = nullptr;
  double* d64 = nullptr; float* d32 = nullptr;
  std::int32_t dRow0 = 0, dCol0 = 0, dRows = 0, dCols = 0, chunks = 0;
  double* partial = nullptr; double* denseSparse = nullptr;
  std::size_t bytes = 0;
  ~CudaMatrix() override {
    for (void* p : {static_cast<void*>(ptr), static_cast<void*>(idx), static_cast<void*>(val), static_cast<void*>(tptr),
                    static_cast<void*>(tidx), static_cast<void*>(tval), static_cast<void*>(d64), static_cast<void*>(d32),
                    static_cast<void*>(partial), static_cast<void*>(denseSparse)})
      if (p) cudaFree(p);
  }
  std::int32_t rows() const override { return nRows; }
  std::int32_t cols() const override { return nCols; }
  std::size_t deviceBytes() const override { return bytes; }
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(int dev, const std::string& name) : dev_(dev), name_(name) {
    check(cudaSetDevice(dev), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    red_ = devAlloc<double>(2 * kRedBlocks + 2);
  }
  ~CudaBackend() override {
    if (red_) cudaFree(red_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  const char* name() const override { return kBackendCuda; }
  std::string device() const override { return name_; }
  int threads() const override { return 1; }

  Buffer alloc(std::size_t n) override {
    double* p = devAlloc<double>(n);
    if (n) check(cudaMemsetAsync(p, 0, n * 8, stream_), "cudaMemset");
    return Buffer(this, p, n);
  }
  void release(double* data, std::size_t) override {
    cudaStreamSynchronize(stream_);
    cudaFree(data);
  }
  void upload(Buffer& dst, const double* host) override {
    if (dst.size()) check(cudaMemcpyAsync(dst.data(), host, dst.size() * 8, cudaMemcpyHostToDevice, stream_), "upload");
    check(cudaStreamSynchronize(stream_), "upload sync");
  }
  void download(const Buffer& src, double* host) override {
    if (src.size()) check(cudaMemcpyAsync(host, src.data(), src.size() * 8, cudaMemcpyDeviceToHost, stream_), "download");
    check(cudaStreamSynchronize(stream_), "download sync");
  }

  // Copies on the backend's own (non-blocking) stream and waits: a plain cudaMemcpy from pageable
  // memory runs on the legacy stream, which a non-blocking stream does not wait for.
  template <typename T>
  T* put(const std::vector<T>& h, std::size_t* bytes) {
    T* p = devAlloc<T>(h.size());
    if (!h.empty()) {
      check(cudaMemcpyAsync(p, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice, stream_), "matrix upload");
      check(cudaStreamSynchronize(stream_), "matrix upload sync");
    }
    *bytes += h.size() * sizeof(T);
    return p;
  }

  std::unique_ptr<DeviceMatrix> uploadMatrix(const BlockMatrix& m) override {
    auto out = std::make_unique<CudaMatrix>();
    out->nRows = m.rows;
    out->nCols = m.cols;
    CsrMatrix a = m.sparse;
    if (a.rowPtr.empty()) a.rowPtr.assign(static_cast<std::size_t>(m.rows) + 1, 0);
    // transpose on the host
    std::vector<std::int64_t> tp(static_cast<std::size_t>(m.cols) + 1, 0);
    const std::int64_t nnz = a.rowPtr.back();
    std::vector<std::int32_t> ti(static_cast<std::size_t>(nnz));
    std::vector<double> tv(static_cast<std::size_t>(nnz));
    for (std::int64_t p = 0; p < nnz; ++p) tp[static_cast<std::size_t>(a.colIdx[p]) + 1]++;
    for (std::int32_t j = 0; j < m.cols; ++j) tp[j + 1] += tp[j];
    std::vector<std::int64_t> next(tp.begin(), tp.end() - 1);
    for (std::int32_t i = 0; i < m.rows; ++i)
      for (std::int64_t p = a.rowPtr[i]; p < a.rowPtr[i + 1]; ++p) {
        const std::int64_t q = next[a.colIdx[p]]++;
        ti[q] = i;
        tv[q] = a.values[p];
      }
    out->ptr = put(a.rowPtr, &out->bytes);
    out->idx = put(a.colIdx, &out->bytes);
    out->val = put(a.values, &out->bytes);
    out->tptr = put(tp, &out->bytes);
    out->tidx = put(ti, &out->bytes);
    out->tval = put(tv, &out->bytes);
    const DenseBlock& d = m.dense;
    if (!d.empty()) {
      out->dRow0 = d.row0; out->dCol0 = d.col0; out->dRows = d.rows; out->dCols = d.cols;
      if (d.float32) out->d32 = put(d.f32, &out->bytes); else out->d64 = put(d.f64, &out->bytes);
      out->chunks = (d.rows + kDenseChunk - 1) / kDenseChunk;
      out->partial = devAlloc<double>(static_cast<std::size_t>(out->chunks) * d.cols);
      out->denseSparse = devAlloc<double>(static_cast<std::size_t>(d.cols));
      out->bytes += (static_cast<std::size_t>(out->chunks) + 1) * d.cols * 8;
    }
    return out;
  }

  void spmv(const DeviceMatrix& dm, double alpha, const Buffer& x, double beta, Buffer& y) override {
    const auto& m = static_cast<const CudaMatrix&>(dm);
    if (m.nRows == 0) return;
    const int blocks = static_cast<int>((static_cast<std::int64_t>(m.nRows) * 32 + kThreads - 1) / kThreads);
    if (m.d32) kSpmv<float><<<blocks, kThreads, 0, stream_>>>(m.nRows, m.ptr, m.idx, m.val, m.d32, m.dRow0, m.dCol0, m.dRows, m.dCols, alpha, x.data(), beta, y.data());
    else kSpmv<double><<<blocks, kThreads, 0, stream_>>>(m.nRows, m.ptr, m.idx, m.val, m.d64, m.dRow0, m.dCol0, m.dRows, m.dCols, alpha, x.data(), beta, y.data());
    check(cudaGetLastError(), "spmv");
  }

  void spmvT(const DeviceMatrix& dm, double alpha, const Buffer& x, double beta, Buffer& y) override {
    const auto& m = static_cast<const CudaMatrix&>(dm);
    if (m.nCols == 0) return;
    const bool dense = m.dRows > 0 && m.dCols > 0;
    const int blocks = static_cast<int>((static_cast<std::int64_t>(m.nCols) * 32 + kThreads - 1) / kThreads);
    kSpmvT<<<blocks, kThreads, 0, stream_>>>(m.nCols, m.tptr, m.tidx, m.tval, m.dCol0, m.dCols, alpha, x.data(), beta, y.data(),
                                             dense ? m.denseSparse : nullptr);
    if (dense) {
      dim3 g((m.dCols + 127) / 128, m.chunks);
      if (m.d32) kDenseT<float><<<g, 128, 0, stream_>>>(m.d32, m.dRow0, m.dRows, m.dCols, x.data(), m.partial);
      else kDenseT<double><<<g, 128, 0, stream_>>>(m.d64, m.dRow0, m.dRows, m.dCols, x.data(), m.partial);
      kDenseTFinish<<<(m.dCols + 127) / 128, 128, 0, stream_>>>(m.partial, m.chunks, m.dCols, m.dCol0, m.denseSparse, alpha, beta, y.data());
    }
    check(cudaGetLastError(), "spmvT");
  }

  void fill(Buffer& x, double v) override { if (x.size()) kFill<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), v); }
  void copy(const Buffer& s, Buffer& d) override {
    if (s.size()) check(cudaMemcpyAsync(d.data(), s.data(), s.size() * 8, cudaMemcpyDeviceToDevice, stream_), "copy");
  }
  void scale(Buffer& x, double a) override { if (x.size()) kScale<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), a); }
  void axpy(double a, const Buffer& x, Buffer& y) override { axpby(a, x, 1.0, y); }
  void axpby(double a, const Buffer& x, double b, Buffer& y) override {
    if (x.size()) kAxpby<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), a, x.data(), b, y.data());
  }
  void lincomb3(double a, const Buffer& x, double b, const Buffer& y, double c, const Buffer& z, Buffer& o) override {
    if (x.size()) kLin3<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), a, x.data(), b, y.data(), c, z.data(), o.data());
  }
  void mul(const Buffer& x, const Buffer& d, Buffer& o) override {
    if (x.size()) kMul<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), d.data(), o.data());
  }
  void div(const Buffer& x, const Buffer& d, Buffer& o) override {
    if (x.size()) kDiv<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), d.data(), o.data());
  }
  void clamp(const Buffer& x, const Buffer& l, const Buffer& h, Buffer& o) override {
    if (x.size()) kClamp<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), l.data(), h.data(), o.data());
  }
  void boxExcess(const Buffer& x, const Buffer& l, const Buffer& h, Buffer& o) override {
    if (x.size()) kBoxExcess<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), l.data(), h.data(), o.data());
  }
  void stepClamp(const Buffer& x, double a, const Buffer& g, const Buffer& l, const Buffer& h, Buffer& o) override {
    if (x.size()) kStepClamp<<<blocksFor(x.size()), kThreads, 0, stream_>>>(x.size(), x.data(), a, g.data(), l.data(), h.data(), o.data());
  }

  double dot(const Buffer& x, const Buffer& y) override { return reduce(0, x, &y, nullptr, nullptr).value; }
  double nrm2(const Buffer& x) override { return std::sqrt(reduce(1, x, nullptr, nullptr, nullptr).value); }
  double nrmInf(const Buffer& x) override { return reduce(2, x, nullptr, nullptr, nullptr).value; }
  double sum(const Buffer& x) override { return reduce(3, x, nullptr, nullptr, nullptr).value; }
  BoundTerms boundTerms(const Buffer& v, const Buffer& l, const Buffer& h) override { return reduce(4, v, nullptr, &l, &h); }

 private:
  BoundTerms reduce(int op, const Buffer& x, const Buffer* y, const Buffer* l, const Buffer* h) {
    BoundTerms out;
    if (x.size() == 0) return out;
    kReduce<<<kRedBlocks, kThreads, 0, stream_>>>(op, x.size(), x.data(), y ? y->data() : nullptr, l ? l->data() : nullptr,
                                                  h ? h->data() : nullptr, red_);
    kReduceFinish<<<1, kThreads, 0, stream_>>>(op, kRedBlocks, red_);
    double r[2];
    check(cudaMemcpyAsync(r, red_ + 2 * kRedBlocks, sizeof r, cudaMemcpyDeviceToHost, stream_), "reduce");
    check(cudaStreamSynchronize(stream_), "reduce sync");
    out.value = r[0];
    out.infeasibleSq = r[1];
    return out;
  }

  int dev_;
  std::string name_;
  cudaStream_t stream_ = nullptr;
  double* red_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> makeCudaBackend(int deviceIndex, std::string* error) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    if (error) *error = e != cudaSuccess ? std::string("no CUDA device: ") + cudaGetErrorString(e) : "no CUDA device present";
    cudaGetLastError();
    return nullptr;
  }
  if (deviceIndex < 0 || deviceIndex >= count) {
    if (error) *error = "cuda device index " + std::to_string(deviceIndex) + " out of range (" + std::to_string(count) + " devices)";
    return nullptr;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, deviceIndex) != cudaSuccess) {
    if (error) *error = "cudaGetDeviceProperties failed";
    return nullptr;
  }
  try {
    return std::make_unique<CudaBackend>(deviceIndex, prop.name);
  } catch (const std::exception& ex) {
    if (error) *error = ex.what();
    return nullptr;
  }
}

}  // namespace hppo
