// gpNegLogPosterior(X: Float64Array, y: Float64Array, n: number, d: number, theta: Float64Array,
//                   grad: Float64Array | null): number
// gpFitHyperparameters(X, y, n, d, starts: Float64Array (nStarts × (d+2)), nStarts: number,
//                      lower: Float64Array, upper: Float64Array, maxIterations: number,
//                      gradientTolerance: number, functionTolerance: number,
//                      thetaOut: Float64Array): number   (the whole multi-start L-BFGS fit)
//
// SYNCHRONOUS on purpose: one evaluation takes microseconds (an L-BFGS step of the GP
// hyperparameter fit), far less than a worker-thread round trip. The hot path uses the plain N-API
// calls (one napi_get_typedarray_info per array), creates no JS objects and allocates nothing once
// the thread's scratch has grown to the problem size. See native/core/gp/gp_likelihood.h.
#include <napi.h>

#include <cmath>
#include <new>
#include <string>

#include "gp/gp_fit.h"
#include "gp/gp_likelihood.h"
#include "registry.h"

namespace {

constexpr double kMaxN = 8192;  // K and two n×n work matrices: 1.6 GB at this size
constexpr double kMaxD = 1024;

// The function being called, for error messages (N-API callbacks run on the JS thread only).
const char* fnName = "gpNegLogPosterior";

[[noreturn]] void throwType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, std::string(fnName) + ": " + msg);
}
[[noreturn]] void throwRange(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, std::string(fnName) + ": " + msg);
}

std::string describe(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return "unknown";
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_object: {
      bool isTyped = false;
      napi_is_typedarray(env, v, &isTyped);
      if (isTyped) return "another typed array";
      bool isArray = false;
      napi_is_array(env, v, &isArray);
      return isArray ? "an Array" : "an object";
    }
    default: return "a non-object";
  }
}

// The data of a Float64Array argument with at least `minLength` elements (exactly, when exact);
// `status`, type, length, data: what napi_get_typedarray_info said about it.
double* checkedFloatArray(Napi::Env env, napi_value v, const char* name, napi_status status, napi_typedarray_type type,
                          size_t length, void* data, double minLength, bool exact) {
  if (status != napi_ok || type != napi_float64_array)
    throwType(env, std::string(name) + " must be a Float64Array (got " + describe(env, v) + ")");
  const double len = static_cast<double>(length);
  if (exact ? len != minLength : len < minLength) {
    throwRange(env, std::string(name) + " has length " + std::to_string(length) + ", expected " + (exact ? "" : "at least ") +
                        std::to_string(static_cast<long long>(minLength)));
  }
  if (data == nullptr) throwType(env, std::string(name) + " is backed by a detached buffer");
  return static_cast<double*>(data);
}

double* floatArray(Napi::Env env, napi_value v, const char* name, double minLength, bool exact) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  const napi_status status = napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  return checkedFloatArray(env, v, name, status, type, length, data, minLength, exact);
}

int intArg(Napi::Env env, napi_value v, const char* name, double max) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok) throwType(env, std::string(name) + " must be a number (got " + describe(env, v) + ")");
  if (!(x >= 1 && x <= max && std::floor(x) == x)) {
    throwRange(env, std::string(name) + " is " + Napi::Value(env, v).ToString().Utf8Value() + ", expected an integer in [1, " +
                        std::to_string(static_cast<long long>(max)) + "]");
  }
  return static_cast<int>(x);
}

double toleranceArg(Napi::Env env, napi_value v, const char* name) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok) throwType(env, std::string(name) + " must be a number (got " + describe(env, v) + ")");
  if (!(x >= 0 && std::isfinite(x))) throwRange(env, std::string(name) + " is " + Napi::Value(env, v).ToString().Utf8Value() + ", expected a finite number >= 0");
  return x;
}

// One thread's scratch for both functions; given back past n = 2048 (32 MB per matrix): such calls
// take seconds anyway, and a worker's memory should not stay at the largest n it ever saw.
hppo::gp::Scratch& threadScratch() {
  thread_local hppo::gp::Scratch scratch;
  return scratch;
}

