// Device factory of the ADMM x-step: the one place that knows whether the CUDA objects were
// compiled (the algorithm asks makeCudaWoodbury and falls back on nullptr).
#include "admm_linsys.h"

namespace hppo::admm {

#if !defined(HPPO_WITH_CUDA) || !HPPO_WITH_CUDA
std::unique_ptr<LinSys> makeCudaWoodbury(std::int32_t, std::int32_t, const double*, const double*, const Csc*, const Csr*,
                                         int, std::string* err) {
  *err = "CUDA backend not compiled (nvcc was not found at build time)";
  return nullptr;
}
#endif

}  // namespace hppo::admm
