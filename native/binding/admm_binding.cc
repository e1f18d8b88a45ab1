// N-API binding of the ADMM QP solver.
//
//   admmSolve(problem, settings, onProgress?) -> { promise, cancel() }
//
// Threads: arguments are copied on the main thread into a plain AdmmJob (the worker never touches
// JS memory); AdmmWorker::Execute runs the solve on a libuv worker thread; the result object is
// built on the main thread in OnOK. Progress goes through a ThreadSafeFunction (non-blocking,
// rate-limited by the core). cancel() sets an atomic shared (shared_ptr) by the worker and the
// cancel function, checked by the core at every iteration.
#include <napi.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "admm/admm.h"
#include "job_binding.h"
#include "registry.h"

namespace {

namespace admm = hppo::admm;

struct AdmmJob {
  admm::Problem problem;
  admm::Settings settings;
};

using hppo_binding::ArgError;
using hppo_binding::f64Array;

bool present(const Napi::Object& o, const char* name) {
  return o.Has(name) && !o.Get(name).IsUndefined() && !o.Get(name).IsNull();
}


std::vector<double> reqF64(const Napi::Object& o, const char* name, const std::string& path, std::size_t expect) {
  if (!present(o, name)) throw ArgError(path + "." + name + ": missing");
  return f64Array(o.Get(name), path + "." + name, expect);
}

std::vector<double> optF64(const Napi::Object& o, const char* name, const std::string& path, std::size_t expect) {
  if (!present(o, name)) return {};
  return f64Array(o.Get(name), path + "." + name, expect);
}

std::vector<std::int32_t> i32(const Napi::Value& v, const std::string& path) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw ArgError(path + ": expected an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  return std::vector<std::int32_t>(a.Data(), a.Data() + a.ElementLength());
}

double number(const Napi::Object& o, const char* name, double def, const std::string& path) {
  if (!present(o, name)) return def;
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw ArgError(path + "." + name + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) throw ArgError(path + "." + name + ": expected a number, got NaN");
  return d;
}

std::int32_t dim(const Napi::Object& o, const char* name, const std::string& path) {
  if (!present(o, name) || !o.Get(name).IsNumber()) throw ArgError(path + "." + name + ": expected a non-negative integer");
  double d = o.Get(name).As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 2147483647.0 && std::floor(d) == d))
    throw ArgError(path + "." + name + ": expected a non-negative integer, got " + std::to_string(d));
  return static_cast<std::int32_t>(d);
}

admm::Csc csc(const Napi::Value& v, const std::string& path, std::int32_t rows, std::int32_t cols) {
  if (!v.IsObject()) throw ArgError(path + ": expected {colPtr: Int32Array, rowIdx: Int32Array, values: Float64Array}");
  Napi::Object o = v.As<Napi::Object>();
  admm::Csc c;
  c.rows = rows;
  c.cols = cols;
  if (!present(o, "colPtr") || !present(o, "rowIdx") || !present(o, "values"))
    throw ArgError(path + ": expected {colPtr, rowIdx, values}");
  std::vector<std::int32_t> cp = i32(o.Get("colPtr"), path + ".colPtr");
  c.colPtr.assign(cp.begin(), cp.end());
  c.rowIdx = i32(o.Get("rowIdx"), path + ".rowIdx");
  c.values = f64Array(o.Get("values"), path + ".values", c.rowIdx.size());
  return c;
}

