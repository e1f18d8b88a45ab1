#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#include "registry.h"

namespace hppo_binding {

namespace {
std::vector<std::pair<std::string, InitFn>>& inits() {
  static std::vector<std::pair<std::string, InitFn>> v;
  return v;
}
}  // namespace

Registrar::Registrar(const char* name, InitFn fn) { inits().emplace_back(name, fn); }

void initAll(Napi::Env env, Napi::Object exports) {
  for (auto& [name, fn] : inits()) fn(env, exports);
}

}  // namespace hppo_binding

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  hppo_binding::initAll(env, exports);
  return exports;
}

NODE_API_MODULE(hppo_native, Init)
