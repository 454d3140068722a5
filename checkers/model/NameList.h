// A configured list of qualified names ("std::map;absl::Mutex;QMutex"), matched against declarations
// the way users write them: inline and reserved namespaces (std::__cxx11::, std::__1::,
// std::__debug::, absl::lts_2022::) are dropped, and "ns::Name" also names ns::detail::Name.
// Shared by the container, lock and deferring-callee models.
#ifndef MAPGUARD_CHECKERS_MODEL_NAMELIST_H
#define MAPGUARD_CHECKERS_MODEL_NAMELIST_H

#include "clang/AST/Decl.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace mapguard {

class NameList {
public:
  explicit NameList(llvm::StringRef SemicolonSeparated);

  /// The configured entry that names \p D, if any.
  std::optional<llvm::StringRef> match(const clang::NamedDecl *D) const;
  std::optional<llvm::StringRef> matchNormalized(llvm::StringRef Normalized) const;
  bool contains(llvm::StringRef Entry) const;
  const std::vector<std::string> &entries() const { return Entries; }

  /// `ns::...::Name` with inline, anonymous and reserved (`__x`) namespaces dropped.
  static std::string normalizedName(const clang::NamedDecl *D);

private:
  static bool nameMatches(llvm::StringRef Normalized, llvm::StringRef Configured);
  std::vector<std::string> Entries;
};

} // namespace mapguard

#endif
