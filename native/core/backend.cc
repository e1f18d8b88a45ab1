// Backend selection and host reference products (see backend.h).
#include "backend.h"

#include "capabilities.h"
#include "device.h"

namespace hppo {

#if !defined(HPPO_WITH_CUDA) || !HPPO_WITH_CUDA
// Without nvcc the CUDA objects are absent; this is the only place that knows (the factory,
// not the algorithms).
std::unique_ptr<Backend> makeCudaBackend(int, std::string* error) {
  if (error) *error = "CUDA backend not compiled (nvcc was not found at build time)";
  return nullptr;
}
#endif

std::unique_ptr<Backend> makeBackend(const BackendRequest& req, std::vector<std::string>* warnings,
                                     std::string* error) {
  const int threads = req.cpuThreads > 0 ? req.cpuThreads : defaultCpuThreads();
  if (req.device == DeviceChoice::kCpu) return makeCpuBackend(threads);
  if (req.device != DeviceChoice::kAuto && req.device != DeviceChoice::kCuda) {
    if (error) *error = "device: expected 'auto', 'cpu' or 'cuda', got '" + req.device + "'";
    return nullptr;
  }
  std::string why;
  CudaProbe probe = probeCuda();
  if (probe.compiled && !probe.devices.empty()) {
    auto b = makeCudaBackend(req.cudaDevice, &why);
    if (b) return b;
  } else {
    why = probe.message;
  }
  if (req.device == DeviceChoice::kCuda && warnings) {
    warnings->push_back("device 'cuda' requested but unavailable (" + why + "); using the cpu backend");
  }
  return makeCpuBackend(threads);
}

void hostSpmv(const BlockMatrix& a, const double* x, double* y) {
  const CsrMatrix& s = a.sparse;
  for (std::int32_t i = 0; i < a.rows; ++i) {
    double acc = 0.0;
    if (!s.rowPtr.empty()) {
      for (std::int64_t p = s.rowPtr[i]; p < s.rowPtr[i + 1]; ++p) acc += s.values[p] * x[s.colIdx[p]];
    }
    y[i] = acc;
  }
  const DenseBlock& d = a.dense;
  for (std::int32_t r = 0; r < d.rows; ++r) {
    double acc = 0.0;
    for (std::int32_t c = 0; c < d.cols; ++c) acc += d.at(r, c) * x[d.col0 + c];
    y[d.row0 + r] += acc;
  }
}

void hostSpmvT(const BlockMatrix& a, const double* y, double* x) {
  for (std::int32_t j = 0; j < a.cols; ++j) x[j] = 0.0;
  const CsrMatrix& s = a.sparse;
  if (!s.rowPtr.empty()) {
    for (std::int32_t i = 0; i < a.rows; ++i) {
      for (std::int64_t p = s.rowPtr[i]; p < s.rowPtr[i + 1]; ++p) x[s.colIdx[p]] += s.values[p] * y[i];
    }
  }
  const DenseBlock& d = a.dense;
  for (std::int32_t r = 0; r < d.rows; ++r) {
    const double yr = y[d.row0 + r];
    for (std::int32_t c = 0; c < d.cols; ++c) x[d.col0 + c] += d.at(r, c) * yr;
  }
}

}  // namespace hppo