Napi::Value GpNegLogPosterior(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  fnName = "gpNegLogPosterior";
  if (info.Length() < 6) throwType(env, "expected 6 arguments (X, y, n, d, theta, grad), got " + std::to_string(info.Length()));
  const int n = intArg(env, info[2], "n", kMaxN);
  const int d = intArg(env, info[3], "d", kMaxD);
  const double* X = floatArray(env, info[0], "X", static_cast<double>(n) * d, false);
  const double* y = floatArray(env, info[1], "y", n, false);
  const double* theta = floatArray(env, info[4], "theta", d + 2, true);
  // grad: a Float64Array(d + 2), or null / undefined for the value alone (one N-API call when typed).
  double* grad = nullptr;
  {
    napi_value g = info[5];
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    const napi_status status = napi_get_typedarray_info(env, g, &type, &length, &data, nullptr, nullptr);
    napi_valuetype gt = napi_object;
    if (status != napi_ok) napi_typeof(env, g, &gt);
    if (status == napi_ok || (gt != napi_null && gt != napi_undefined))
      grad = checkedFloatArray(env, g, "grad (a Float64Array or null)", status, type, length, data, d + 2, true);
  }

  hppo::gp::Scratch& scratch = threadScratch();
  double v;
  try {
    v = hppo::gp::neg_log_posterior(X, y, n, d, theta, grad, scratch);
  } catch (const std::bad_alloc&) {
    scratch = hppo::gp::Scratch();  // give back what was grown
    throwRange(env, "out of memory for n = " + std::to_string(n) + ", d = " + std::to_string(d));
  }
  if (n > 2048) scratch = hppo::gp::Scratch();
  napi_value out;
  napi_create_double(env, v, &out);
  return Napi::Value(env, out);
}

Napi::Value GpFitHyperparameters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  fnName = "gpFitHyperparameters";
  if (info.Length() < 12) {
    throwType(env, "expected 12 arguments (X, y, n, d, starts, nStarts, lower, upper, maxIterations, gradientTolerance, "
                   "functionTolerance, thetaOut), got " + std::to_string(info.Length()));
  }
  const int n = intArg(env, info[2], "n", kMaxN);
  const int d = intArg(env, info[3], "d", kMaxD);
  const int nStarts = intArg(env, info[5], "nStarts", 1e6);
  const double* X = floatArray(env, info[0], "X", static_cast<double>(n) * d, false);
  const double* y = floatArray(env, info[1], "y", n, false);
  const double* starts = floatArray(env, info[4], "starts", static_cast<double>(nStarts) * (d + 2), false);
  const double* lower = floatArray(env, info[6], "lower", d + 2, true);
  const double* upper = floatArray(env, info[7], "upper", d + 2, true);
  hppo::gp::FitOptions o;
  o.maxIterations = intArg(env, info[8], "maxIterations", 1e6);
  o.gradientTolerance = toleranceArg(env, info[9], "gradientTolerance");
  o.functionTolerance = toleranceArg(env, info[10], "functionTolerance");
  double* thetaOut = floatArray(env, info[11], "thetaOut", d + 2, true);
  for (int k = 0; k < d + 2; k++) {
    if (!(lower[k] <= upper[k])) throwRange(env, "bounds " + std::to_string(k) + ": lower " + std::to_string(lower[k]) + " > upper " + std::to_string(upper[k]));
  }
  hppo::gp::Scratch& scratch = threadScratch();
  hppo::gp::FitResult r;
  try {
    r = hppo::gp::fit_hyperparameters(X, y, n, d, starts, nStarts, lower, upper, o, thetaOut, scratch);
  } catch (const std::bad_alloc&) {
    scratch = hppo::gp::Scratch();
    throwRange(env, "out of memory for n = " + std::to_string(n) + ", d = " + std::to_string(d));
  }
  if (n > 2048) scratch = hppo::gp::Scratch();
  napi_value out;
  napi_create_double(env, r.value, &out);
  return Napi::Value(env, out);
}

void init(Napi::Env env, Napi::Object exports) {
  exports.Set("gpNegLogPosterior", Napi::Function::New(env, GpNegLogPosterior, "gpNegLogPosterior"));
  exports.Set("gpFitHyperparameters", Napi::Function::New(env, GpFitHyperparameters, "gpFitHyperparameters"));
}

hppo_binding::Registrar reg("gp", init);

}  // namespace
