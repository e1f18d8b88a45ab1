// Linear systems of the ADMM x-step (see admm_linsys.h).
#include "admm_linsys.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <queue>

namespace hppo::admm {

Csr toCsr(const Csc& a) {
  Csr r;
  r.rows = a.rows;
  r.cols = a.cols;
  r.rowPtr.assign(static_cast<std::size_t>(a.rows) + 1, 0);
  for (std::int64_t p = 0; p < a.nnz(); ++p) r.rowPtr[a.rowIdx[p] + 1]++;
  for (std::int32_t i = 0; i < a.rows; ++i) r.rowPtr[i + 1] += r.rowPtr[i];
  r.colIdx.resize(static_cast<std::size_t>(a.nnz()));
  r.values.resize(static_cast<std::size_t>(a.nnz()));
  std::vector<std::int64_t> next(r.rowPtr.begin(), r.rowPtr.end() - 1);
  for (std::int32_t j = 0; j < a.cols; ++j)
    for (std::int64_t p = a.colPtr[j]; p < a.colPtr[j + 1]; ++p) {
      std::int64_t dst = next[a.rowIdx[p]]++;
      r.colIdx[dst] = j;
      r.values[dst] = a.values[p];
    }
  return r;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Woodbury: M = D + U U', D = diag(d + sigma + rhoX), U = [F, A' diag(sqrt(rhoA))] (n x K, K = k+m).
// M^-1 b = D^-1 b - D^-1 U C^-1 U' D^-1 b with the capacitance C = I + U' D^-1 U (dense Cholesky).
class Woodbury final : public LinSys {
 public:
  Woodbury(std::int32_t n, std::int32_t k, const double* F, const double* d, const Csc* A, const Csr* Ar)
      : n_(n), k_(k), m_(A ? A->rows : 0), F_(F), d_(d), A_(A), Ar_(Ar) {
    K_ = k_ + m_;
    dinv_.resize(n_);
    sr_.resize(m_);
    L_.resize(static_cast<std::size_t>(K_) * K_);
    w_.resize(K_);
    t_.resize(n_);
    rowTmp_.resize(k_);
  }
  const char* name() const override { return "woodbury"; }
  double factorFlops() const override {
    double n = n_, k = k_, K = K_;
    return n * k * k + K * K * K / 3.0 + static_cast<double>(A_ ? A_->nnz() : 0) * (k + m_);
  }
  double solveFlops() const override { return 4.0 * n_ * k_ + 2.0 * K_ * K_ + 4.0 * (A_ ? A_->nnz() : 0); }

