#ifndef MAPGUARD_CHECKERS_UNGUARDEDACCESSCHECK_H
#define MAPGUARD_CHECKERS_UNGUARDEDACCESSCHECK_H

#include "GuardedContainerCheck.h"

namespace mapguard {

/// Finds an access to a guarded container (GUARDED_BY, or inferred from its other accesses) made
/// without holding its guard, and a global container written on a thread with no mutex at all
/// while other code uses it. Docs: docs/checks/mapguard-unguarded-access.md
class UnguardedAccessCheck : public GuardedContainerCheck {
public:
  UnguardedAccessCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context);
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Opts) override;

protected:
  void report(GuardInference &Inference, clang::ASTContext &Ctx) override;

private:
  /// How an access made without its guard breaks a protocol the rest of the unit keeps.
  enum class GuardProtocol {
    None,              // it does not: a majority at most (inferred-guard)
    ChangedOrLateLock, // a change, or a read before the function takes the lock (breaks-consistent-guard)
    LateLock,          // either, where the function holds the guard at its other accesses (late-lock-consistent-guard)
    ReadWithoutLock,   // a read in a function that never holds the guard (read-breaks-consistent-guard)
  };
  /// Whether \p Access, made without \p Guard, is the one exception to a protocol the rest of the
  /// unit keeps: the shape a deleted or late guard leaves.
  static GuardProtocol brokenProtocol(const ContainerAccess &Access, const GuardInfo &Guard,
                                      const ObjectPath &GuardPath, const GuardInference &Inference);
  /// call-breaks-consistent-guard (UnguardedAccessCalls.cpp): a call without the lock that the
  /// callee's other callers hold for its accesses; adds the callee's accesses so named to \p Reported
  /// and each caller and container to \p ReportedIn.
  void reportCallsSkippingGuard(
      GuardInference &Inference, llvm::DenseSet<const clang::Expr *> &Reported,
      llvm::DenseSet<std::pair<const clang::FunctionDecl *, const clang::ValueDecl *>> &ReportedIn);
  void reportUnguarded(const ContainerAccess &Access, const GuardInfo &Guard, const ObjectPath &GuardPath,
                       GuardProtocol Protocol, GuardInference &Inference, clang::ASTContext &Ctx);
  std::optional<clang::FixItHint> lockGuardFix(const ContainerAccess &Access, const GuardInfo &Guard,
                                               const ObjectPath &GuardPath, GuardInference &Inference,
                                               clang::ASTContext &Ctx);

  const std::string SuggestedAlternatives;
  llvm::DenseSet<const clang::FunctionDecl *> FixedFunctions;
};

} // namespace mapguard

#endif
