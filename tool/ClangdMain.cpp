// mapguard-clangd: Debian's clangd with the mapguard checks linked in. clangd cannot load
// clang-tidy plugins, so editors that speak LSP get mapguard's diagnostics and fix-its from this
// binary; everything else is clangd's own main.
#include "llvm/Config/llvm-config.h"

namespace clang::clangd {
int clangdMain(int Argc, char *Argv[]); // libclangdMain.a, which ships no header for it
} // namespace clang::clangd

// Keeps the mapguard module's registration linked in (clang-tidy's anchor idiom).
// NOLINTNEXTLINE(readability-identifier-naming)
extern volatile int MapGuardModuleAnchorSource;
[[maybe_unused]] static int MapGuardModuleAnchorDestination = MapGuardModuleAnchorSource;

int main(int Argc, char *Argv[]) { return clang::clangd::clangdMain(Argc, Argv); }