  bool factor(double sigma, const double* rhoA, const double* rhoX, std::string* err) override {
    for (std::int32_t i = 0; i < n_; ++i) {
      double dd = (d_ ? d_[i] : 0.0) + sigma + rhoX[i];
      if (!(dd > 0)) { *err = "non-positive diagonal in the x-system (P not positive semidefinite?)"; return false; }
      dinv_[i] = 1.0 / dd;
    }
    for (std::int32_t r = 0; r < m_; ++r) sr_[r] = std::sqrt(std::max(rhoA[r], 0.0));
    std::fill(L_.begin(), L_.end(), 0.0);
    double* C = L_.data();
    const std::int64_t K = K_;
    // F' D^-1 F (upper triangle of the leading k x k block), four rows of F at a time.
    std::int32_t i = 0;
    for (; i + 4 <= n_; i += 4) {
      const double* f0 = F_ + static_cast<std::int64_t>(i) * k_;
      const double* f1 = f0 + k_;
      const double* f2 = f1 + k_;
      const double* f3 = f2 + k_;
      double s0 = dinv_[i], s1 = dinv_[i + 1], s2 = dinv_[i + 2], s3 = dinv_[i + 3];
      for (std::int32_t a = 0; a < k_; ++a) {
        double g0 = s0 * f0[a], g1 = s1 * f1[a], g2 = s2 * f2[a], g3 = s3 * f3[a];
        double* Ca = C + a * K;
        for (std::int32_t b = a; b < k_; ++b) Ca[b] += g0 * f0[b] + g1 * f1[b] + g2 * f2[b] + g3 * f3[b];
      }
    }
    for (; i < n_; ++i) {
      const double* f0 = F_ + static_cast<std::int64_t>(i) * k_;
      double s0 = dinv_[i];
      for (std::int32_t a = 0; a < k_; ++a) {
        double g0 = s0 * f0[a];
        double* Ca = C + a * K;
        for (std::int32_t b = a; b < k_; ++b) Ca[b] += g0 * f0[b];
      }
    }
    // F' D^-1 A' diag(sr): column k+r.
    if (m_ > 0) {
      for (std::int32_t r = 0; r < m_; ++r) {
        std::fill(rowTmp_.begin(), rowTmp_.end(), 0.0);
        for (std::int64_t p = Ar_->rowPtr[r]; p < Ar_->rowPtr[r + 1]; ++p) {
          std::int32_t j = Ar_->colIdx[p];
          double v = Ar_->values[p] * dinv_[j];
          const double* fj = F_ + static_cast<std::int64_t>(j) * k_;
          for (std::int32_t a = 0; a < k_; ++a) rowTmp_[a] += v * fj[a];
        }
        for (std::int32_t a = 0; a < k_; ++a) C[a * K + k_ + r] = sr_[r] * rowTmp_[a];
      }
      // diag(sr) A D^-1 A' diag(sr): pairs of entries within each column of A.
      for (std::int32_t j = 0; j < n_; ++j) {
        for (std::int64_t p = A_->colPtr[j]; p < A_->colPtr[j + 1]; ++p) {
          std::int32_t r = A_->rowIdx[p];
          double v = A_->values[p] * dinv_[j] * sr_[r];
          for (std::int64_t q = p; q < A_->colPtr[j + 1]; ++q) {
            std::int32_t s = A_->rowIdx[q];
            C[(k_ + r) * K + k_ + s] += v * A_->values[q] * sr_[s];
          }
        }
      }
    }
    for (std::int64_t a = 0; a < K; ++a) C[a * K + a] += 1.0;
    // In-place Cholesky on the upper triangle, read as the lower factor L' (row a of U = column a of L):
    // we mirror to lower first so the dot products run over contiguous rows.
    for (std::int64_t a = 0; a < K; ++a)
      for (std::int64_t b = a + 1; b < K; ++b) C[b * K + a] = C[a * K + b];
    for (std::int64_t j = 0; j < K; ++j) {
      double* Lj = C + j * K;
      double s = Lj[j];
      for (std::int64_t p = 0; p < j; ++p) s -= Lj[p] * Lj[p];
      if (!(s > 0)) { *err = "capacitance matrix not positive definite"; return false; }
      double ljj = std::sqrt(s);
      Lj[j] = ljj;
      double inv = 1.0 / ljj;
      for (std::int64_t r = j + 1; r < K; ++r) {
        double* Lr = C + r * K;
        double v = Lr[j];
        for (std::int64_t p = 0; p < j; ++p) v -= Lr[p] * Lj[p];
        Lr[j] = v * inv;
      }
    }
    return true;
  }

