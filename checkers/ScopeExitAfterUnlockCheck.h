#ifndef MAPGUARD_CHECKERS_SCOPEEXITAFTERUNLOCKCHECK_H
#define MAPGUARD_CHECKERS_SCOPEEXITAFTERUNLOCKCHECK_H

#include "GuardedContainerCheck.h"

namespace mapguard {

/// Finds a scope-exit object (absl::Cleanup, gsl::finally, folly SCOPE_EXIT, BOOST_SCOPE_EXIT_ALL,
/// std::experimental::scope_exit) whose callable uses a guarded container after the guard is gone:
/// the object was declared before the lock guard, or the lock was released by hand before the end
/// of the scope. Docs: docs/checks/mapguard-scope-exit-after-unlock.md
class ScopeExitAfterUnlockCheck : public GuardedContainerCheck {
public:
  using GuardedContainerCheck::GuardedContainerCheck;

protected:
  void report(GuardInference &Inference, clang::ASTContext &Ctx) override;

private:
  llvm::SmallVector<clang::FixItHint, 2> moveAfterGuard(const clang::VarDecl *ScopeExit, const clang::VarDecl *Guard,
                                                        const LockModel &Locks, clang::ASTContext &Ctx);
  llvm::DenseSet<const clang::VarDecl *> Moved;
};

} // namespace mapguard

#endif
