// Base of the checks that judge accesses against each container's guard: it feeds every function
// definition of the translation unit to one GuardInference and, at the end of the unit, hands the
// result to the check's report(). Checks with the same model options share one inference per
// unit, so enabling both unguarded-access and write-under-shared-lock analyses a unit once.
#ifndef MAPGUARD_CHECKERS_GUARDEDCONTAINERCHECK_H
#define MAPGUARD_CHECKERS_GUARDEDCONTAINERCHECK_H

#include "LockFixes.h"
#include "RuleSelection.h"
#include "analysis/CheckActPairs.h"
#include "analysis/GuardInference.h"
#include "clang-tidy/ClangTidyCheck.h"
#include "model/ModelOptions.h"
#include <memory>

namespace mapguard {

class GuardedContainerCheck : public clang::tidy::ClangTidyCheck {
public:
  GuardedContainerCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context);
  bool isLanguageVersionSupported(const clang::LangOptions &LangOpts) const override { return LangOpts.CPlusPlus11; }
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(clang::ast_matchers::MatchFinder *Finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;
  void registerPPCallbacks(const clang::SourceManager &SM, clang::Preprocessor *PP,
                           clang::Preprocessor *ModuleExpanderPP) override;

protected:
  /// Reports the findings of one translation unit (fix-it bookkeeping is reset before).
  virtual void report(GuardInference &Inference, clang::ASTContext &Ctx) = 0;
  /// "'erase' on 'sessions_'", "iteration over 'sessions_'", "access to 'sessions_'".
  static std::string describe(const ContainerAccess &Access);
  /// Whether \p Access only reads the container's size (`size()`, `empty()`): a snapshot that an
  /// unlocked fast path or a statistic takes and, where it matters, checks again under the lock.
  static bool readsOnlySize(const ContainerAccess &Access);
  /// Reports \p Access, in a callable started on another thread, if its container (which has no
  /// guard) is used at the same time by other code or by another copy of the callable.
  /// \p Lead and \p Elsewhere word the message for the reporting check, whose rule \p Rule it is.
  void reportThreadRace(const ContainerAccess &Access, GuardInference &Inference, clang::ASTContext &Ctx,
                        llvm::StringRef Rule, llvm::StringRef Lead, llvm::StringRef Elsewhere);
  /// Whether \p Access, a read without the guard, is in a function (or callable) that holds the guard
  /// at its other accesses of the same container and has not released it before: it knows the
  /// protocol and this read escapes it (a lock taken one statement too late).
  static bool readWhereFunctionLocks(const ContainerAccess &Access, const ObjectPath &GuardPath,
                                     const GuardInference &Inference);
  /// Whether every access of the container in the other functions holds \p Guard (size-only reads
  /// aside), one of them takes a lock itself and one of them changes the container under it: the
  /// protocol of the code around \p Access, which it breaks. An access in a helper counts as holding
  /// it when every call of the helper from another function holds it. The accesses of \p AlsoOwn
  /// (the caller through which \p Access is judged) are the access's own. With \p ChangeAfterHandOver
  /// (a change in a callable handed to a thread, an executor or a registry), no other function needs
  /// to change the container: the change runs when the locked readers may, not in a set-up phase.
  static bool keptByOtherFunctions(const ContainerAccess &Access, const GuardInfo &Guard,
                                   const GuardInference &Inference, const clang::FunctionDecl *AlsoOwn = nullptr,
                                   bool ChangeAfterHandOver = false);
  /// Whether \p Fn can take \p Guard: it may name the mutex, or the mutex is the own lock of an
  /// object that is its own lock (gflags' registry `lock_`), which its lock functions take for any
  /// code (`FlagRegistryLock frl(registry)`).
  static bool mayTakeGuard(const clang::FunctionDecl *Fn, const GuardInfo &Guard, const LockModel &Locks);
  /// A note that shows why \p Guard guards the container: an access holding it, or its annotation.
  void noteGuardEvidence(const ContainerAccess &Access, const GuardInfo &Guard, llvm::StringRef Mutex);
  /// Whether another check of this run is enabled: the more specific check reports an access.
  bool isCheckEnabled(llvm::StringRef Name) const;
  /// The unit's check-then-act pairs, computed once for the checks that share the inference.
  const std::vector<CheckThenActPair> &checkThenActPairs(GuardInference &Inference, clang::ASTContext &Ctx);

  const ModelOptions Models;
  const RuleSelection Rules; // which of the check's rules report

  llvm::DenseSet<const clang::LambdaExpr *> LockedLambdas; // given a guard by a fix-it in this unit

private:
  struct SharedAnalysis;
  static std::shared_ptr<SharedAnalysis> sharedAnalysis(const clang::ASTContext *Ctx, const ModelOptions &Models);

  clang::tidy::ClangTidyContext *TidyContext;
  const bool ReportSeen; // MapguardReportSeen, set by the CLI only: emit the unit's facts (WhatWasSeen)
  std::shared_ptr<SharedAnalysis> Shared; // for the current translation unit
  clang::ASTContext *Context = nullptr;
  const clang::Preprocessor *PP = nullptr; // the unit's macros, for the annotations in its facts
};

} // namespace mapguard

#endif