  void solve(double* b) override {
    const std::int64_t K = K_;
    for (std::int32_t i = 0; i < n_; ++i) t_[i] = b[i] * dinv_[i];
    std::fill(w_.begin(), w_.end(), 0.0);
    for (std::int32_t i = 0; i < n_; ++i) {
      const double* fi = F_ + static_cast<std::int64_t>(i) * k_;
      double ti = t_[i];
      for (std::int32_t a = 0; a < k_; ++a) w_[a] += ti * fi[a];
    }
    for (std::int32_t r = 0; r < m_; ++r) {
      double s = 0;
      for (std::int64_t p = Ar_->rowPtr[r]; p < Ar_->rowPtr[r + 1]; ++p) s += Ar_->values[p] * t_[Ar_->colIdx[p]];
      w_[k_ + r] = sr_[r] * s;
    }
    const double* L = L_.data();
    for (std::int64_t a = 0; a < K; ++a) {  // L y = w
      double v = w_[a];
      const double* La = L + a * K;
      for (std::int64_t p = 0; p < a; ++p) v -= La[p] * w_[p];
      w_[a] = v / La[a];
    }
    for (std::int64_t a = K - 1; a >= 0; --a) {  // L' z = y (column access of L)
      double v = w_[a] / L[a * K + a];
      w_[a] = v;
      for (std::int64_t p = 0; p < a; ++p) w_[p] -= L[a * K + p] * v;
    }
    // x = t - D^-1 (F w_k + A' (sr .* w_m))
    for (std::int32_t i = 0; i < n_; ++i) {
      const double* fi = F_ + static_cast<std::int64_t>(i) * k_;
      double s = 0;
      for (std::int32_t a = 0; a < k_; ++a) s += fi[a] * w_[a];
      double extra = 0;
      if (m_ > 0)
        for (std::int64_t p = A_->colPtr[i]; p < A_->colPtr[i + 1]; ++p)
          extra += A_->values[p] * sr_[A_->rowIdx[p]] * w_[k_ + A_->rowIdx[p]];
      b[i] = t_[i] - dinv_[i] * (s + extra);
    }
  }

 private:
  std::int32_t n_, k_, m_, K_;
  const double* F_;
  const double* d_;
  const Csc* A_;
  const Csr* Ar_;
  std::vector<double> dinv_, sr_, L_, w_, t_, rowTmp_;
};

// ---------------------------------------------------------------------------------------------
// Sparse LDL' of the quasi-definite KKT matrix (natural order: x, then w = F'x, then the rows):
//   [ P + sigma I + diag(rhoX)   F     A'          ]
//   [ F'                        -I     0           ]
//   [ A                          0    -diag(1/rhoA)]
// Up-looking factorization after QDLDL (elimination tree, then row-by-row numeric phase). The
// pattern is built once; factor() rewrites only the diagonal and refactors numerically.
class KktLdl final : public LinSys {
 public:
  KktLdl(std::int32_t n, const Csc* P, std::int32_t k, const double* F, const double* d, const Csc* A)
      : n_(n), k_(F ? k : 0), m_(A ? A->rows : 0), d_(d) {
    N_ = n_ + k_ + m_;
    Ap_.assign(static_cast<std::size_t>(N_) + 1, 0);
    diagPos_.assign(N_, -1);
    std::vector<std::int64_t> pDiag(n_, -1);
    // x columns: upper P, diagonal last.
    for (std::int32_t j = 0; j < n_; ++j) {
      if (P && P->nnz() > 0)
        for (std::int64_t p = P->colPtr[j]; p < P->colPtr[j + 1]; ++p) {
          std::int32_t i = P->rowIdx[p];
          if (i == j) { pDiag[j] = p; continue; }
          if (i < j) { Ai_.push_back(i); Ax_.push_back(P->values[p]); }
        }
      diagPos_[j] = static_cast<std::int64_t>(Ai_.size());
      Ai_.push_back(j);
      Ax_.push_back(pDiag[j] >= 0 ? P->values[pDiag[j]] : 0.0);
      Ap_[j + 1] = static_cast<std::int64_t>(Ai_.size());
    }
    pDiagVal_.resize(n_);
    for (std::int32_t j = 0; j < n_; ++j) pDiagVal_[j] = (pDiag[j] >= 0 ? P->values[pDiag[j]] : 0.0) + (d_ ? d_[j] : 0.0);
    for (std::int32_t a = 0; a < k_; ++a) {
      for (std::int32_t i = 0; i < n_; ++i) {
        double v = F[static_cast<std::int64_t>(i) * k + a];
        if (v != 0) { Ai_.push_back(i); Ax_.push_back(v); }
      }
      diagPos_[n_ + a] = static_cast<std::int64_t>(Ai_.size());
      Ai_.push_back(n_ + a);
      Ax_.push_back(-1.0);
      Ap_[n_ + a + 1] = static_cast<std::int64_t>(Ai_.size());
    }
    if (m_ > 0) {
      Csr ar = toCsr(*A);
      for (std::int32_t r = 0; r < m_; ++r) {
        for (std::int64_t p = ar.rowPtr[r]; p < ar.rowPtr[r + 1]; ++p) {
          Ai_.push_back(ar.colIdx[p]);
          Ax_.push_back(ar.values[p]);
        }
        std::int32_t c = n_ + k_ + r;
        diagPos_[c] = static_cast<std::int64_t>(Ai_.size());
        Ai_.push_back(c);
        Ax_.push_back(-1.0);
        Ap_[c + 1] = static_cast<std::int64_t>(Ai_.size());
      }
    }
    permute();
    symbolic();
  }
  const char* name() const override { return "kkt-ldl"; }
  double factorFlops() const override {
    double f = 0;
    for (std::int32_t i = 0; i < N_; ++i) f += static_cast<double>(Lnz_[i]) * Lnz_[i];
    return f + static_cast<double>(Ap_.back());
  }
  double solveFlops() const override { return 4.0 * static_cast<double>(Lp_.back()) + 2.0 * N_; }

