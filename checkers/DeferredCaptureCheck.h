#ifndef MAPGUARD_CHECKERS_DEFERREDCAPTURECHECK_H
#define MAPGUARD_CHECKERS_DEFERREDCAPTURECHECK_H

#include "GuardedContainerCheck.h"
#include "analysis/LocalCaptures.h"

namespace mapguard {

/// Finds containers used by a callable that runs later or on another thread (a thread, std::async,
/// an asio handler, a timer, an executor, a registered callback): a guarded container accessed
/// without its guard inside the callable, an unguarded one used at the same time by the starting
/// thread, and a local container captured by reference into a callable that may outlive it.
/// Docs: docs/checks/mapguard-deferred-capture.md
class DeferredCaptureCheck : public GuardedContainerCheck {
public:
  using GuardedContainerCheck::GuardedContainerCheck;
  void check(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;

protected:
  void report(GuardInference &Inference, clang::ASTContext &Ctx) override;

private:
  bool reportUnguarded(const ContainerAccess &Access, const GuardInfo &Guard, const ObjectPath &GuardPath,
                       GuardInference &Inference, clang::ASTContext &Ctx);
  void reportLocal(const clang::FunctionDecl *Fn, const LocalCapture &Capture, const FunctionCfg &Cfg,
                   const ContainerModel &Containers, clang::ASTContext &Ctx);
  llvm::SmallVector<clang::FixItHint, 2> moveCaptureFix(const clang::FunctionDecl *Fn, const LocalCapture &Capture,
                                                        const FunctionCfg &Cfg, clang::ASTContext &Ctx);

  std::vector<const clang::FunctionDecl *> Functions; // of the current unit, for local captures
  llvm::DenseSet<const clang::LambdaExpr *> MadeMutable;
};

} // namespace mapguard

#endif
