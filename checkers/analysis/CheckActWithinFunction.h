// Check-then-act pairs within one function: a read of a guarded container whose result decides a
// write of it, with the guard released in between or not held at the read.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CHECKACTWITHINFUNCTION_H
#define MAPGUARD_CHECKERS_ANALYSIS_CHECKACTWITHINFUNCTION_H

#include "analysis/CheckActDecisions.h"
#include "analysis/CheckActPairs.h"
#include <vector>

namespace mapguard::check_act {

/// The check-then-act pairs of one function, from its accesses of shared containers; its conditions
/// and locals are scanned once, at construction.
class FunctionPairs {
public:
  FunctionPairs(GuardInference &GI, const clang::FunctionDecl *Fn, const FunctionCfg &Cfg, clang::ASTContext &Ctx)
      : GI(GI), Fn(Fn), Cfg(Cfg), Ctx(Ctx), D(decisionsOf(Fn)) {}

  /// Appends to \p Out one pair per act of \p Accesses (the function's) that a check decides.
  void find(ArrayRef<const ContainerAccess *> Accesses, std::vector<CheckThenActPair> &Out);

  /// Whether some code of the unit removes elements of \p Container (erase, pop, clear, ...).
  bool removesElements(const clang::ValueDecl *Container) const;

  /// Whether a check of the same container precedes \p W in its critical section.
  bool rechecked(const ContainerAccess &W, const ObjectPath &GuardPath,
                 ArrayRef<const ContainerAccess *> Accesses) const;

private:
  /// The condition or local initialiser the check is written in (none: a statement of its own).
  const clang::Expr *regionOf(const clang::Expr *Site) const;

  /// A release of \p Mutex on some path from \p From to \p To that does not run \p From again
  /// after the release (a check in a loop runs again in the act's section: that is a re-check).
  const LockRelease *releaseBetween(const ObjectPath &Mutex, CFGPoint From, CFGPoint To) const;

  /// The check that decides \p W, if one does and no check in its own section re-checks.
  std::optional<CheckThenActPair> pairFor(const ContainerAccess &W, const ObjectPath &GuardPath,
                                          ArrayRef<const ContainerAccess *> Accesses);

  GuardInference &GI;
  const clang::FunctionDecl *Fn;
  const FunctionCfg &Cfg;
  clang::ASTContext &Ctx;
  Decisions D;
};

} // namespace mapguard::check_act

#endif