  bool factor(double sigma, const double* rhoA, const double* rhoX, std::string* err) override {
    for (std::int32_t j = 0; j < n_; ++j) AxO_[diagPos_[j]] = pDiagVal_[j] + sigma + rhoX[j];
    for (std::int32_t r = 0; r < m_; ++r) AxO_[diagPos_[n_ + k_ + r]] = -1.0 / std::max(rhoA[r], 1e-12);
    for (std::size_t p = 0; p < Ax_.size(); ++p) Ax_[p] = AxO_[map_[p]];
    return numeric(err);
  }

  void solve(double* b) override {
    std::fill(x_.begin(), x_.end(), 0.0);
    for (std::int32_t i = 0; i < n_; ++i) x_[iperm_[i]] = b[i];
    for (std::int32_t i = 0; i < N_; ++i) {
      double xi = x_[i];
      if (xi != 0)
        for (std::int64_t p = Lp_[i]; p < Lp_[i + 1]; ++p) x_[Li_[p]] -= Lx_[p] * xi;
    }
    for (std::int32_t i = 0; i < N_; ++i) x_[i] *= Dinv_[i];
    for (std::int32_t i = N_ - 1; i >= 0; --i) {
      double s = x_[i];
      for (std::int64_t p = Lp_[i]; p < Lp_[i + 1]; ++p) s -= Lx_[p] * x_[Li_[p]];
      x_[i] = s;
    }
    for (std::int32_t i = 0; i < n_; ++i) b[i] = x_[iperm_[i]];
  }

 private:
  // Fill-reducing symmetric permutation (minimum degree on the KKT graph, dense rows/columns
  // last; any symmetric permutation of a quasi-definite matrix has a stable LDL'), then the
  // permuted upper triangle. Falls back to the natural order when the ordering would cost too much.
  void permute() {
    ApO_ = Ap_;
    AiO_ = Ai_;
    AxO_ = Ax_;
    std::vector<std::vector<std::int32_t>> adj(N_);
    for (std::int32_t j = 0; j < N_; ++j)
      for (std::int64_t p = ApO_[j]; p < ApO_[j + 1]; ++p) {
        std::int32_t i = AiO_[p];
        if (i == j) continue;
        adj[i].push_back(j);
        adj[j].push_back(i);
      }
    perm_ = minimumDegree(adj);
    iperm_.assign(N_, 0);
    for (std::int32_t k = 0; k < N_; ++k) iperm_[perm_[k]] = k;
    // Permuted upper CSC: entry (i, j) of the original goes to column max(i', j'), row min(i', j').
    std::vector<std::int64_t> cnt(static_cast<std::size_t>(N_) + 1, 0);
    for (std::int32_t j = 0; j < N_; ++j)
      for (std::int64_t p = ApO_[j]; p < ApO_[j + 1]; ++p) cnt[std::max(iperm_[AiO_[p]], iperm_[j]) + 1]++;
    for (std::int32_t j = 0; j < N_; ++j) cnt[j + 1] += cnt[j];
    Ap_ = cnt;
    std::vector<std::int64_t> next(cnt.begin(), cnt.end() - 1);
    Ai_.assign(AiO_.size(), 0);
    map_.assign(AiO_.size(), 0);
    for (std::int32_t j = 0; j < N_; ++j)
      for (std::int64_t p = ApO_[j]; p < ApO_[j + 1]; ++p) {
        std::int32_t a = iperm_[AiO_[p]], b = iperm_[j];
        std::int64_t dst = next[std::max(a, b)]++;
        Ai_[dst] = std::min(a, b);
        map_[dst] = p;
      }
    std::vector<std::pair<std::int32_t, std::int64_t>> col;
    for (std::int32_t j = 0; j < N_; ++j) {
      col.clear();
      for (std::int64_t p = Ap_[j]; p < Ap_[j + 1]; ++p) col.emplace_back(Ai_[p], map_[p]);
      std::sort(col.begin(), col.end());
      for (std::size_t t = 0; t < col.size(); ++t) {
        Ai_[Ap_[j] + static_cast<std::int64_t>(t)] = col[t].first;
        map_[Ap_[j] + static_cast<std::int64_t>(t)] = col[t].second;
      }
    }
    Ax_.assign(AiO_.size(), 0.0);
  }

