#ifndef MAPGUARD_CHECKERS_MANUALLOCKCHECK_H
#define MAPGUARD_CHECKERS_MANUALLOCKCHECK_H

#include "RuleSelection.h"
#include "analysis/FunctionCfg.h"
#include "analysis/ObjectPath.h"
#include "analysis/ThrowSummaries.h"
#include "clang-tidy/ClangTidyCheck.h"
#include "model/LockModel.h"
#include "model/ModelOptions.h"

namespace mapguard {

/// Finds a mutex locked by hand (lock(), lock_shared(), Lock(), pthread_mutex_lock) whose unlock
/// some path skips: a return, break, continue or throw between them, or a call that may throw.
/// Docs: docs/checks/mapguard-manual-lock.md
class ManualLockCheck : public clang::tidy::ClangTidyCheck {
public:
  ManualLockCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context);
  bool isLanguageVersionSupported(const clang::LangOptions &LangOpts) const override { return LangOpts.CPlusPlus11; }
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(clang::ast_matchers::MatchFinder *Finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;

private:
  struct Escape;
  struct ManualCalls;
  static ManualCalls findManualCalls(const clang::Stmt *Body, const LockModel &Model, ObjectPathResolver &Resolver);
  void checkFunction(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  void reportEscape(const Escape &E, const ManualCalls &Calls, const clang::FunctionDecl *Fn, const FunctionCfg &Cfg,
                    clang::ASTContext &Ctx);
  /// A guard statement that locks nothing: `std::unique_lock<std::mutex>(mu_);` declares a new,
  /// empty guard named `mu_`; `std::lock_guard<std::mutex>{mu_};` is a temporary that unlocks at
  /// the end of the statement.
  void checkGuardsThatLockNothing(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);

  const ModelOptions Models;
  const bool ReportThrowingCalls; // false for code bases that report errors without exceptions
  const bool StrictExceptions;    // any call that is not noexcept may throw, allocation failure too
  const LockModel Locks;
  const RuleSelection Rules;
  FunctionCfgCache Cfgs;
  ThrowSummaries Throws;
  clang::ASTContext *Unit = nullptr; // the unit being analysed
};

} // namespace mapguard

#endif
