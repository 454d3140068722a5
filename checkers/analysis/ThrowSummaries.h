// Which calls can throw something other than allocation failure, read from the code they run:
// a `throw` of the project's own code in the callee or in what it calls (two calls deep, within
// the translation unit, or in another unit by the project index), or, for a library call written in the region itself,
// the throw helpers its body reaches (standard library bodies included), or a library throw helper
// (`std::__throw_out_of_range`, `absl::base_internal::ThrowStdOutOfRange`) whose name says what it throws.
// `std::bad_alloc`, `std::bad_array_new_length` and `std::length_error` (a container grown past max_size()) are
// allocation failure; `std::logic_error` from a null `const char*` is a broken precondition;
// libstdc++ debug mode's `__concurrence_lock_error` is a failing lock primitive. Code
// written without exceptions throws nothing else, so a region it runs is not left by an exception.
// Computed once per function and translation unit (a summary, as Infer's are).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_THROWSUMMARIES_H
#define MAPGUARD_CHECKERS_ANALYSIS_THROWSUMMARIES_H

#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"
#include <string>

namespace mapguard {

struct ThrowSite {
  const clang::Stmt *At = nullptr; // the throw expression or the throw helper's call
  std::string Exception;           // "std::out_of_range", or "" when the type is not known
};

class ThrowSummaries {
public:
  /// Where \p Call may throw something other than allocation failure, if it may.
  std::optional<ThrowSite> throwSiteOf(const clang::CallExpr *Call);
  /// The same for a constructor call (`std::string s(p)`, `Widget w(args)`).
  std::optional<ThrowSite> throwSiteOf(const clang::CXXConstructExpr *Construct);
  /// Where a call of \p Fn, written in a region, may throw: the summary a project index keeps.
  std::optional<ThrowSite> throwSiteOfFunction(const clang::FunctionDecl *Fn);
  void clear() { Cache.clear(); }

private:
  /// How far a summary has followed calls from the region: frames of the project's own code, and
  /// frames of library code (system headers) below them.
  struct Reach {
    unsigned Project = 0, Library = 0;
  };
  std::optional<ThrowSite> ofCall(const clang::CallExpr *Call, Reach From);
  std::optional<ThrowSite> ofFunction(const clang::FunctionDecl *Callee, Reach From);
  /// By the project index, for a callee defined in another unit: the site is \p Call.
  static std::optional<ThrowSite> ofUnseen(const clang::FunctionDecl *Callee, const clang::Expr *Call, Reach From);
  // By function and how it was reached (a deeper visit may stop short of a throw).
  llvm::DenseMap<std::tuple<const clang::FunctionDecl *, unsigned, unsigned>, std::optional<ThrowSite>> Cache;
};

} // namespace mapguard

#endif
