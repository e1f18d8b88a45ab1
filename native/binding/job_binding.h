// Shared by the iterative solvers' bindings (PDLP, ADMM): argument errors that the TS side maps to
// InvalidArgumentError(field), typed-array reading with the field path in every message, and the
// entry point that converts arguments on the main thread, queues the AsyncWorker and returns
// {promise, cancel} (cancel sets the job's atomic flag, checked by the solver at every
// termination check; a started worker cannot be interrupted from outside).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hppo_binding {

/** A bad argument; what() is "field.path: what was wrong". */
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void throwInvalid(Napi::Env env, const std::string& message) {
  Napi::TypeError e = Napi::TypeError::New(env, message);
  e.Set("code", "INVALID_ARGUMENT");
  throw e;
}

/** Copies a Float64Array (length `expect`, or any with size_t(-1)). */
inline std::vector<double> f64Array(const Napi::Value& v, const std::string& path, std::size_t expect) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) throw ArgError(path + ": expected a Float64Array");
  auto a = v.As<Napi::Float64Array>();
  if (expect != static_cast<std::size_t>(-1) && a.ElementLength() != expect)
    throw ArgError(path + ": length " + std::to_string(a.ElementLength()) + ", expected " + std::to_string(expect));
  return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
}

/** A new Float64Array holding a copy of v (results built on the main thread). */
inline Napi::Float64Array toF64(Napi::Env env, const std::vector<double>& v) {
  auto a = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(double));
  return a;
}

/**
 * (problem, settings?, onProgress?) → {promise, cancel}. `build(problem, settings)` converts the
 * arguments into a plain job (throws ArgError); Worker(env, job, cancelFlag, onProgress) is the
 * AsyncWorker that solves it off the event loop and settles promise().
 */
template <typename Job, typename Worker>
Napi::Value startJob(const Napi::CallbackInfo& info, std::unique_ptr<Job> (*build)(const Napi::Object&, const Napi::Object&)) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throwInvalid(env, "problem: expected an object");
  Napi::Object settings = info.Length() >= 2 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  std::unique_ptr<Job> job;
  try {
    job = build(info[0].As<Napi::Object>(), settings);
  } catch (const ArgError& ex) {
    throwInvalid(env, ex.what());
  }
  Napi::Function onProgress;
  if (info.Length() >= 3 && info[2].IsFunction()) onProgress = info[2].As<Napi::Function>();
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new Worker(env, std::move(job), cancel, onProgress);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  handle.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }, "cancel"));
  worker->Queue();
  return handle;
}

}  // namespace hppo_binding