  // Minimum degree on the explicit elimination graph (neighbour lists merged on elimination).
  // Nodes of degree above max(16, 10 sqrt(N)) are ordered last, in their natural order. Gives up
  // (natural order) past a work budget, so a hard graph costs at most ~1e8 list operations.
  std::vector<std::int32_t> minimumDegree(std::vector<std::vector<std::int32_t>>& adj) {
    const std::int32_t N = static_cast<std::int32_t>(adj.size());
    std::vector<std::int32_t> order;
    order.reserve(N);
    const std::size_t denseDeg = std::max<std::size_t>(16, static_cast<std::size_t>(10.0 * std::sqrt(static_cast<double>(N))));
    std::vector<char> dense(N, 0), done(N, 0);
    for (std::int32_t v = 0; v < N; ++v) {
      std::sort(adj[v].begin(), adj[v].end());
      adj[v].erase(std::unique(adj[v].begin(), adj[v].end()), adj[v].end());
      dense[v] = adj[v].size() > denseDeg;
    }
    for (std::int32_t v = 0; v < N; ++v) {
      if (dense[v]) { adj[v].clear(); continue; }
      adj[v].erase(std::remove_if(adj[v].begin(), adj[v].end(), [&](std::int32_t u) { return dense[u] != 0; }), adj[v].end());
    }
    using Item = std::pair<std::size_t, std::int32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
    for (std::int32_t v = 0; v < N; ++v) if (!dense[v]) pq.emplace(adj[v].size(), v);
    double work = 0;
    const double budget = 1e8;
    std::vector<std::int32_t> merged;
    while (!pq.empty()) {
      auto [deg, v] = pq.top();
      pq.pop();
      if (done[v] || deg != adj[v].size()) continue;
      done[v] = 1;
      order.push_back(v);
      const std::vector<std::int32_t> S = adj[v];
      for (std::int32_t u : S) {
        merged.clear();
        std::set_union(adj[u].begin(), adj[u].end(), S.begin(), S.end(), std::back_inserter(merged));
        merged.erase(std::remove_if(merged.begin(), merged.end(), [&](std::int32_t w) { return w == u || w == v; }), merged.end());
        work += static_cast<double>(merged.size() + adj[u].size());
        adj[u].swap(merged);
        pq.emplace(adj[u].size(), u);
      }
      adj[v].clear();
      adj[v].shrink_to_fit();
      if (work > budget) {
        std::vector<std::int32_t> natural(N);
        for (std::int32_t i = 0; i < N; ++i) natural[i] = i;
        return natural;
      }
    }
    for (std::int32_t v = 0; v < N; ++v) if (dense[v]) order.push_back(v);
    return order;
  }

