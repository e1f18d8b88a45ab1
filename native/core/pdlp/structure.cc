// Dense-block detection: the CVaR LP's S x n scenario block arrives from MPS as CSR; streaming it
// as a dense row-major block (optionally float32) halves or quarters the memory traffic of each
// product and vectorizes. Explicit zeros inside the block (a return rounded to 0) are kept.
#include <algorithm>
#include <map>
#include <utility>

#include "pdlp.h"

namespace hppo {
namespace pdlp {

bool extractDenseBlock(const CsrMatrix& csr, int minCols, int minRows, bool float32, BlockMatrix* out) {
  out->rows = csr.rows;
  out->cols = csr.cols;
  out->dense = DenseBlock();
  const std::int32_t m = csr.rows;
  // Longest run of consecutive column indices in each row.
  std::vector<std::pair<std::int32_t, std::int32_t>> run(static_cast<std::size_t>(m), {0, 0});
  std::map<std::pair<std::int32_t, std::int32_t>, std::int64_t> votes;
  for (std::int32_t i = 0; i < m; ++i) {
    const std::int64_t a = csr.rowPtr[i], b = csr.rowPtr[i + 1];
    std::int32_t bestStart = 0, bestLen = 0;
    std::int64_t p = a;
    while (p < b) {
      std::int64_t q = p + 1;
      while (q < b && csr.colIdx[q] == csr.colIdx[q - 1] + 1) ++q;
      const std::int32_t len = static_cast<std::int32_t>(q - p);
      if (len > bestLen) { bestLen = len; bestStart = csr.colIdx[p]; }
      p = q;
    }
    run[i] = {bestStart, bestLen};
    if (bestLen >= minCols) votes[{bestStart, bestLen}] += 1;
  }
  if (votes.empty()) { out->sparse = csr; return false; }
  auto best = std::max_element(votes.begin(), votes.end(), [](const auto& x, const auto& y) {
    return x.second * x.first.second < y.second * y.first.second;
  });
  const std::int32_t c0 = best->first.first, c1 = c0 + best->first.second;
  const std::int32_t width = c1 - c0;
  // Rows belong when >= 90% of [c0, c1) is present; take the longest consecutive segment.
  auto inside = [&](std::int32_t i) {
    const std::int64_t a = csr.rowPtr[i], b = csr.rowPtr[i + 1];
    auto lo = std::lower_bound(csr.colIdx.begin() + a, csr.colIdx.begin() + b, c0);
    auto hi = std::lower_bound(lo, csr.colIdx.begin() + b, c1);
    return static_cast<std::int64_t>(hi - lo);
  };
  std::int32_t segStart = 0, segLen = 0, curStart = 0, curLen = 0;
  for (std::int32_t i = 0; i < m; ++i) {
    if (inside(i) * 10 >= static_cast<std::int64_t>(width) * 9) {
      if (curLen == 0) curStart = i;
      ++curLen;
      if (curLen > segLen) { segLen = curLen; segStart = curStart; }
    } else curLen = 0;
  }
  if (segLen < minRows) { out->sparse = csr; return false; }
  DenseBlock& d = out->dense;
  d.row0 = segStart;
  d.col0 = c0;
  d.rows = segLen;
  d.cols = width;
  d.float32 = float32;
  const std::size_t cells = static_cast<std::size_t>(segLen) * static_cast<std::size_t>(width);
  if (float32) d.f32.assign(cells, 0.0f); else d.f64.assign(cells, 0.0);
  CsrMatrix& s = out->sparse;
  s.rows = csr.rows;
  s.cols = csr.cols;
  s.rowPtr.assign(static_cast<std::size_t>(m) + 1, 0);
  s.colIdx.clear();
  s.values.clear();
  s.colIdx.reserve(static_cast<std::size_t>(csr.nnz()) - std::min<std::size_t>(cells, static_cast<std::size_t>(csr.nnz())));
  s.values.reserve(s.colIdx.capacity());
  for (std::int32_t i = 0; i < m; ++i) {
    const bool inBlock = i >= segStart && i < segStart + segLen;
    for (std::int64_t p = csr.rowPtr[i]; p < csr.rowPtr[i + 1]; ++p) {
      const std::int32_t j = csr.colIdx[p];
      if (inBlock && j >= c0 && j < c1) {
        const std::size_t k = static_cast<std::size_t>(i - segStart) * width + static_cast<std::size_t>(j - c0);
        if (float32) d.f32[k] = static_cast<float>(csr.values[p]); else d.f64[k] = csr.values[p];
      } else {
        s.colIdx.push_back(j);
        s.values.push_back(csr.values[p]);
      }
    }
    s.rowPtr[static_cast<std::size_t>(i) + 1] = static_cast<std::int64_t>(s.colIdx.size());
  }
  return true;
}

}  // namespace pdlp
}  // namespace hppo
