// Multithreaded CPU backend (see core/backend.h for the contract).
//
// Threads: the owner thread calls in; large operations are cut into fixed chunks that the owner
// and the pool's workers claim dynamically (cpu/thread_pool.h), so a worker that is not scheduled
// costs nothing on a loaded machine. Small operations run inline. Determinism: chunks are fixed by
// the data (not by the thread count); every reduction and the dense A'x sum per-chunk partials in
// chunk order, so results are bit-identical whatever thread ran which chunk, and for any number
// of threads.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "backend.h"
#include "thread_pool.h"

namespace hppo {
namespace {

constexpr std::size_t kParallelMin = 1 << 16;
// Products of matrices with fewer stored entries than this run on the calling thread only: a
// fork-join costs a few microseconds on an idle machine but up to a scheduler quantum on a
// loaded one, which dwarfs a small product.
constexpr std::int64_t kParallelMinEntries = 1 << 18;
constexpr std::size_t kChunk = 4096;

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

inline v4d load4(const double* p) {
  v4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline v4d load4(const float* p) {
  v4f v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, v4d);
}
inline void store4(double* p, v4d v) { std::memcpy(p, &v, sizeof v); }

// sum_j a[j] * x[j], 16 lanes of independent accumulators.
template <typename T>
inline double rowDot(const T* a, const double* x, std::int32_t n) {
  v4d s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
  std::int32_t j = 0;
  for (; j + 16 <= n; j += 16) {
    s0 += load4(a + j) * load4(x + j);
    s1 += load4(a + j + 4) * load4(x + j + 4);
    s2 += load4(a + j + 8) * load4(x + j + 8);
    s3 += load4(a + j + 12) * load4(x + j + 12);
  }
  for (; j + 4 <= n; j += 4) s0 += load4(a + j) * load4(x + j);
  v4d s = (s0 + s1) + (s2 + s3);
  double acc = (s[0] + s[1]) + (s[2] + s[3]);
  for (; j < n; ++j) acc += static_cast<double>(a[j]) * x[j];
  return acc;
}

// acc[j] += a[j] * xv for j < n
template <typename T>
inline void rowAxpy(const T* a, double xv, double* acc, std::int32_t n) {
  const v4d xb = {xv, xv, xv, xv};
  std::int32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    store4(acc + j, load4(acc + j) + load4(a + j) * xb);
    store4(acc + j + 4, load4(acc + j + 4) + load4(a + j + 4) * xb);
  }
  for (; j < n; ++j) acc[j] += static_cast<double>(a[j]) * xv;
}

struct Csr {
  std::int32_t rows = 0;
  std::vector<std::int64_t> ptr;
  std::vector<std::int32_t> idx;
  std::vector<double> val;
};

Csr transpose(const CsrMatrix& a) {
  Csr t;
  t.rows = a.cols;
  t.ptr.assign(static_cast<std::size_t>(a.cols) + 1, 0);
  const std::int64_t nnz = a.nnz();
  t.idx.resize(static_cast<std::size_t>(nnz));
  t.val.resize(static_cast<std::size_t>(nnz));
  for (std::int64_t p = 0; p < nnz; ++p) t.ptr[static_cast<std::size_t>(a.colIdx[p]) + 1]++;
  for (std::int32_t j = 0; j < a.cols; ++j) t.ptr[j + 1] += t.ptr[j];
  std::vector<std::int64_t> next(t.ptr.begin(), t.ptr.end() - 1);
  for (std::int32_t i = 0; i < a.rows; ++i) {
    for (std::int64_t p = a.rowPtr[i]; p < a.rowPtr[i + 1]; ++p) {
      std::int64_t q = next[a.colIdx[p]]++;
      t.idx[q] = i;
      t.val[q] = a.values[p];
    }
  }
  return t;
}

// Splits [0, n) into contiguous chunks of about `target` weight each (weight(i) = cost of item i).
template <typename W>
std::vector<std::int32_t> partition(std::int32_t n, double target, W weight) {
  double total = 0;
  for (std::int32_t i = 0; i < n; ++i) total += weight(i);
  const int parts = static_cast<int>(std::max(1.0, std::min(static_cast<double>(std::max(n, 1)), std::ceil(total / target))));
  std::vector<std::int32_t> cut(static_cast<std::size_t>(parts) + 1, n);
  cut[0] = 0;
  double acc = 0;
  int k = 1;
  for (std::int32_t i = 0; i < n && k < parts; ++i) {
    acc += weight(i);
    while (k < parts && acc >= total * k / parts) cut[k++] = i + 1;
  }
  return cut;
}

class CpuMatrix final : public DeviceMatrix {
 public:
  std::int32_t nRows = 0, nCols = 0;
  CsrMatrix a;   // sparse part (rows x cols)
  Csr at;        // its transpose (cols x rows)
  DenseBlock d;  // dense block
  std::vector<std::int32_t> rowCut, colCut, denseCut;  // chunk boundaries
  bool parallel = false;  // small matrices run on the calling thread only
  mutable std::vector<double> partial;  // denseChunks x d.cols, for A^T over the dense block
  mutable std::vector<double> denseColSparse;  // d.cols: sparse-part sums of the dense columns
  std::int32_t rows() const override { return nRows; }
  std::int32_t cols() const override { return nCols; }
  std::size_t deviceBytes() const override {
    return a.values.size() * 12 + at.val.size() * 12 + d.f64.size() * 8 + d.f32.size() * 4 + partial.size() * 8;
  }
};

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) : pool_(threads) {}

  const char* name() const override { return kBackendCpu; }
  std::string device() const override { return "cpu x" + std::to_string(pool_.threads()) + " threads"; }
  int threads() const override { return pool_.threads(); }

  Buffer alloc(std::size_t n) override {
    double* p = n == 0 ? nullptr : static_cast<double*>(std::aligned_alloc(64, ((n * 8 + 63) / 64) * 64));
    if (n != 0 && p == nullptr) throw std::bad_alloc();
    if (p) std::memset(p, 0, n * 8);
    return Buffer(this, p, n);
  }
  void release(double* data, std::size_t) override { std::free(data); }
  void upload(Buffer& dst, const double* host) override { if (dst.size()) std::memcpy(dst.data(), host, dst.size() * 8); }
  void download(const Buffer& src, double* host) override { if (src.size()) std::memcpy(host, src.data(), src.size() * 8); }

  std::unique_ptr<DeviceMatrix> uploadMatrix(const BlockMatrix& m) override {
    auto out = std::make_unique<CpuMatrix>();
    out->nRows = m.rows;
    out->nCols = m.cols;
    out->a = m.sparse;
    if (out->a.rowPtr.empty()) out->a.rowPtr.assign(static_cast<std::size_t>(m.rows) + 1, 0);
    out->a.rows = m.rows;
    out->a.cols = m.cols;
    out->at = transpose(out->a);
    out->d = m.dense;
    out->parallel = m.nnz() >= kParallelMinEntries && pool_.threads() > 1;
    const CpuMatrix& c = *out;
    // ~64k entries per chunk: big enough to amortize a claim, small enough to balance.
    const double target = 65536.0;
    out->rowCut = partition(m.rows, target, [&](std::int32_t i) {
      double w = static_cast<double>(c.a.rowPtr[i + 1] - c.a.rowPtr[i]) + 1.0;
      if (i >= c.d.row0 && i < c.d.row0 + c.d.rows) w += c.d.cols;
      return w;
    });
    out->colCut = partition(m.cols, target, [&](std::int32_t j) { return static_cast<double>(c.at.ptr[j + 1] - c.at.ptr[j]) + 1.0; });
    out->denseCut = partition(m.dense.rows, target, [&](std::int32_t) { return static_cast<double>(c.d.cols) + 1.0; });
    out->partial.assign((out->denseCut.size() - 1) * static_cast<std::size_t>(m.dense.cols), 0.0);
    out->denseColSparse.assign(static_cast<std::size_t>(m.dense.cols), 0.0);
    return out;
  }

  void spmv(const DeviceMatrix& dm, double alpha, const Buffer& xb, double beta, Buffer& yb) override {
    const auto& m = static_cast<const CpuMatrix&>(dm);
    const double* x = xb.data();
    double* y = yb.data();
    runChunks(m.parallel, static_cast<std::int64_t>(m.rowCut.size()) - 1, [&](std::int64_t t) {
      const std::int32_t r0 = m.rowCut[t], r1 = m.rowCut[t + 1];
      const auto& a = m.a;
      const auto& d = m.d;
      for (std::int32_t i = r0; i < r1; ++i) {
        double acc = 0.0;
        for (std::int64_t p = a.rowPtr[i]; p < a.rowPtr[i + 1]; ++p) acc += a.values[p] * x[a.colIdx[p]];
        const std::int32_t r = i - d.row0;
        if (r >= 0 && r < d.rows) {
          const std::size_t off = static_cast<std::size_t>(r) * d.cols;
          acc += d.float32 ? rowDot(d.f32.data() + off, x + d.col0, d.cols) : rowDot(d.f64.data() + off, x + d.col0, d.cols);
        }
        y[i] = beta == 0.0 ? alpha * acc : alpha * acc + beta * y[i];
      }
    });
  }

  void spmvT(const DeviceMatrix& dm, double alpha, const Buffer& xb, double beta, Buffer& yb) override {
    const auto& m = static_cast<const CpuMatrix&>(dm);
    const double* x = xb.data();
    double* y = yb.data();
    const auto& d = m.d;
    const std::size_t dc = static_cast<std::size_t>(d.cols);
    const std::int64_t dChunks = static_cast<std::int64_t>(m.denseCut.size()) - 1;
    const std::int64_t cChunks = static_cast<std::int64_t>(m.colCut.size()) - 1;
    const std::int64_t nd = d.empty() ? 0 : dChunks;
    // Chunks [0, nd): dense-block partial row-vectors; chunks [nd, nd + cChunks): sparse columns.
    runChunks(m.parallel, nd + cChunks, [&](std::int64_t k) {
      if (k < nd) {
        double* acc = m.partial.data() + static_cast<std::size_t>(k) * dc;
        std::fill(acc, acc + dc, 0.0);
        for (std::int32_t r = m.denseCut[k]; r < m.denseCut[k + 1]; ++r) {
          const double xv = x[d.row0 + r];
          if (xv == 0.0) continue;
          const std::size_t off = static_cast<std::size_t>(r) * dc;
          if (d.float32) rowAxpy(d.f32.data() + off, xv, acc, d.cols);
          else rowAxpy(d.f64.data() + off, xv, acc, d.cols);
        }
        return;
      }
      const std::int64_t t = k - nd;
      const auto& at = m.at;
      for (std::int32_t j = m.colCut[t]; j < m.colCut[t + 1]; ++j) {
        double acc = 0.0;
        for (std::int64_t p = at.ptr[j]; p < at.ptr[j + 1]; ++p) acc += at.val[p] * x[at.idx[p]];
        const std::int32_t c = j - d.col0;
        if (d.empty() || c < 0 || c >= d.cols) y[j] = beta == 0.0 ? alpha * acc : alpha * acc + beta * y[j];
        else m.denseColSparse[static_cast<std::size_t>(c)] = acc;  // combined below with the dense partials
      }
    });
    if (!d.empty()) {
      for (std::int32_t c = 0; c < d.cols; ++c) {
        double s = 0.0;
        for (std::int64_t t = 0; t < nd; ++t) s += m.partial[static_cast<std::size_t>(t) * dc + c];
        const std::int32_t j = d.col0 + c;
        const double acc = m.denseColSparse[static_cast<std::size_t>(c)] + s;
        y[j] = beta == 0.0 ? alpha * acc : alpha * acc + beta * y[j];
      }
    }
  }

  void fill(Buffer& x, double v) override {
    double* p = x.data();
    each(x.size(), [=](std::size_t i) { p[i] = v; });
  }
  void copy(const Buffer& src, Buffer& dst) override { if (src.size()) std::memcpy(dst.data(), src.data(), src.size() * 8); }
  void scale(Buffer& x, double a) override {
    double* p = x.data();
    each(x.size(), [=](std::size_t i) { p[i] *= a; });
  }
  void axpy(double a, const Buffer& xb, Buffer& yb) override {
    const double* x = xb.data();
    double* y = yb.data();
    each(xb.size(), [=](std::size_t i) { y[i] += a * x[i]; });
  }
  void axpby(double a, const Buffer& xb, double b, Buffer& yb) override {
    const double* x = xb.data();
    double* y = yb.data();
    each(xb.size(), [=](std::size_t i) { y[i] = a * x[i] + b * y[i]; });
  }
  void lincomb3(double a, const Buffer& xb, double b, const Buffer& yb, double c, const Buffer& zb, Buffer& ob) override {
    const double* x = xb.data();
    const double* y = yb.data();
    const double* z = zb.data();
    double* o = ob.data();
    each(xb.size(), [=](std::size_t i) { o[i] = a * x[i] + b * y[i] + c * z[i]; });
  }
  void mul(const Buffer& xb, const Buffer& db, Buffer& ob) override {
    const double* x = xb.data();
    const double* d = db.data();
    double* o = ob.data();
    each(xb.size(), [=](std::size_t i) { o[i] = x[i] * d[i]; });
  }
  void div(const Buffer& xb, const Buffer& db, Buffer& ob) override {
    const double* x = xb.data();
    const double* d = db.data();
    double* o = ob.data();
    each(xb.size(), [=](std::size_t i) { o[i] = x[i] / d[i]; });
  }
  void clamp(const Buffer& xb, const Buffer& lb, const Buffer& hb, Buffer& ob) override {
    const double* x = xb.data();
    const double* l = lb.data();
    const double* h = hb.data();
    double* o = ob.data();
    each(xb.size(), [=](std::size_t i) { o[i] = std::min(std::max(x[i], l[i]), h[i]); });
  }
  void boxExcess(const Buffer& xb, const Buffer& lb, const Buffer& hb, Buffer& ob) override {
    const double* x = xb.data();
    const double* l = lb.data();
    const double* h = hb.data();
    double* o = ob.data();
    each(xb.size(), [=](std::size_t i) {
      const double v = x[i];
      o[i] = v < l[i] ? v - l[i] : (v > h[i] ? v - h[i] : 0.0);
    });
  }
  void stepClamp(const Buffer& xb, double a, const Buffer& gb, const Buffer& lb, const Buffer& hb, Buffer& ob) override {
    const double* x = xb.data();
    const double* g = gb.data();
    const double* l = lb.data();
    const double* h = hb.data();
    double* o = ob.data();
    each(xb.size(), [=](std::size_t i) { o[i] = std::min(std::max(x[i] + a * g[i], l[i]), h[i]); });
  }

  double dot(const Buffer& xb, const Buffer& yb) override {
    const double* x = xb.data();
    const double* y = yb.data();
    return reduce(xb.size(), [=](std::size_t a, std::size_t b) {
      double s = 0.0;
      for (std::size_t i = a; i < b; ++i) s += x[i] * y[i];
      return s;
    });
  }
  double nrm2(const Buffer& xb) override {
    const double* x = xb.data();
    return std::sqrt(reduce(xb.size(), [=](std::size_t a, std::size_t b) {
      double s = 0.0;
      for (std::size_t i = a; i < b; ++i) s += x[i] * x[i];
      return s;
    }));
  }
  double nrmInf(const Buffer& xb) override {
    const double* x = xb.data();
    double m = 0.0;
    for (std::size_t i = 0; i < xb.size(); ++i) m = std::max(m, std::fabs(x[i]));
    return m;
  }
  double sum(const Buffer& xb) override {
    const double* x = xb.data();
    return reduce(xb.size(), [=](std::size_t a, std::size_t b) {
      double s = 0.0;
      for (std::size_t i = a; i < b; ++i) s += x[i];
      return s;
    });
  }
  BoundTerms boundTerms(const Buffer& vb, const Buffer& lb, const Buffer& hb) override {
    const double* v = vb.data();
    const double* l = lb.data();
    const double* h = hb.data();
    BoundTerms out;
    for (std::size_t i = 0; i < vb.size(); ++i) {
      const double x = v[i];
      if (x > 0) {
        if (std::isfinite(l[i])) out.value += l[i] * x; else out.infeasibleSq += x * x;
      } else if (x < 0) {
        if (std::isfinite(h[i])) out.value += h[i] * x; else out.infeasibleSq += x * x;
      }
    }
    return out;
  }

 private:
  template <typename F>
  void runChunks(bool parallel, std::int64_t chunks, const F& f) {
    if (!parallel) {
      for (std::int64_t k = 0; k < chunks; ++k) f(k);
      return;
    }
    pool_.run(chunks, std::function<void(std::int64_t)>(std::cref(f)));
  }

  template <typename F>
  void each(std::size_t n, F f) {
    if (n < kParallelMin) {
      for (std::size_t i = 0; i < n; ++i) f(i);
      return;
    }
    const std::size_t chunks = (n + kParallelMin - 1) / kParallelMin;
    pool_.run(static_cast<std::int64_t>(chunks), [&](std::int64_t k) {
      const std::size_t a = static_cast<std::size_t>(k) * kParallelMin, b = std::min(n, a + kParallelMin);
      for (std::size_t i = a; i < b; ++i) f(i);
    });
  }

  template <typename F>
  double reduce(std::size_t n, F chunkSum) {
    const std::size_t chunks = (n + kChunk - 1) / kChunk;
    if (chunks <= 1) return chunkSum(0, n);
    partials_.assign(chunks, 0.0);
    auto body = [&](std::size_t c0, std::size_t c1) {
      for (std::size_t c = c0; c < c1; ++c) partials_[c] = chunkSum(c * kChunk, std::min(n, (c + 1) * kChunk));
    };
    if (n < kParallelMin) body(0, chunks);
    else pool_.run(static_cast<std::int64_t>(chunks), [&](std::int64_t c) { body(static_cast<std::size_t>(c), static_cast<std::size_t>(c) + 1); });
    double s = 0.0;
    for (double p : partials_) s += p;
    return s;
  }

  ThreadPool pool_;
  std::vector<double> partials_;
};

}  // namespace

std::unique_ptr<Backend> makeCpuBackend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace hppo