  void symbolic() {
    etree_.assign(N_, -1);
    Lnz_.assign(N_, 0);
    std::vector<std::int32_t> work(N_, 0);
    for (std::int32_t j = 0; j < N_; ++j) {
      work[j] = j;
      for (std::int64_t p = Ap_[j]; p < Ap_[j + 1]; ++p) {
        std::int32_t i = Ai_[p];
        while (work[i] != j) {
          if (etree_[i] == -1) etree_[i] = j;
          Lnz_[i]++;
          work[i] = j;
          i = etree_[i];
        }
      }
    }
    Lp_.assign(static_cast<std::size_t>(N_) + 1, 0);
    for (std::int32_t i = 0; i < N_; ++i) Lp_[i + 1] = Lp_[i] + Lnz_[i];
    Li_.resize(static_cast<std::size_t>(Lp_[N_]));
    Lx_.resize(static_cast<std::size_t>(Lp_[N_]));
    D_.resize(N_);
    Dinv_.resize(N_);
    x_.resize(N_);
  }

  bool numeric(std::string* err) {
    std::vector<char> marker(N_, 0);
    std::vector<double> yv(N_, 0.0);
    std::vector<std::int32_t> yIdx(N_), elim(N_);
    std::vector<std::int64_t> next(Lp_.begin(), Lp_.end() - 1);
    for (std::int32_t k = 0; k < N_; ++k) {
      std::int32_t nnzY = 0;
      D_[k] = 0;
      for (std::int64_t p = Ap_[k]; p < Ap_[k + 1]; ++p) {
        std::int32_t b = Ai_[p];
        if (b == k) { D_[k] = Ax_[p]; continue; }
        yv[b] = Ax_[p];
        std::int32_t nx = b;
        if (!marker[nx]) {
          marker[nx] = 1;
          elim[0] = nx;
          std::int32_t ne = 1;
          nx = etree_[b];
          while (nx != -1 && nx < k) {
            if (marker[nx]) break;
            marker[nx] = 1;
            elim[ne++] = nx;
            nx = etree_[nx];
          }
          while (ne) yIdx[nnzY++] = elim[--ne];
        }
      }
      for (std::int32_t i = nnzY - 1; i >= 0; --i) {
        std::int32_t c = yIdx[i];
        std::int64_t t = next[c];
        double yc = yv[c];
        for (std::int64_t j = Lp_[c]; j < t; ++j) yv[Li_[j]] -= Lx_[j] * yc;
        Li_[t] = k;
        Lx_[t] = yc * Dinv_[c];
        D_[k] -= yc * Lx_[t];
        next[c]++;
        yv[c] = 0;
        marker[c] = 0;
      }
      bool positiveBlock = perm_[k] < n_;
      if (positiveBlock ? !(D_[k] > 0) : !(D_[k] < 0)) {
        *err = positiveBlock ? "KKT factorization: non-positive pivot in the x block (P not positive semidefinite)"
                             : "KKT factorization: pivot of wrong sign in the constraint block";
        return false;
      }
      Dinv_[k] = 1.0 / D_[k];
    }
    return true;
  }

  std::int32_t n_, k_, m_, N_;
  const double* d_;
  // *O_: the KKT in natural order (x, w, rows), diagPos_ indexes AxO_; unsuffixed: permuted.
  std::vector<std::int64_t> Ap_, diagPos_, Lp_, ApO_, map_;
  std::vector<std::int32_t> Ai_, etree_, Lnz_, Li_, AiO_, perm_, iperm_;
  std::vector<double> Ax_, AxO_, pDiagVal_, Lx_, D_, Dinv_, x_;
};

}  // namespace

std::unique_ptr<LinSys> makeWoodbury(std::int32_t n, std::int32_t k, const double* F, const double* d, const Csc* A,
                                     const Csr* Ar) {
  return std::make_unique<Woodbury>(n, k, F, d, A, Ar);
}

std::unique_ptr<LinSys> makeKktLdl(std::int32_t n, const Csc* Pupper, std::int32_t k, const double* F,
                                   const double* d, const Csc* A) {
  return std::make_unique<KktLdl>(n, Pupper, k, F, d, A);
}

}  // namespace hppo::admm