std::unique_ptr<AdmmJob> buildJob(const Napi::Object& prob, const Napi::Object& set) {
  auto job = std::make_unique<AdmmJob>();
  admm::Problem& p = job->problem;
  p.n = dim(prob, "n", "problem");
  p.m = dim(prob, "m", "problem");
  const std::size_t n = p.n, m = p.m;
  if (present(prob, "F")) {
    p.pForm = admm::PForm::kFactor;
    p.k = dim(prob, "k", "problem");
    p.F = f64Array(prob.Get("F"), "problem.F", n * static_cast<std::size_t>(p.k));
    p.d = optF64(prob, "d", "problem", n);
  } else if (present(prob, "P")) {
    p.pSparse = csc(prob.Get("P"), "problem.P", p.n, p.n);
  }
  p.q = reqF64(prob, "q", "problem", n);
  if (present(prob, "A")) p.A = csc(prob.Get("A"), "problem.A", p.m, p.n);
  else if (m > 0) throw ArgError("problem.A: missing while m = " + std::to_string(m));
  p.l = reqF64(prob, "l", "problem", m);
  p.u = reqF64(prob, "u", "problem", m);
  p.lb = optF64(prob, "lb", "problem", n);
  p.ub = optF64(prob, "ub", "problem", n);
  if (present(prob, "costs")) {
    if (!prob.Get("costs").IsObject()) throw ArgError("problem.costs: expected an object");
    Napi::Object c = prob.Get("costs").As<Napi::Object>();
    admm::Costs& k = p.costs;
    k.x0 = optF64(c, "x0", "problem.costs", n);
    k.buy = optF64(c, "buy", "problem.costs", n);
    k.sell = optF64(c, "sell", "problem.costs", n);
    k.quad = optF64(c, "quad", "problem.costs", n);
    k.impact = optF64(c, "impact", "problem.costs", n);
    if (present(c, "pwlPtr")) {
      std::vector<std::int32_t> ptr = i32(c.Get("pwlPtr"), "problem.costs.pwlPtr");
      k.pwlPtr.assign(ptr.begin(), ptr.end());
      k.pwlBreaks = optF64(c, "pwlBreaks", "problem.costs", static_cast<std::size_t>(-1));
      k.pwlSlopes = optF64(c, "pwlSlopes", "problem.costs", static_cast<std::size_t>(-1));
    }
    if (k.any() && k.x0.empty()) k.x0.assign(n, 0.0);
  }
  admm::Settings& s = job->settings;
  const std::string sp = "settings";
  s.rho = number(set, "rho", s.rho, sp);
  s.sigma = number(set, "sigma", s.sigma, sp);
  s.alpha = number(set, "alpha", s.alpha, sp);
  s.epsAbs = number(set, "epsAbs", s.epsAbs, sp);
  s.epsRel = number(set, "epsRel", s.epsRel, sp);
  s.epsPrimInf = number(set, "epsPrimInf", s.epsPrimInf, sp);
  s.epsDualInf = number(set, "epsDualInf", s.epsDualInf, sp);
  s.maxIter = static_cast<std::int64_t>(std::fmin(number(set, "maxIter", static_cast<double>(s.maxIter), sp), 9e18));
  s.timeLimitSec = number(set, "timeLimitSec", s.timeLimitSec, sp);
  s.scalingIters = static_cast<int>(number(set, "scalingIters", s.scalingIters, sp));
  s.adaptiveRho = !present(set, "adaptiveRho") || set.Get("adaptiveRho").ToBoolean().Value();
  s.adaptiveRhoInterval = static_cast<std::int64_t>(number(set, "adaptiveRhoInterval", 0, sp));
  s.eqRhoFactor = number(set, "eqRhoFactor", s.eqRhoFactor, sp);
  s.checkInterval = static_cast<std::int64_t>(number(set, "checkInterval", static_cast<double>(s.checkInterval), sp));
  s.polish = !present(set, "polish") || set.Get("polish").ToBoolean().Value();
  s.progressIntervalSec = number(set, "progressIntervalSec", s.progressIntervalSec, sp);
  s.cudaDevice = static_cast<int>(number(set, "cudaDevice", 0, sp));
  s.x0 = optF64(set, "warmStartX", "settings", n);
  s.y0 = optF64(set, "warmStartY", "settings", m);
  s.yVar0 = optF64(set, "warmStartYVar", "settings", n);
  if (present(set, "device")) {
    std::string d = set.Get("device").ToString().Utf8Value();
    if (d != "auto" && d != "cpu" && d != "cuda") throw ArgError("settings.device: '" + d + "', expected 'auto', 'cpu' or 'cuda'");
    job->settings.useCuda = d == "cuda";  // 'auto' stays on the CPU until the CUDA path is validated on a GPU
  }
  return job;
}

using hppo_binding::toF64;

