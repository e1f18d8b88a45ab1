// N-API binding of the PDLP solver.
//
//   pdlpSolve(problem, settings, onProgress?) -> { promise, cancel() }
//
// Threads: arguments are converted on the main thread into a plain PdlpJob (copies of the typed
// arrays: the worker never touches JS memory); PdlpWorker::Execute runs the solve on a libuv
// worker thread; the result object is built on the main thread in OnOK. Progress reaches JS
// through a ThreadSafeFunction (non-blocking calls, rate-limited by the core). cancel() sets a
// shared atomic that the core checks at every iteration; the flag is owned by a shared_ptr held by
// both the worker and the cancel function, so either may outlive the other.
#include <napi.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend.h"
#include "pdlp/pdlp.h"
#include "job_binding.h"
#include "registry.h"

namespace {

using hppo::pdlp::Info;
using hppo::pdlp::Problem;
using hppo::pdlp::Settings;
using hppo::pdlp::Solution;

struct PdlpJob {
  Problem problem;
  hppo::CsrMatrix csr;     // when denseBlock == "auto", the block is extracted on the worker
  bool detectDense = false;
  bool float32 = false;
  Settings settings;
  hppo::BackendRequest backend;
  hppo::pdlp::WarmStart warm;
  bool hasWarm = false;
};

using hppo_binding::ArgError;
using hppo_binding::f64Array;

Napi::Value getField(const Napi::Object& o, const char* name, const std::string& path) {
  if (!o.Has(name)) throw ArgError(path + "." + name + ": missing");
  return o.Get(name);
}


double number(const Napi::Object& o, const char* name, double def, const std::string& path) {
  if (!o.Has(name) || o.Get(name).IsUndefined()) return def;
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw ArgError(path + "." + name + ": expected a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) throw ArgError(path + "." + name + ": expected a number, got NaN");
  return d;
}

std::int32_t dim(const Napi::Object& o, const char* name, const std::string& path) {
  Napi::Value v = getField(o, name, path);
  if (!v.IsNumber()) throw ArgError(path + "." + name + ": expected a non-negative integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 2147483647.0 && std::floor(d) == d)) throw ArgError(path + "." + name + ": expected a non-negative integer, got " + std::to_string(d));
  return static_cast<std::int32_t>(d);
}

std::unique_ptr<PdlpJob> buildJob(const Napi::Object& prob, const Napi::Object& set) {
  auto job = std::make_unique<PdlpJob>();
  Problem& p = job->problem;
  const std::int32_t m = dim(prob, "numRows", "problem"), n = dim(prob, "numCols", "problem");
  p.A.rows = m;
  p.A.cols = n;
  p.c = f64Array(getField(prob, "c", "problem"), "problem.c", n);
  p.colLower = f64Array(getField(prob, "colLower", "problem"), "problem.colLower", n);
  p.colUpper = f64Array(getField(prob, "colUpper", "problem"), "problem.colUpper", n);
  p.rowLower = f64Array(getField(prob, "rowLower", "problem"), "problem.rowLower", m);
  p.rowUpper = f64Array(getField(prob, "rowUpper", "problem"), "problem.rowUpper", m);
  p.offset = number(prob, "offset", 0.0, "problem");
  hppo::CsrMatrix& a = job->csr;
  a.rows = m;
  a.cols = n;
  if (prob.Has("A") && !prob.Get("A").IsUndefined() && !prob.Get("A").IsNull()) {
    Napi::Value av = prob.Get("A");
    if (!av.IsObject()) throw ArgError("problem.A: expected {rowPtr, colIdx, values}");
    Napi::Object ao = av.As<Napi::Object>();
    Napi::Value rp = getField(ao, "rowPtr", "problem.A");
    Napi::Value ci = getField(ao, "colIdx", "problem.A");
    if (!rp.IsTypedArray() || rp.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw ArgError("problem.A.rowPtr: expected an Int32Array");
    if (!ci.IsTypedArray() || ci.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw ArgError("problem.A.colIdx: expected an Int32Array");
    auto rpa = rp.As<Napi::Int32Array>();
    auto cia = ci.As<Napi::Int32Array>();
    if (rpa.ElementLength() != static_cast<std::size_t>(m) + 1)
      throw ArgError("problem.A.rowPtr: length " + std::to_string(rpa.ElementLength()) + ", expected numRows+1 = " + std::to_string(m + 1));
    a.rowPtr.assign(rpa.Data(), rpa.Data() + rpa.ElementLength());
    a.colIdx.assign(cia.Data(), cia.Data() + cia.ElementLength());
    a.values = f64Array(getField(ao, "values", "problem.A"), "problem.A.values", cia.ElementLength());
  } else {
    a.rowPtr.assign(static_cast<std::size_t>(m) + 1, 0);
  }
  if (prob.Has("dense") && !prob.Get("dense").IsUndefined() && !prob.Get("dense").IsNull()) {
    Napi::Value dv = prob.Get("dense");
    if (!dv.IsObject()) throw ArgError("problem.dense: expected {row0, col0, rows, cols, data}");
    Napi::Object d = dv.As<Napi::Object>();
    hppo::DenseBlock& b = p.A.dense;
    b.row0 = dim(d, "row0", "problem.dense");
    b.col0 = dim(d, "col0", "problem.dense");
    b.rows = dim(d, "rows", "problem.dense");
    b.cols = dim(d, "cols", "problem.dense");
    Napi::Value data = getField(d, "data", "problem.dense");
    const std::size_t cells = static_cast<std::size_t>(b.rows) * static_cast<std::size_t>(b.cols);
    if (data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
      auto f = data.As<Napi::Float32Array>();
      if (f.ElementLength() != cells) throw ArgError("problem.dense.data: length " + std::to_string(f.ElementLength()) + ", expected rows*cols = " + std::to_string(cells));
      b.float32 = true;
      b.f32.assign(f.Data(), f.Data() + cells);
    } else {
      b.f64 = f64Array(data, "problem.dense.data (Float64Array or Float32Array)", cells);
    }
  }
  Settings& s = job->settings;
  s.tolerance = number(set, "tolerance", s.tolerance, "settings");
  s.iterationLimit = static_cast<std::int64_t>(std::fmin(number(set, "iterationLimit", static_cast<double>(s.iterationLimit), "settings"), 9e18));
  s.timeLimitSec = number(set, "timeLimitSec", s.timeLimitSec, "settings");
  s.ruizIterations = static_cast<int>(number(set, "ruizIterations", s.ruizIterations, "settings"));
  s.checkEvery = static_cast<int>(number(set, "checkEvery", s.checkEvery, "settings"));
  s.infeasibilityTolerance = number(set, "infeasibilityTolerance", s.infeasibilityTolerance, "settings");
  s.progressIntervalSec = number(set, "progressIntervalSec", s.progressIntervalSec, "settings");
  s.reflection = number(set, "reflection", s.reflection, "settings");
  // Advanced knobs (documented in pdlp.h): restart thresholds, primal weight, scaling.
  s.restartSufficient = number(set, "restartSufficient", s.restartSufficient, "settings");
  s.restartNecessary = number(set, "restartNecessary", s.restartNecessary, "settings");
  s.restartArtificial = number(set, "restartArtificial", s.restartArtificial, "settings");
  s.primalWeightSmoothing = number(set, "primalWeightSmoothing", s.primalWeightSmoothing, "settings");
  s.initialPrimalWeightScale = number(set, "initialPrimalWeightScale", s.initialPrimalWeightScale, "settings");
  s.stepSizeSafety = number(set, "stepSizeSafety", s.stepSizeSafety, "settings");
  if (set.Has("pockChambolle")) s.pockChambolle = set.Get("pockChambolle").ToBoolean().Value();
  if (set.Has("boundObjectiveRescaling")) s.boundObjectiveRescaling = set.Get("boundObjectiveRescaling").ToBoolean().Value();
  if (set.Has("device") && set.Get("device").IsString()) job->backend.device = set.Get("device").As<Napi::String>().Utf8Value();
  job->backend.cpuThreads = static_cast<int>(number(set, "cpuThreads", 0, "settings"));
  std::string denseMode = "auto";
  if (set.Has("denseBlock") && set.Get("denseBlock").IsString()) denseMode = set.Get("denseBlock").As<Napi::String>().Utf8Value();
  if (denseMode != "auto" && denseMode != "off") throw ArgError("settings.denseBlock: expected 'auto' or 'off', got '" + denseMode + "'");
  job->detectDense = denseMode == "auto" && p.A.dense.empty();
  job->float32 = set.Has("denseFloat32") && set.Get("denseFloat32").ToBoolean().Value();
  if (set.Has("warmStartX") && !set.Get("warmStartX").IsUndefined()) { job->warm.x = f64Array(set.Get("warmStartX"), "settings.warmStart.x", n); job->hasWarm = true; }
  if (set.Has("warmStartY") && !set.Get("warmStartY").IsUndefined()) { job->warm.y = f64Array(set.Get("warmStartY"), "settings.warmStart.y", m); job->hasWarm = true; }
  return job;
}

using hppo_binding::toF64;

class PdlpWorker : public Napi::AsyncWorker {
 public:
  PdlpWorker(Napi::Env env, std::unique_ptr<PdlpJob> job, std::shared_ptr<std::atomic<bool>> cancel, Napi::Function onProgress)
      : Napi::AsyncWorker(env, "hppo.pdlp"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)), cancel_(std::move(cancel)) {
    if (!onProgress.IsEmpty() && !onProgress.IsUndefined()) {
      tsfn_ = Napi::ThreadSafeFunction::New(env, onProgress, "hppo.pdlp.progress", 8, 1);
      hasTsfn_ = true;
    }
  }
  ~PdlpWorker() override {
    if (hasTsfn_) tsfn_.Release();
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      PdlpJob& j = *job_;
      if (j.detectDense && j.csr.nnz() > 0) {
        const bool ok = hppo::pdlp::extractDenseBlock(j.csr, 16, 64, j.float32, &j.problem.A);
        if (!ok) j.problem.A.sparse = std::move(j.csr);
      } else {
        j.problem.A.sparse = std::move(j.csr);
      }
      std::string err;
      auto be = hppo::makeBackend(j.backend, &info_.warnings, &err);
      if (!be) { invalid_ = true; SetError("settings.device: " + err); return; }
      std::vector<std::string> warnings = info_.warnings;
      hppo::pdlp::Hooks hooks;
      hooks.cancel = cancel_.get();
      if (hasTsfn_) {
        hooks.progress = [this](const hppo::pdlp::Progress& pr) {
          auto* copy = new hppo::pdlp::Progress(pr);
          napi_status st = tsfn_.NonBlockingCall(copy, [](Napi::Env env, Napi::Function fn, hppo::pdlp::Progress* p) {
            Napi::Object o = Napi::Object::New(env);
            o.Set("iteration", static_cast<double>(p->iteration));
            o.Set("primalResidual", p->primalResidual);
            o.Set("dualResidual", p->dualResidual);
            o.Set("gap", p->gap);
            o.Set("primalObjective", p->primalObjective);
            o.Set("dualObjective", p->dualObjective);
            o.Set("elapsedSec", p->elapsedSec);
            o.Set("primalWeight", p->primalWeight);
            delete p;
            fn.Call({o});
          });
          if (st != napi_ok) delete copy;
        };
      }
      hppo::pdlp::solve(j.problem, j.settings, *be, j.hasWarm ? &j.warm : nullptr, hooks, &sol_, &info_);
      info_.warnings.insert(info_.warnings.begin(), warnings.begin(), warnings.end());
      denseRows_ = j.problem.A.dense.rows;
      denseCols_ = j.problem.A.dense.cols;
      denseF32_ = j.problem.A.dense.float32;
      job_.reset();  // free the problem copy on the worker
    } catch (const std::invalid_argument& e) {
      invalid_ = true;
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      SetError("out of memory");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("status", info_.status);
    r.Set("x", toF64(env, sol_.x));
    r.Set("y", toF64(env, sol_.y));
    r.Set("reducedCosts", toF64(env, sol_.lambda));
    r.Set("primalObjective", info_.primalObjective);
    r.Set("dualObjective", info_.dualObjective);
    r.Set("primalResidual", info_.primalResidual);
    r.Set("dualResidual", info_.dualResidual);
    r.Set("gap", info_.gap);
    r.Set("primalResidualAbs", info_.primalResidualAbs);
    r.Set("dualResidualAbs", info_.dualResidualAbs);
    r.Set("gapAbs", info_.gapAbs);
    r.Set("iterations", static_cast<double>(info_.iterations));
    r.Set("restarts", info_.restarts);
    r.Set("setupSeconds", info_.setupSeconds);
    r.Set("solveSeconds", info_.solveSeconds);
    r.Set("primalWeight", info_.primalWeight);
    r.Set("backend", info_.backend);
    r.Set("device", info_.device);
    Napi::Array w = Napi::Array::New(env, info_.warnings.size());
    for (std::size_t i = 0; i < info_.warnings.size(); ++i) w.Set(i, info_.warnings[i]);
    r.Set("warnings", w);
    if (denseRows_ > 0) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("rows", denseRows_);
      d.Set("cols", denseCols_);
      d.Set("float32", denseF32_);
      r.Set("denseBlock", d);
    } else {
      r.Set("denseBlock", env.Null());
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
  std::unique_ptr<PdlpJob> job_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::ThreadSafeFunction tsfn_;
  bool hasTsfn_ = false;
  bool invalid_ = false;
  Solution sol_;
  Info info_;
  std::int32_t denseRows_ = 0, denseCols_ = 0;
  bool denseF32_ = false;
};

Napi::Value PdlpSolve(const Napi::CallbackInfo& info) { return hppo_binding::startJob<PdlpJob, PdlpWorker>(info, buildJob); }

void init(Napi::Env env, Napi::Object exports) {
  exports.Set("pdlpSolve", Napi::Function::New(env, PdlpSolve, "pdlpSolve"));
}

hppo_binding::Registrar reg("pdlp", init);

}  // namespace
