#ifndef MAPGUARD_CHECKERS_CHECKTHENACTCHECK_H
#define MAPGUARD_CHECKERS_CHECKTHENACTCHECK_H

#include "GuardedContainerCheck.h"

namespace mapguard {

/// Finds a write to a guarded container decided by a read of it that was made under an earlier
/// critical section (or with no lock), without a second check under the lock that covers the
/// write; also across calls of two locking member functions. Docs: docs/checks/mapguard-check-then-act.md
class CheckThenActCheck : public GuardedContainerCheck {
public:
  using GuardedContainerCheck::GuardedContainerCheck;

protected:
  void report(GuardInference &Inference, clang::ASTContext &Ctx) override;
};

} // namespace mapguard

#endif
