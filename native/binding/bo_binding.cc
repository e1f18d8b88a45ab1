// N-API binding of BO's finite-space acquisition (core/gp/finite_acquisition): a class whose
// instances keep the GP and per-candidate state between proposals (src/search/bo-finite.ts).
//
//   new FiniteAcquisition(xs: Float64Array (m×d), m, d, capacity, theta: Float64Array(d + 2),
//                         ids: Int32Array(capacity), X: Float64Array(capacity×d), y: Float64Array(capacity),
//                         used: Uint8Array(m), px: Float64Array(capacity×d), pidx: Int32Array(capacity),
//                         out: Int32Array(capacity))
//   .reset(theta)
//   .propose(n, p, count, believer: boolean, lie, xi) -> number of picks written to out, or -1
//                                                        (the covariance could not be factorized)
//
// The exchange buffers are handed over once (the instance holds references to them) and read /
// written in place on every call: a call converts six numbers, nothing else (each N-API call costs
// tens of nanoseconds; converting a dozen typed arrays per proposal cost more than the proposal).
// Inputs to propose: the first n entries of ids / X / y (real observations, tell order), used
// (0 = free), the first p of px / pidx (pending trials); output: out[0..k).
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "gp/finite_acquisition.h"
#include "registry.h"

namespace {

template <typename T>
T* arrayArg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t minLength) {
  Napi::Env env = info.Env();
  if (!info[i].IsTypedArray()) throw Napi::TypeError::New(env, std::string(name) + ": expected a typed array");
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  napi_typedarray_type want = std::is_same<T, double>::value    ? napi_float64_array
                              : std::is_same<T, int32_t>::value ? napi_int32_array
                                                                : napi_uint8_array;
  if (ta.TypedArrayType() != want) {
    const char* kind = want == napi_float64_array ? "Float64Array" : want == napi_int32_array ? "Int32Array" : "Uint8Array";
    throw Napi::TypeError::New(env, std::string(name) + ": expected a " + kind);
  }
  if (ta.ElementLength() < minLength) {
    throw Napi::RangeError::New(env, std::string(name) + ": expected at least " + std::to_string(minLength) + " elements, got " +
                                         std::to_string(ta.ElementLength()));
  }
  auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  return reinterpret_cast<T*>(base);
}

int intArg(const Napi::CallbackInfo& info, size_t i, const char* name, int min) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + ": expected a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= min) || v != static_cast<double>(static_cast<int>(v))) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + ": expected an integer >= " + std::to_string(min));
  }
  return static_cast<int>(v);
}

double numArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + ": expected a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

class FiniteAcquisitionWrap : public Napi::ObjectWrap<FiniteAcquisitionWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FiniteAcquisition",
                       {InstanceMethod("reset", &FiniteAcquisitionWrap::Reset), InstanceMethod("propose", &FiniteAcquisitionWrap::Propose)});
  }

  explicit FiniteAcquisitionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FiniteAcquisitionWrap>(info) {
    if (info.Length() < 12) throw Napi::TypeError::New(info.Env(), "FiniteAcquisition(xs, m, d, capacity, theta, ids, X, y, used, px, pidx, out): 12 arguments expected");
    const int m = intArg(info, 1, "m", 0);
    const int d = intArg(info, 2, "d", 1);
    const int cap = intArg(info, 3, "capacity", 1);
    const size_t C = static_cast<size_t>(cap);
    const double* xs = arrayArg<double>(info, 0, "xs", static_cast<size_t>(m) * d);
    const double* theta = arrayArg<double>(info, 4, "theta", static_cast<size_t>(d) + 2);
    ids_ = arrayArg<int32_t>(info, 5, "ids", C);
    X_ = arrayArg<double>(info, 6, "X", C * d);
    y_ = arrayArg<double>(info, 7, "y", C);
    used_ = arrayArg<uint8_t>(info, 8, "used", m);
    px_ = arrayArg<double>(info, 9, "px", C * d);
    pidx_ = arrayArg<int32_t>(info, 10, "pidx", C);
    out_ = arrayArg<int32_t>(info, 11, "out", C);
    for (size_t i = 5; i <= 11; ++i) keep_.emplace_back(Napi::Persistent(info[i].As<Napi::Object>()));
    impl_ = std::make_unique<hppo::bo::FiniteAcquisition>(xs, m, d, cap, theta);
  }

 private:
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    impl_->reset(arrayArg<double>(info, 0, "theta", static_cast<size_t>(impl_->dim()) + 2));
    return info.Env().Undefined();
  }

  Napi::Value Propose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 6) throw Napi::TypeError::New(env, "propose(n, p, count, believer, lie, xi): 6 arguments expected");
    const int n = intArg(info, 0, "n", 0);
    const int p = intArg(info, 1, "p", 0);
    const int count = intArg(info, 2, "count", 0);
    if (!info[3].IsBoolean()) throw Napi::TypeError::New(env, "believer: expected a boolean");
    const bool believer = info[3].As<Napi::Boolean>().Value();
    const double lie = numArg(info, 4, "lie");
    const double xi = numArg(info, 5, "xi");
    if (n + p + count > impl_->capacity()) {
      throw Napi::RangeError::New(env, "propose: " + std::to_string(n + p + count) + " rows exceed the capacity " + std::to_string(impl_->capacity()));
    }
    for (int j = 0; j < p; ++j) {
      if (pidx_[j] >= impl_->candidates()) throw Napi::RangeError::New(env, "pidx[" + std::to_string(j) + "]: not a candidate number");
    }
    return Napi::Number::New(env, impl_->propose(ids_, X_, y_, n, used_, px_, pidx_, p, count, believer, lie, xi, out_));
  }

  std::unique_ptr<hppo::bo::FiniteAcquisition> impl_;
  int32_t* ids_ = nullptr;
  double* X_ = nullptr;
  double* y_ = nullptr;
  uint8_t* used_ = nullptr;
  double* px_ = nullptr;
  int32_t* pidx_ = nullptr;
  int32_t* out_ = nullptr;
  std::vector<Napi::ObjectReference> keep_;
};

void init(Napi::Env env, Napi::Object exports) { exports.Set("FiniteAcquisition", FiniteAcquisitionWrap::Define(env)); }

hppo_binding::Registrar reg("bo", init);

}  // namespace
