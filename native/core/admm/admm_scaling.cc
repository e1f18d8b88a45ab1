// Ruiz equilibration and the scaled copy of the problem (see admm_solver.h).
#include <algorithm>
#include <cmath>

#include "admm_solver.h"

namespace hppo::admm::detail {

void Solver::ruiz() {
  D_.assign(n_, 1.0);
  E_.assign(m_, 1.0);
  c_scale_ = 1.0;
  std::vector<double> colN(n_), rowN(m_), dt(n_), et(m_);
  auto pColNorms = [&](std::vector<double>& out) {
    std::fill(out.begin(), out.end(), 0.0);
    if (factor_) {
      for (std::int32_t i = 0; i < n_; ++i) {  // diagonal as the column-norm estimate (N^2 k exact cost avoided)
        const double* fi = Fs_.data() + static_cast<std::int64_t>(i) * k_;
        double s = ds_.empty() ? 0.0 : ds_[i];
        for (std::int32_t a = 0; a < k_; ++a) s += fi[a] * fi[a];
        out[i] = s;
      }
    } else if (Ps_.nnz() > 0) {
      for (std::int32_t j = 0; j < n_; ++j)
        for (std::int64_t p = Ps_.colPtr[j]; p < Ps_.colPtr[j + 1]; ++p) {
          double v = std::fabs(Ps_.values[p]);
          out[j] = std::max(out[j], v);
          out[Ps_.rowIdx[p]] = std::max(out[Ps_.rowIdx[p]], v);
        }
    }
  };
  for (int it = 0; it < s_.scalingIters; ++it) {
    pColNorms(colN);
    for (std::int32_t j = 0; j < n_; ++j) {
      double a = 1.0;  // the identity row x = z
      for (std::int64_t p = As_.colPtr[j]; p < As_.colPtr[j + 1]; ++p) a = std::max(a, std::fabs(As_.values[p]));
      colN[j] = std::max(colN[j], a);
    }
    std::fill(rowN.begin(), rowN.end(), 0.0);
    for (std::int64_t p = 0; p < As_.nnz(); ++p) rowN[As_.rowIdx[p]] = std::max(rowN[As_.rowIdx[p]], std::fabs(As_.values[p]));
    for (std::int32_t j = 0; j < n_; ++j) dt[j] = 1.0 / std::sqrt(std::clamp(colN[j], 1e-4, 1e4));
    for (std::int32_t i = 0; i < m_; ++i) et[i] = rowN[i] == 0 ? 1.0 : 1.0 / std::sqrt(std::clamp(rowN[i], 1e-4, 1e4));
    // Apply.
    if (factor_) {
      for (std::int32_t i = 0; i < n_; ++i) {
        double* fi = Fs_.data() + static_cast<std::int64_t>(i) * k_;
        for (std::int32_t a = 0; a < k_; ++a) fi[a] *= dt[i];
        if (!ds_.empty()) ds_[i] *= dt[i] * dt[i];
      }
    } else {
      for (std::int32_t j = 0; j < n_ && Ps_.nnz() > 0; ++j)
        for (std::int64_t p = Ps_.colPtr[j]; p < Ps_.colPtr[j + 1]; ++p) Ps_.values[p] *= dt[j] * dt[Ps_.rowIdx[p]];
    }
    for (std::int32_t j = 0; j < n_; ++j)
      for (std::int64_t p = As_.colPtr[j]; p < As_.colPtr[j + 1]; ++p) As_.values[p] *= dt[j] * et[As_.rowIdx[p]];
    for (std::int32_t j = 0; j < n_; ++j) { qs_[j] *= dt[j]; D_[j] *= dt[j]; }
    for (std::int32_t i = 0; i < m_; ++i) E_[i] *= et[i];
  }
  // Cost scaling.
  pColNorms(colN);
  double mean = 0;
  for (double v : colN) mean += v;
  mean /= std::max<std::int32_t>(n_, 1);
  double cs = std::max(mean, nrmInf(qs_));
  if (s_.scalingIters > 0 && cs > 0) {
    c_scale_ = 1.0 / std::clamp(cs, 1e-4, 1e4);
    if (factor_) {
      double sq = std::sqrt(c_scale_);
      for (double& v : Fs_) v *= sq;
      for (double& v : ds_) v *= c_scale_;
    } else {
      for (double& v : Ps_.values) v *= c_scale_;
    }
    for (double& v : qs_) v *= c_scale_;
  }
}

void Solver::setupScaled() {
  n_ = p_.n;
  m_ = p_.m;
  factor_ = p_.pForm == PForm::kFactor;
  k_ = factor_ ? p_.k : 0;
  if (factor_) {
    Fs_ = p_.F;
    ds_ = p_.d.empty() ? std::vector<double>(n_, 0.0) : p_.d;
  } else if (p_.pSparse.nnz() > 0) {
    Ps_ = p_.pSparse;
  }
  if (m_ > 0) {
    As_ = p_.A;
  } else {
    As_.rows = 0;
    As_.cols = n_;
    As_.colPtr.assign(static_cast<std::size_t>(n_) + 1, 0);
  }
  qs_ = p_.q;
  ruiz();
  Ar_ = toCsr(As_);
  ls_.resize(m_);
  us_.resize(m_);
  for (std::int32_t i = 0; i < m_; ++i) { ls_[i] = p_.l[i] * E_[i]; us_[i] = p_.u[i] * E_[i]; }
  lb_ = p_.lb.empty() ? std::vector<double>(n_, -kInf) : p_.lb;
  ub_ = p_.ub.empty() ? std::vector<double>(n_, kInf) : p_.ub;
  cost_.resize(n_);
  for (std::int32_t j = 0; j < n_; ++j) cost_[j] = costOf(p_.costs, j);
  rowKind_.resize(m_);
  for (std::int32_t i = 0; i < m_; ++i) rowKind_[i] = kindOf(p_.l[i], p_.u[i]);
  varKind_.resize(n_);
  for (std::int32_t j = 0; j < n_; ++j) {
    int kd = kindOf(lb_[j], ub_[j]);
    if (kd == RowKind::kLoose && cost_[j].kind != 0) kd = RowKind::kIneq;
    varKind_[j] = kd;
  }
}

}  // namespace hppo::admm::detail
