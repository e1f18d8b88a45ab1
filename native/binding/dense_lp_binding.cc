// N-API binding of the dense simplex (core/dense_lp): a batch of independent small LPs per call.
//
//   denseLpSolveBatch(problems, options)       -> result      (synchronous: for worker_threads)
//   denseLpSolveBatchAsync(problems, options)  -> Promise<result>   (AsyncWorker: event loop)
//
// problems: array of { numRows, numCols, a: Float64Array (row-major), c, colLower, colUpper,
// rowLower, rowUpper: Float64Array, basis?: Int8Array (numCols + numRows) }. Typed arrays are used
// in place (no copy); several problems may share one array (the common "same A" case).
// options: { primalFeasibilityTol, dualFeasibilityTol, pivotTol, singularTol, maxIterations,
// refactorEvery, degenerateBeforeBland, threads, chainWarmStart, chainLength, cancel?: Int32Array }.
// result: packed typed arrays, problem k's slice at the offsets of the sums of the previous shapes:
// { status: Int8Array(K), iterations, phase1Iterations, basisRepairs: Int32Array(K),
//   objective, primalInfeasibility, dualInfeasibility: Float64Array(K), warmStarted: Uint8Array(K),
//   x, colDual: Float64Array(sum n), rowActivity, rowDual: Float64Array(sum m), basis: Int8Array(sum n+m) }.
//
// Threads: arguments are converted and validated on the main thread into a plain Job (raw pointers
// into the typed arrays and into the output ArrayBuffers, allocated here); the solve touches no JS.
// In the async path the Job holds persistent references to every input and output array, so they
// stay alive until the promise settles; callers must not mutate or transfer the inputs meanwhile.
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dense_lp/dense_lp.h"
#include "registry.h"

namespace {

using namespace hppo::dense_lp;

struct Job {
  std::vector<Problem> problems;
  std::vector<Output> outs;
  std::vector<Info> infos;
  Settings settings;
  BatchOptions batch;
  // Output arrays (allocated on the main thread).
  Napi::Reference<Napi::Object> result;
  int8_t* status = nullptr;
  int32_t *iterations = nullptr, *phase1Iterations = nullptr, *basisRepairs = nullptr;
  double *objective = nullptr, *primalInf = nullptr, *dualInf = nullptr;
  uint8_t* warmStarted = nullptr;
  // Keeps the inputs alive in the async path.
  std::vector<Napi::Reference<Napi::Value>> keep;

  void run() {
    solveBatch(problems.data(), outs.data(), infos.data(), problems.size(), settings, batch);
    for (size_t k = 0; k < infos.size(); ++k) {
      const Info& in = infos[k];
      status[k] = static_cast<int8_t>(in.status);
      iterations[k] = in.iterations;
      phase1Iterations[k] = in.phase1Iterations;
      basisRepairs[k] = in.basisRepairs;
      objective[k] = in.objective;
      primalInf[k] = in.primalInfeasibility;
      dualInf[k] = in.dualInfeasibility;
      warmStarted[k] = in.warmStarted ? 1 : 0;
    }
  }
};

std::string at(size_t k, const char* field) { return "problems[" + std::to_string(k) + "]." + field; }

template <typename T, napi_typedarray_type Type>
T* typedData(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expectLen, const char* typeName,
             Job& job, bool keep) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Type) {
    throw Napi::TypeError::New(env, name + ": expected a " + typeName);
  }
  auto ta = v.As<Napi::TypedArray>();
  if (ta.ElementLength() != expectLen) {
    throw Napi::TypeError::New(env, name + ": length " + std::to_string(ta.ElementLength()) + ", expected " +
                                        std::to_string(expectLen));
  }
  if (keep) job.keep.emplace_back(Napi::Persistent(v));
  auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
  return reinterpret_cast<T*>(base + ta.ByteOffset());
}

int intField(Napi::Env env, const Napi::Object& o, const char* key, const std::string& name, int lo, int hi) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, name + ": expected an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::TypeError::New(env, name + ": " + v.ToString().Utf8Value() + ", expected an integer in [" +
                                        std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return static_cast<int>(d);
}

double numField(Napi::Env env, const Napi::Object& o, const char* key, double def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("options.") + key + ": expected a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0.0)) throw Napi::TypeError::New(env, std::string("options.") + key + ": expected a number >= 0");
  return d;
}

template <typename T, typename Arr>
T* newArray(Napi::Env env, Napi::Object& result, const char* key, size_t len) {
  auto arr = Arr::New(env, len);
  result.Set(key, arr);
  return reinterpret_cast<T*>(arr.Data());
}

