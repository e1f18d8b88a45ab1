// Each binding file registers its exports with a static Registrar, so adding a solver does not
// touch addon.cc. Init functions run on the main thread at module load.
#pragma once
#include <napi.h>

namespace hppo_binding {

using InitFn = void (*)(Napi::Env env, Napi::Object exports);

struct Registrar {
  Registrar(const char* name, InitFn fn);
};

void initAll(Napi::Env env, Napi::Object exports);

}  // namespace hppo_binding
