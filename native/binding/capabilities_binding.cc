#include <napi.h>

#include "capabilities.h"
#include "registry.h"

namespace {

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  hppo::Capabilities c = hppo::capabilities();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", c.version);
  out.Set("cpuThreads", c.cpuThreads);
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("compiled", c.cuda.compiled);
  cuda.Set("runtimeVersion", c.cuda.runtimeVersion);
  cuda.Set("driverVersion", c.cuda.driverVersion);
  cuda.Set("message", c.cuda.message);
  Napi::Array devices = Napi::Array::New(env, c.cuda.devices.size());
  for (size_t i = 0; i < c.cuda.devices.size(); ++i) {
    const auto& d = c.cuda.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", d.index);
    o.Set("name", d.name);
    o.Set("totalMemoryBytes", static_cast<double>(d.totalMemoryBytes));
    o.Set("computeCapability", std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor));
    o.Set("multiprocessors", d.multiprocessors);
    devices.Set(i, o);
  }
  cuda.Set("devices", devices);
  out.Set("cuda", cuda);
  return out;
}

void init(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, Capabilities, "capabilities"));
}

hppo_binding::Registrar reg("capabilities", init);

}  // namespace
