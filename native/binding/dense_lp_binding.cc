// N-API binding of the dense simplex (core/dense_lp): a batch of independent small LPs per call.
//
//   denseLpSolveBatch(problems, settings, cancel?)       -> ArrayBuffer            (synchronous: worker_threads)
//   denseLpSolveBatchAsync(problems, settings, cancel?)  -> Promise<ArrayBuffer>   (AsyncWorker: event loop)
//
// problems: array of { numRows, numCols, a: Float64Array (row-major), c, colLower, colUpper,
// rowLower, rowUpper: Float64Array, basis?: Int8Array (numCols + numRows) }. Typed arrays are used
// in place (no copy); several problems may share one array (the common "same A" case).
// settings: Float64Array(10) = [primalFeasibilityTol, dualFeasibilityTol, pivotTol, singularTol,
//   maxIterations, refactorEvery, degenerateBeforeBland, threads, chainWarmStart (0/1), chainLength,
//   pricing (0 auto, 1 Dantzig, 2 steepest edge)].
// cancel: Int32Array(1) (on a SharedArrayBuffer): non-zero stops every solve at its next iteration.
// Result: ONE ArrayBuffer (the TS side lays typed-array views over it; src/solver/small-lp.ts
// `packedLayout`), K problems, N = sum numCols, M = sum numRows, in this order:
//   float64: objective[K] primalInfeasibility[K] dualInfeasibility[K] x[N] colDual[N] rowActivity[M] rowDual[M]
//   int32:   iterations[K] phase1Iterations[K] basisRepairs[K]
//   int8:    status[K] warmStarted[K] basis[N + M]
// One buffer and a flat settings array keep the fixed cost of a call to a few N-API calls.
//
// Threads: arguments are converted and validated on the main thread into a plain Job (raw pointers
// into the typed arrays and into the output buffer, allocated here); the solve touches no JS.
// In the async path the Job holds persistent references to every input array and the output
// buffer, so they stay alive until the promise settles; callers must not mutate or transfer the
// inputs meanwhile.
#include <napi.h>

#include <cstdint>
#include <memory>
#include <set>
#include <tuple>
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
  Napi::Reference<Napi::ArrayBuffer> result;  // async path only
  Napi::ArrayBuffer resultValue;              // sync path (valid while the call's handle scope lives)
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

// Name of an argument field for error messages, built only when an error is thrown.
struct Field {
  long k;  // problem index, or -1 for a top-level argument
  const char* name;
  std::string str() const { return k < 0 ? std::string(name) : "problems[" + std::to_string(k) + "]." + name; }
};
Field at(size_t k, const char* field) { return Field{static_cast<long>(k), field}; }
Field top(const char* field) { return Field{-1, field}; }

template <typename T, napi_typedarray_type Type>
T* typedData(Napi::Env env, const Napi::Value& v, const Field& name, size_t expectLen, const char* typeName,
             Job& job, bool keep) {
  // One napi_get_typedarray_info call: type, length and data pointer (also valid for views over a
  // SharedArrayBuffer, which napi_get_arraybuffer_info rejects).
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok || type != Type) {
    throw Napi::TypeError::New(env, name.str() + ": expected a " + typeName);
  }
  if (length != expectLen) {
    throw Napi::TypeError::New(env, name.str() + ": length " + std::to_string(length) + ", expected " + std::to_string(expectLen));
  }
  if (length > 0 && data == nullptr) throw Napi::TypeError::New(env, name.str() + ": detached buffer");
  if (keep) job.keep.emplace_back(Napi::Persistent(v));
  return static_cast<T*>(data);
}

int intField(Napi::Env env, const Napi::Object& o, const char* key, const Field& name, int lo, int hi) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, name.str() + ": expected an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::TypeError::New(env, name.str() + ": " + v.ToString().Utf8Value() + ", expected an integer in [" +
                                        std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return static_cast<int>(d);
}

