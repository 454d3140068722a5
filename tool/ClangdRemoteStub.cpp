// mapguard-clangd has no remote index: Debian's libclangdRemoteIndex.a needs gRPC, which a
// plain Debian machine lacks. This is clangd's own "unimplemented" client: --remote-index-address
// is accepted and ignored with a log line; local indexing is unaffected.
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>

namespace clang::clangd {
class SymbolIndex; // clangd's headers are not installed; only a null pointer is ever made here
} // namespace clang::clangd

// Returning a unique_ptr needs a deleter; this one is never called, since the pointer is null.
template <> struct std::default_delete<clang::clangd::SymbolIndex> {
  void operator()(clang::clangd::SymbolIndex * /*Index*/) const {}
};

namespace clang::clangd {
namespace remote {

// Replaces the definition in libclangdRemoteIndex.a, so it must keep external linkage.
// NOLINTNEXTLINE(misc-use-internal-linkage)
std::unique_ptr<SymbolIndex> getClient(llvm::StringRef Address, llvm::StringRef /*IndexRoot*/) {
  llvm::errs() << "mapguard-clangd: remote index '" << Address << "' is not supported; using the local index\n";
  return nullptr;
}

} // namespace remote
} // namespace clang::clangd
