// Linked into libMapGuard.so only. A clang-tidy plugin shares clang's classes with the host
// binary, so it loads only into the clang-tidy of the LLVM version it was built against; loaded
// into another, it would crash inside clang. Say so plainly and stop before that happens.
#include "llvm/Config/llvm-config.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <link.h>
#include <string>
#include <unistd.h>

namespace {

/// The major version in a loaded libLLVM's file name (libLLVM.so.19.1, libLLVM-19.so), or 0.
int llvmMajorOf(const char *Path) {
  const char *Name = std::strrchr(Path, '/');
  Name = Name ? Name + 1 : Path;
  if (std::strncmp(Name, "libLLVM", 7) != 0)
    return 0;
  const char *Digits = std::strpbrk(Name + 7, "0123456789");
  return Digits ? static_cast<int>(std::strtol(Digits, nullptr, 10)) : 0;
}

int reportForeignLLVM(struct dl_phdr_info *Info, size_t /*Size*/, void *Found) {
  int Major = Info->dlpi_name ? llvmMajorOf(Info->dlpi_name) : 0;
  if (Major != 0 && Major != LLVM_VERSION_MAJOR) {
    *static_cast<std::string *>(Found) = Info->dlpi_name;
    return 1;
  }
  return 0;
}

[[gnu::constructor]] void refuseForeignHost() {
  std::string Foreign;
  dl_iterate_phdr(reportForeignLLVM, &Foreign);
  if (Foreign.empty())
    return;
  std::fprintf(stderr,
               "error: libMapGuard.so was built for LLVM %d, but this program uses LLVM %d (%s).\n"
               "A clang-tidy plugin loads only into the clang-tidy of its own LLVM version: run clang-tidy-%d, "
               "or build mapguard with -DMAPGUARD_LLVM_VERSION=%d.\n",
               LLVM_VERSION_MAJOR, llvmMajorOf(Foreign.c_str()), Foreign.c_str(), LLVM_VERSION_MAJOR,
               llvmMajorOf(Foreign.c_str()));
  std::fflush(stderr);
  _exit(2);
}

} // namespace