class AdmmWorker : public Napi::AsyncWorker {
 public:
  AdmmWorker(Napi::Env env, std::unique_ptr<AdmmJob> job, std::shared_ptr<std::atomic<bool>> cancel, Napi::Function onProgress)
      : Napi::AsyncWorker(env, "hppo.admm"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)),
        cancel_(std::move(cancel)) {
    if (!onProgress.IsEmpty() && !onProgress.IsUndefined()) {
      tsfn_ = Napi::ThreadSafeFunction::New(env, onProgress, "hppo.admm.progress", 8, 1);
      hasTsfn_ = true;
    }
  }
  ~AdmmWorker() override {
    if (hasTsfn_) tsfn_.Release();
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      admm::Control c;
      c.cancel = cancel_.get();
      if (hasTsfn_) {
        c.onProgress = [this](const admm::Progress& pr) {
          auto* copy = new admm::Progress(pr);
          napi_status st = tsfn_.NonBlockingCall(copy, [](Napi::Env env, Napi::Function fn, admm::Progress* p) {
            Napi::Object o = Napi::Object::New(env);
            o.Set("iteration", static_cast<double>(p->iteration));
            o.Set("primalResidual", p->primalResidual);
            o.Set("dualResidual", p->dualResidual);
            o.Set("objective", p->objective);
            o.Set("rho", p->rho);
            o.Set("elapsedSec", p->elapsedSec);
            delete p;
            fn.Call({o});
          });
          if (st != napi_ok) delete copy;
        };
      }
      admm::solve(job_->problem, job_->settings, c, &sol_, &info_);
      job_.reset();
      if (info_.status == admm::Status::kInvalid) { invalid_ = true; SetError(info_.message); }
      else if (info_.status == admm::Status::kNonConvex) { invalid_ = true; SetError("P: not positive semidefinite, the problem is not convex (" + info_.message + ")"); }
    } catch (const std::bad_alloc&) {
      SetError("out of memory");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("status", admm::statusName(info_.status));
    r.Set("x", toF64(env, sol_.x));
    r.Set("y", toF64(env, sol_.y));
    r.Set("yVar", toF64(env, sol_.yVar));
    r.Set("objective", info_.objective);
    r.Set("dualObjective", info_.dualObjective);
    r.Set("gap", info_.gap);
    r.Set("primalResidual", info_.primalResidual);
    r.Set("dualResidual", info_.dualResidual);
    r.Set("iterations", static_cast<double>(info_.iterations));
    r.Set("rhoUpdates", info_.rhoUpdates);
    r.Set("rho", info_.rho);
    r.Set("setupSeconds", info_.setupSeconds);
    r.Set("solveSeconds", info_.solveSeconds);
    r.Set("polishSeconds", info_.polishSeconds);
    r.Set("polished", info_.polished);
    r.Set("backend", info_.backend);
    r.Set("message", info_.message);
    Napi::Array w = Napi::Array::New(env, info_.warnings.size());
    for (std::size_t i = 0; i < info_.warnings.size(); ++i) w.Set(i, info_.warnings[i]);
    r.Set("warnings", w);
    if (!sol_.xCert.empty()) r.Set("xCert", toF64(env, sol_.xCert));
    if (!sol_.yCert.empty() || !sol_.yVarCert.empty()) {
      r.Set("yCert", toF64(env, sol_.yCert));
      r.Set("yVarCert", toF64(env, sol_.yVarCert));
    }
    deferred_.Resolve(r);
  }

  void OnError(const Napi::Error& e) override {
    Napi::Error err = Napi::Error::New(Env(), e.Message());
    err.Set("code", invalid_ ? "INVALID_ARGUMENT" : "SOLVER");
    deferred_.Reject(err.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<AdmmJob> job_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::ThreadSafeFunction tsfn_;
  bool hasTsfn_ = false;
  bool invalid_ = false;
  admm::Solution sol_;
  admm::Info info_;
};

Napi::Value AdmmSolve(const Napi::CallbackInfo& info) { return hppo_binding::startJob<AdmmJob, AdmmWorker>(info, buildJob); }

void init(Napi::Env env, Napi::Object exports) {
  exports.Set("admmSolve", Napi::Function::New(env, AdmmSolve, "admmSolve"));
}

hppo_binding::Registrar reg("admm", init);

}  // namespace
