// The linear-algebra backend interface shared by the solvers (PDLP, ADMM).
//
// Layers: core/ algorithms talk only to `Backend`; cpu/ (thread pool) and cuda/ (hand-written
// kernels) implement it; the backend is chosen at run time by makeBackend() (no #if CUDA inside
// algorithms).
//
// Ownership and threads (the invariants every implementation keeps):
//  * A Backend instance is used by ONE thread at a time (the solver's worker thread). It is not
//    re-entrant; create one per concurrent solve. The CPU backend fans work out to its own
//    persistent pool internally; the CUDA backend queues work on its own stream. Callers never
//    see those threads.
//  * Buffer and DeviceMatrix memory belongs to the backend that allocated it (host memory for cpu,
//    device memory for cuda). Algorithms hold them as RAII handles and NEVER dereference
//    Buffer::data(); they move data in and out with upload()/download() only. A handle must not
//    outlive its Backend.
//  * Every call behaves as if synchronous: a later call sees the effects of earlier ones;
//    functions returning a double (dot, norms, reductions) and download() wait for the result.
//  * Reductions are deterministic: the same inputs on the same backend give bit-identical results
//    (fixed partition into chunks, partial results combined in a fixed order), independent of
//    thread scheduling. CPU and CUDA may differ from each other in the last bits.
//  * Vectors hold float64. Infinite bounds are +/-INFINITY in lo/hi buffers.
//  * Aliasing: `out` may alias any input of the same length unless a comment says otherwise.
//    spmv/spmvT: y must not alias x.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hppo {

// ---------------------------------------------------------------------------------------------
// Host-side matrix description (plain data, built by the caller, copied by uploadMatrix()).

// Compressed sparse rows. rowPtr has rows+1 entries; column indices within a row are strictly
// increasing. Values are finite.
struct CsrMatrix {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  std::vector<std::int64_t> rowPtr;  // size rows+1, rowPtr[0] == 0
  std::vector<std::int32_t> colIdx;  // size nnz
  std::vector<double> values;        // size nnz
  std::int64_t nnz() const { return rowPtr.empty() ? 0 : rowPtr.back(); }
};

// A dense row-major block placed at (row0, col0) of the full matrix, e.g. the S x n scenario
// returns of a CVaR LP. Stored as float64, or as float32 (half the memory traffic; products are
// still accumulated in float64).
struct DenseBlock {
  std::int32_t row0 = 0;
  std::int32_t col0 = 0;
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  bool float32 = false;
  std::vector<double> f64;  // rows*cols, row-major; used when !float32
  std::vector<float> f32;   // rows*cols, row-major; used when float32
  bool empty() const { return rows == 0 || cols == 0; }
  double at(std::int64_t r, std::int64_t c) const {
    std::int64_t k = r * cols + c;
    return float32 ? static_cast<double>(f32[static_cast<std::size_t>(k)]) : f64[static_cast<std::size_t>(k)];
  }
};

// A = sparse + dense, both rows x cols. The sparse part holds NO entries inside the dense block's
// rectangle (the block owns that rectangle completely, explicit zeros included).
struct BlockMatrix {
  std::int32_t rows = 0;
  std::int32_t cols = 0;
  CsrMatrix sparse;  // rows x cols
  DenseBlock dense;  // optional (empty() when absent)
  std::int64_t nnz() const { return sparse.nnz() + static_cast<std::int64_t>(dense.rows) * dense.cols; }
};

// ---------------------------------------------------------------------------------------------
// Device-side handles.

class Backend;

// A float64 vector in backend memory (host RAM for cpu, GPU memory for cuda). Move-only.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend* owner, double* data, std::size_t size) : owner_(owner), data_(data), size_(size) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept { swap(o); }
  Buffer& operator=(Buffer&& o) noexcept { Buffer t(std::move(o)); swap(t); return *this; }
  ~Buffer();
  double* data() const { return data_; }  // backend memory: never dereference in core code
  std::size_t size() const { return size_; }
  bool valid() const { return owner_ != nullptr; }

 private:
  void swap(Buffer& o) noexcept {
    std::swap(owner_, o.owner_); std::swap(data_, o.data_); std::swap(size_, o.size_);
  }
  Backend* owner_ = nullptr;
  double* data_ = nullptr;
  std::size_t size_ = 0;
};

// A matrix uploaded to a backend (it keeps whatever it needs for A x and A^T y, e.g. a transposed
// copy of the sparse part). Opaque to the algorithms.
class DeviceMatrix {
 public:
  virtual ~DeviceMatrix() = default;
  virtual std::int32_t rows() const = 0;
  virtual std::int32_t cols() const = 0;
  virtual std::size_t deviceBytes() const = 0;  // memory it holds on the backend
};

// Result of boundTerms(): see there.
struct BoundTerms {
  double value = 0.0;        // sum of the finite support-function terms
  double infeasibleSq = 0.0; // squared 2-norm of the components that point at an infinite bound
};

const char* const kBackendCpu = "cpu";
const char* const kBackendCuda = "cuda";

// ---------------------------------------------------------------------------------------------
// The interface. All vectors passed to one call have the lengths stated; implementations may
// assume it (core code checks sizes once at setup).
class Backend {
 public:
  virtual ~Backend() = default;

