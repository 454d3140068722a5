#ifndef MAPGUARD_CHECKERS_ERASEDURINGITERATIONCHECK_H
#define MAPGUARD_CHECKERS_ERASEDURINGITERATIONCHECK_H

#include "RuleSelection.h"
#include "analysis/ContainerMutations.h"
#include "analysis/FunctionCfg.h"
#include "analysis/IteratorLoops.h"
#include "analysis/ReentrantCallbacks.h"
#include "analysis/ReentryPaths.h"
#include "clang-tidy/ClangTidyCheck.h"
#include "model/ContainerModel.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mapguard {

/// Finds a map or set changed while a loop iterates over it: erase/clear/assignment inside a
/// range-for over the container (directly or through called functions), inserts that may rehash
/// an unordered container, iterator loops that use `it` after `C.erase(it)`, and iterator loops
/// whose body erases the element `it` points to by key (directly or through calls) or clears,
/// reassigns or rehashes the container, then uses `it` again; and loops that invoke callbacks that
/// may re-enter a member function erasing the container.
/// Docs: docs/checks/mapguard-erase-during-iteration.md
class EraseDuringIterationCheck : public clang::tidy::ClangTidyCheck {
public:
  EraseDuringIterationCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context);
  bool isLanguageVersionSupported(const clang::LangOptions &LangOpts) const override { return LangOpts.CPlusPlus11; }
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(clang::ast_matchers::MatchFinder *Finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override {
    Cfgs.clear();
    Summaries.clear();
    Reentrant.clear();
    Paths.clear();
    ReportedSites.clear();
  }

private:
  void checkFunction(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  void checkRangeFor(const clang::CXXForRangeStmt *Loop, const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  void checkIteratorErase(const clang::CallExpr *Erase, const clang::VarDecl *Iter, const clang::FunctionDecl *Fn,
                          clang::ASTContext &Ctx);
  /// `it = c.erase(it)` in a `for (...; ...; ++it)` whose increment then runs too.
  void checkDoubleAdvance(const clang::Expr *Reassignment, const clang::VarDecl *Iter, llvm::StringRef Receiver,
                          const clang::FunctionDecl *Fn, const FunctionCfg &Cfg, clang::ASTContext &Ctx);
  void checkIteratorLoop(const IteratorLoop &Loop, const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  void checkHeldIterator(const clang::VarDecl *Var, const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  /// A callback invoked in the loop whose visible body (an override, a lambda the unit registers)
  /// calls a member function erasing the container; with `reentrant-callback`, also one whose
  /// body the unit cannot see.
  void checkReentrantCallbacks(const clang::Stmt *Loop, const clang::Stmt *Body,
                               llvm::ArrayRef<const clang::ValueDecl *> Element, const ObjectPath &Container,
                               const ContainerTraits &Traits, const clang::FunctionDecl *Fn, clang::ASTContext &Ctx);
  void checkElementReferenceAfterErase(const clang::CXXForRangeStmt *Loop, const ContainerOpSite &Op,
                                       const FunctionCfg &Cfg, llvm::StringRef Container);

  const std::string Containers;
  const std::string InsertInvalidatingContainers;
  const unsigned MaxCallDepth;
  const RuleSelection Rules;
  const ContainerModel Model;
  FunctionCfgCache Cfgs;
  MutationSummaries Summaries;
  ReentrantCallbacks Reentrant;
  ReentryPaths Paths;                                       // the visible way back from a callback to an eraser
  llvm::SmallPtrSet<const clang::Stmt *, 16> ReportedSites; // iterator-loop and held-iterator reports
};

} // namespace mapguard

#endif
