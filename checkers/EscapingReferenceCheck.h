#ifndef MAPGUARD_CHECKERS_ESCAPINGREFERENCECHECK_H
#define MAPGUARD_CHECKERS_ESCAPINGREFERENCECHECK_H

#include "GuardedContainerCheck.h"

namespace mapguard {

/// Finds a reference, pointer, iterator or view into a guarded container that is used when the
/// container's guard is no longer held: after the release in the same function (or after the lock
/// was released and taken again), returned out of the function that took the lock, stored in a
/// member, a global or an out-parameter, or captured by a callable that runs later.
/// Docs: docs/checks/mapguard-escaping-reference.md
class EscapingReferenceCheck : public GuardedContainerCheck {
public:
  using GuardedContainerCheck::GuardedContainerCheck;

protected:
  void report(GuardInference &Inference, clang::ASTContext &Ctx) override;

private:
  struct Guarded;
  std::optional<Guarded> guardedAt(const AliasOrigin &Origin, GuardInference &Inference) const;
  void reportUse(const AliasUse &Use, GuardInference &Inference, clang::ASTContext &Ctx);
  /// Where \p Mutex was released on a path from a binding to \p Use (which holds it again).
  static clang::SourceLocation releasedBetween(llvm::ArrayRef<AliasBinding> Bindings, const AliasUse &Use,
                                               const ObjectPath &Mutex, const FunctionCfg &Cfg,
                                               GuardInference &Inference);
  void reportEscape(const AliasEscape &Escape, const clang::FunctionDecl *Fn, GuardInference &Inference,
                    clang::ASTContext &Ctx);
  /// Values pointing into a guarded container captured by a callable \p Fn hands to a thread,
  /// executor or timer: the callable runs after the guard is released.
  void reportCaptures(const clang::FunctionDecl *Fn, const ContainerAliases &Aliases, GuardInference &Inference,
                      clang::ASTContext &Ctx);
  /// The guard every binding of a variable was made under, if they agree.
  std::optional<Guarded> guardedAtEvery(llvm::ArrayRef<AliasBinding> Bindings, GuardInference &Inference) const;
  /// A write elsewhere that can invalidate or overwrite what \p Alias points to.
  const ContainerAccess *invalidatingWrite(const ContainerAccess &Origin, const AliasOrigin &Alias,
                                           GuardInference &Inference, clang::ASTContext &Ctx) const;
  void noteInvalidation(const ContainerAccess *Write);

  llvm::DenseMap<const clang::Expr *, const ContainerAccess *> AccessAt;
  llvm::DenseSet<const clang::Expr *> ReportedOrigins;
  llvm::DenseSet<const clang::ValueDecl *> ReportedVariables;
};

} // namespace mapguard

#endif