  virtual const char* name() const = 0;       // kBackendCpu or kBackendCuda
  virtual std::string device() const = 0;     // e.g. "cpu x2 threads", "NVIDIA H100 80GB HBM3"
  virtual int threads() const = 0;            // CPU worker threads (1 for cuda)

  // Memory. alloc() contents are zero. upload/download copy n = buf.size() doubles.
  virtual Buffer alloc(std::size_t n) = 0;
  virtual void upload(Buffer& dst, const double* host) = 0;
  virtual void download(const Buffer& src, double* host) = 0;
  virtual std::unique_ptr<DeviceMatrix> uploadMatrix(const BlockMatrix& a) = 0;

  // y = alpha * A x + beta * y      (x: cols, y: rows)
  virtual void spmv(const DeviceMatrix& a, double alpha, const Buffer& x, double beta, Buffer& y) = 0;
  // y = alpha * A^T x + beta * y    (x: rows, y: cols)
  virtual void spmvT(const DeviceMatrix& a, double alpha, const Buffer& x, double beta, Buffer& y) = 0;

  // Level-1 (all same length n).
  virtual void fill(Buffer& x, double v) = 0;
  virtual void copy(const Buffer& src, Buffer& dst) = 0;
  virtual void scale(Buffer& x, double alpha) = 0;                                  // x *= alpha
  virtual void axpy(double alpha, const Buffer& x, Buffer& y) = 0;                  // y += alpha x
  virtual void axpby(double alpha, const Buffer& x, double beta, Buffer& y) = 0;    // y = a x + b y
  // out = a x + b y + c z
  virtual void lincomb3(double a, const Buffer& x, double b, const Buffer& y, double c, const Buffer& z,
                        Buffer& out) = 0;
  virtual void mul(const Buffer& x, const Buffer& d, Buffer& out) = 0;              // out = x .* d
  virtual void div(const Buffer& x, const Buffer& d, Buffer& out) = 0;              // out = x ./ d

  // Projections onto boxes [lo, hi] (lo/hi may hold -inf/+inf).
  virtual void clamp(const Buffer& x, const Buffer& lo, const Buffer& hi, Buffer& out) = 0;
  // out = x - clamp(x, lo, hi): the part of x outside the box (0 inside).
  virtual void boxExcess(const Buffer& x, const Buffer& lo, const Buffer& hi, Buffer& out) = 0;
  // out = clamp(x + alpha * g, lo, hi)   (projected gradient step, one pass)
  virtual void stepClamp(const Buffer& x, double alpha, const Buffer& g, const Buffer& lo, const Buffer& hi,
                         Buffer& out) = 0;

  // Reductions (deterministic).
  virtual double dot(const Buffer& x, const Buffer& y) = 0;
  virtual double nrm2(const Buffer& x) = 0;
  virtual double nrmInf(const Buffer& x) = 0;
  virtual double sum(const Buffer& x) = 0;
  // Support-function terms of v against the box [lo, hi], the building block of LP dual
  // objectives and infeasibility certificates:
  //   value        = sum_i ( v_i > 0 ? lo_i v_i : v_i < 0 ? hi_i v_i : 0 ) over terms whose bound is finite
  //   infeasibleSq = sum_i v_i^2 over i with (v_i > 0 and lo_i = -inf) or (v_i < 0 and hi_i = +inf)
  virtual BoundTerms boundTerms(const Buffer& v, const Buffer& lo, const Buffer& hi) = 0;

  // Internal: releases memory of a Buffer (called by ~Buffer).
  virtual void release(double* data, std::size_t n) = 0;
};

inline Buffer::~Buffer() {
  if (owner_ != nullptr && data_ != nullptr) owner_->release(data_, size_);
}

// ---------------------------------------------------------------------------------------------
// Construction (core/backend.cc).

struct DeviceChoice {
  static constexpr const char* kAuto = "auto";
  static constexpr const char* kCpu = "cpu";
  static constexpr const char* kCuda = "cuda";
};

struct BackendRequest {
  std::string device = DeviceChoice::kAuto;  // "auto" | "cpu" | "cuda"
  int cpuThreads = 0;                        // 0 = defaultCpuThreads() (all cores)
  int cudaDevice = 0;                        // device index for cuda
};

// Picks and creates a backend. "auto": CUDA when a device is present, else CPU (no warning).
// "cuda" without a usable device: falls back to CPU and appends a warning saying why.
// Returns nullptr only for an unknown device string (error set). Never prints.
std::unique_ptr<Backend> makeBackend(const BackendRequest& req, std::vector<std::string>* warnings,
                                     std::string* error);

// The concrete factories (cpu/backend_cpu.cc, cuda/backend_cuda.cu). makeCudaBackend returns
// nullptr with *error set when no device can be used.
std::unique_ptr<Backend> makeCpuBackend(int threads);
std::unique_ptr<Backend> makeCudaBackend(int deviceIndex, std::string* error);

// Host reference for A x / A^T y on a BlockMatrix (single-threaded, float64 accumulation):
// used by tests and setup code (scaling, residual checks) without a backend.
void hostSpmv(const BlockMatrix& a, const double* x, double* y);   // y = A x
void hostSpmvT(const BlockMatrix& a, const double* y, double* x);  // x = A^T y

}  // namespace hppo
