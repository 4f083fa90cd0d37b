#include "jit/backend.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace polyemu::jit {

namespace {

using CreateFn = Backend* (*)(std::string*);

// The directory of the running executable, with a trailing slash, or "".
std::string executable_dir() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  std::string p(path, size_t(n));
  return p.substr(0, p.rfind('/') + 1);
}

}  // namespace

std::unique_ptr<Backend> load_backend(std::string& error) {
  const char* chosen = std::getenv("POLYEMU_LLVM_BACKEND");
  auto create = chosen ? nullptr : reinterpret_cast<CreateFn>(dlsym(RTLD_DEFAULT, "polyemu_jit_backend_create"));
  std::vector<std::string> paths = {executable_dir() + "libpolyemu_llvm.so", POLYEMU_LLVM_BACKEND_PATH};
  if (chosen) paths = {chosen};
  std::string tried;
  for (const std::string& path : paths) {
    if (create) break;
    // The library stays loaded for the rest of the process: its code may be running.
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      tried += std::string(tried.empty() ? "" : "; ") + dlerror();
      continue;
    }
    create = reinterpret_cast<CreateFn>(dlsym(lib, "polyemu_jit_backend_create"));
    if (!create) tried += (tried.empty() ? "" : "; ") + path + ": no polyemu_jit_backend_create";
  }
  if (!create) {
    error = "cannot load the LLVM backend: " + tried;
    return nullptr;
  }
  std::unique_ptr<Backend> backend(create(&error));
  return backend;
}

}  // namespace polyemu::jit