// Converts and validates the arguments; throws a TypeError naming the field on bad input.
std::unique_ptr<Job> makeJob(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "problems: expected an array");
  Napi::Array arr = info[0].As<Napi::Array>();
  Napi::Object opts = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  auto job = std::make_unique<Job>();
  const size_t K = arr.Length();
  job->problems.resize(K);
  job->outs.resize(K);
  job->infos.resize(K);
  size_t sumN = 0, sumM = 0;
  for (size_t k = 0; k < K; ++k) {
    Napi::Value pv = arr.Get(static_cast<uint32_t>(k));
    if (!pv.IsObject()) throw Napi::TypeError::New(env, "problems[" + std::to_string(k) + "]: expected an object");
    Napi::Object o = pv.As<Napi::Object>();
    Problem& p = job->problems[k];
    p.m = intField(env, o, "numRows", at(k, "numRows"), 0, 1 << 20);
    p.n = intField(env, o, "numCols", at(k, "numCols"), 0, 1 << 20);
    const size_t m = p.m, n = p.n;
    p.a = typedData<double, napi_float64_array>(env, o.Get("a"), at(k, "a"), m * n, "Float64Array", *job, async);
    p.c = typedData<double, napi_float64_array>(env, o.Get("c"), at(k, "c"), n, "Float64Array", *job, async);
    p.colLower = typedData<double, napi_float64_array>(env, o.Get("colLower"), at(k, "colLower"), n, "Float64Array", *job, async);
    p.colUpper = typedData<double, napi_float64_array>(env, o.Get("colUpper"), at(k, "colUpper"), n, "Float64Array", *job, async);
    p.rowLower = typedData<double, napi_float64_array>(env, o.Get("rowLower"), at(k, "rowLower"), m, "Float64Array", *job, async);
    p.rowUpper = typedData<double, napi_float64_array>(env, o.Get("rowUpper"), at(k, "rowUpper"), m, "Float64Array", *job, async);
    Napi::Value b = o.Get("basis");
    if (!b.IsUndefined() && !b.IsNull()) {
      p.basis = typedData<int8_t, napi_int8_array>(env, b, at(k, "basis"), m + n, "Int8Array", *job, async);
    }
    const std::string err = validate(p);
    if (!err.empty()) throw Napi::TypeError::New(env, "problems[" + std::to_string(k) + "]: " + err);
    sumN += n;
    sumM += m;
  }

  Settings& s = job->settings;
  s.primalFeasibilityTol = numField(env, opts, "primalFeasibilityTol", s.primalFeasibilityTol);
  s.dualFeasibilityTol = numField(env, opts, "dualFeasibilityTol", s.dualFeasibilityTol);
  s.pivotTol = numField(env, opts, "pivotTol", s.pivotTol);
  s.singularTol = numField(env, opts, "singularTol", s.singularTol);
  s.maxIterations = static_cast<int>(numField(env, opts, "maxIterations", s.maxIterations));
  s.refactorEvery = static_cast<int>(numField(env, opts, "refactorEvery", s.refactorEvery));
  s.degenerateBeforeBland = static_cast<int>(numField(env, opts, "degenerateBeforeBland", s.degenerateBeforeBland));
  BatchOptions& bo = job->batch;
  bo.threads = static_cast<int>(numField(env, opts, "threads", bo.threads));
  bo.chainLength = static_cast<int>(numField(env, opts, "chainLength", bo.chainLength));
  Napi::Value cw = opts.Get("chainWarmStart");
  bo.chainWarmStart = cw.IsBoolean() && cw.As<Napi::Boolean>().Value();
  Napi::Value cancel = opts.Get("cancel");
  if (!cancel.IsUndefined() && !cancel.IsNull()) {
    bo.cancel = typedData<int32_t, napi_int32_array>(env, cancel, "options.cancel", 1, "Int32Array of length 1", *job, async);
  }

  Napi::Object result = Napi::Object::New(env);
  job->status = newArray<int8_t, Napi::Int8Array>(env, result, "status", K);
  job->iterations = newArray<int32_t, Napi::Int32Array>(env, result, "iterations", K);
  job->phase1Iterations = newArray<int32_t, Napi::Int32Array>(env, result, "phase1Iterations", K);
  job->basisRepairs = newArray<int32_t, Napi::Int32Array>(env, result, "basisRepairs", K);
  job->objective = newArray<double, Napi::Float64Array>(env, result, "objective", K);
  job->primalInf = newArray<double, Napi::Float64Array>(env, result, "primalInfeasibility", K);
  job->dualInf = newArray<double, Napi::Float64Array>(env, result, "dualInfeasibility", K);
  job->warmStarted = newArray<uint8_t, Napi::Uint8Array>(env, result, "warmStarted", K);
  double* x = newArray<double, Napi::Float64Array>(env, result, "x", sumN);
  double* colDual = newArray<double, Napi::Float64Array>(env, result, "colDual", sumN);
  double* act = newArray<double, Napi::Float64Array>(env, result, "rowActivity", sumM);
  double* rowDual = newArray<double, Napi::Float64Array>(env, result, "rowDual", sumM);
  int8_t* basis = newArray<int8_t, Napi::Int8Array>(env, result, "basis", sumN + sumM);
  size_t on = 0, om = 0;
  for (size_t k = 0; k < K; ++k) {
    const Problem& p = job->problems[k];
    Output& o = job->outs[k];
    o.x = x + on, o.colDual = colDual + on, o.rowActivity = act + om, o.rowDual = rowDual + om;
    o.basis = basis + on + om;
    on += p.n;
    om += p.m;
  }
  job->result = Napi::Persistent(result);
  return job;
}

Napi::Value SolveBatch(const Napi::CallbackInfo& info) {
  std::unique_ptr<Job> job = makeJob(info, false);
  job->run();
  return job->result.Value();
}

class BatchWorker : public Napi::AsyncWorker {
 public:
  BatchWorker(Napi::Env env, std::unique_ptr<Job> job)
      : Napi::AsyncWorker(env, "hppo.denseLpSolveBatch"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { job_->run(); }  // worker thread: no JS
  void OnOK() override { deferred_.Resolve(job_->result.Value()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value SolveBatchAsync(const Napi::CallbackInfo& info) {
  std::unique_ptr<Job> job = makeJob(info, true);
  auto* w = new BatchWorker(info.Env(), std::move(job));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

void init(Napi::Env env, Napi::Object exports) {
  exports.Set("denseLpSolveBatch", Napi::Function::New(env, SolveBatch, "denseLpSolveBatch"));
  exports.Set("denseLpSolveBatchAsync", Napi::Function::New(env, SolveBatchAsync, "denseLpSolveBatchAsync"));
}

hppo_binding::Registrar reg("dense_lp", init);

}  // namespace
