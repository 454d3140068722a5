#ifndef MAPGUARD_CHECKERS_WRITEUNDERSHAREDLOCKCHECK_H
#define MAPGUARD_CHECKERS_WRITEUNDERSHAREDLOCKCHECK_H

#include "GuardedContainerCheck.h"

namespace mapguard {

/// Finds a write to a guarded container (erase, insert, operator[], clear, ...) while its guard is
/// held only shared (a reader lock): other readers run at the same time.
/// Docs: docs/checks/mapguard-write-under-shared-lock.md
class WriteUnderSharedLockCheck : public GuardedContainerCheck {
public:
  using GuardedContainerCheck::GuardedContainerCheck;

protected:
  void report(GuardInference &Inference, clang::ASTContext &Ctx) override;

private:
  static bool breaksExclusiveWrites(const ContainerAccess &Access, const GuardInfo &Guard,
                                    const GuardInference &Inference);
  std::optional<clang::FixItHint> exclusiveGuardFix(const HeldLock &Lock, clang::ASTContext &Ctx);
};

} // namespace mapguard

#endif