// Converts and validates the arguments; throws a TypeError naming the field on bad input.
std::unique_ptr<Job> makeJob(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "problems: expected an array");
  Napi::Array arr = info[0].As<Napi::Array>();
  auto job = std::make_unique<Job>();
  const size_t K = arr.Length();
  job->problems.resize(K);
  job->outs.resize(K);
  job->infos.resize(K);
  size_t sumN = 0, sumM = 0;
  std::set<std::tuple<const double*, int, int>> checkedA;
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
    // A matrix shared by several problems (same pointer, same shape) is scanned once.
    const bool seen = !checkedA.insert(std::make_tuple(p.a, p.m, p.n)).second;
    const std::string err = validate(p, !seen);
    if (!err.empty()) throw Napi::TypeError::New(env, "problems[" + std::to_string(k) + "]: " + err);
    sumN += n;
    sumM += m;
  }

  if (info.Length() < 2 || !info[1].IsTypedArray()) throw Napi::TypeError::New(env, "settings: expected a Float64Array(11)");
  const double* st = typedData<double, napi_float64_array>(env, info[1], top("settings"), 11, "Float64Array(11)", *job, false);
  for (int k = 0; k < 11; ++k) {
    if (!(st[k] >= 0.0 && st[k] < 2147483647.0)) {
      throw Napi::TypeError::New(env, "settings[" + std::to_string(k) + "]: expected a finite number >= 0");
    }
  }
  Settings& s = job->settings;
  s.primalFeasibilityTol = st[0];
  s.dualFeasibilityTol = st[1];
  s.pivotTol = st[2];
  s.singularTol = st[3];
  s.maxIterations = static_cast<int>(st[4]);
  s.refactorEvery = static_cast<int>(st[5]);
  s.degenerateBeforeBland = static_cast<int>(st[6]);
  BatchOptions& bo = job->batch;
  bo.threads = static_cast<int>(st[7]);
  bo.chainWarmStart = st[8] != 0.0;
  bo.chainLength = static_cast<int>(st[9]);
  if (st[10] > 2.0) throw Napi::TypeError::New(env, "settings[10]: pricing code " + std::to_string(st[10]) + ", expected 0, 1 or 2");
  s.pricing = static_cast<Pricing>(static_cast<int>(st[10]));
  if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
    bo.cancel = typedData<int32_t, napi_int32_array>(env, info[2], top("cancel"), 1, "Int32Array(1)", *job, async);
  }

  const size_t nDouble = 3 * K + 2 * sumN + 2 * sumM, nInt32 = 3 * K, nInt8 = 2 * K + sumN + sumM;
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, 8 * nDouble + 4 * nInt32 + nInt8);
  uint8_t* base = static_cast<uint8_t*>(buf.Data());
  double* d = reinterpret_cast<double*>(base);
  job->objective = d;
  job->primalInf = d + K;
  job->dualInf = d + 2 * K;
  double* x = d + 3 * K;
  double* colDual = x + sumN;
  double* act = colDual + sumN;
  double* rowDual = act + sumM;
  int32_t* i32 = reinterpret_cast<int32_t*>(base + 8 * nDouble);
  job->iterations = i32;
  job->phase1Iterations = i32 + K;
  job->basisRepairs = i32 + 2 * K;
  int8_t* i8 = reinterpret_cast<int8_t*>(base + 8 * nDouble + 4 * nInt32);
  job->status = i8;
  job->warmStarted = reinterpret_cast<uint8_t*>(i8 + K);
  int8_t* basis = i8 + 2 * K;
  size_t on = 0, om = 0;
  for (size_t k = 0; k < K; ++k) {
    const Problem& p = job->problems[k];
    Output& o = job->outs[k];
    o.x = x + on, o.colDual = colDual + on, o.rowActivity = act + om, o.rowDual = rowDual + om;
    o.basis = basis + on + om;
    on += p.n;
    om += p.m;
  }
  job->resultValue = buf;
  if (async) job->result = Napi::Persistent(buf);
  return job;
}

Napi::Value SolveBatch(const Napi::CallbackInfo& info) {
  std::unique_ptr<Job> job = makeJob(info, false);
  try {
    job->run();
  } catch (const std::exception& e) {  // out of memory, no thread: the work could not run
    throw Napi::Error::New(info.Env(), std::string("dense LP batch could not run: ") + e.what());
  }
  return job->resultValue;
}

class BatchWorker : public Napi::AsyncWorker {
 public:
  BatchWorker(Napi::Env env, std::unique_ptr<Job> job)
      : Napi::AsyncWorker(env, "hppo.denseLpSolveBatch"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {  // worker thread: no JS
    try {
      job_->run();
    } catch (const std::exception& e) {
      SetError(std::string("dense LP batch could not run: ") + e.what());
    }
  }
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
