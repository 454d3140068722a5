// Base of the checks that judge accesses against each container's guard: it feeds every function
// definition of the translation unit to one GuardInference and, at the end of the unit, hands the
// result to the check's report(). Checks with the same model options share one inference per
// unit, so enabling both unguarded-access and write-under-shared-lock analyses a unit once.
#ifndef MAPGUARD_CHECKERS_GUARDEDCONTAINERCHECK_H
#define MAPGUARD_CHECKERS_GUARDEDCONTAINERCHECK_H

#include "GuardInference.h"
#include "ModelOptions.h"
#include "clang-tidy/ClangTidyCheck.h"
#include <memory>

namespace mapguard {

class GuardedContainerCheck : public clang::tidy::ClangTidyCheck {
public:
  GuardedContainerCheck(llvm::StringRef Name, clang::tidy::ClangTidyContext *Context);
  bool isLanguageVersionSupported(const clang::LangOptions &LangOpts) const override {
    return LangOpts.CPlusPlus11;
  }
  void storeOptions(clang::tidy::ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(clang::ast_matchers::MatchFinder *Finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult &Result) override;
  void onEndOfTranslationUnit() override;

protected:
  virtual void report(GuardInference &Inference, clang::ASTContext &Ctx) = 0;
  /// "'erase' on 'sessions_'", "iteration over 'sessions_'", "access to 'sessions_'".
  static std::string describe(const ContainerAccess &Access);
  /// Whether a rewrite of \p Fn's body is safe: not a template, not in a macro.
  static bool mayRewrite(const clang::FunctionDecl *Fn);

  const ModelOptions Models;

private:
  struct SharedAnalysis;
  static std::shared_ptr<SharedAnalysis> sharedAnalysis(const clang::ASTContext *Ctx, const ModelOptions &Models);

  std::shared_ptr<SharedAnalysis> Shared; // for the current translation unit
  clang::ASTContext *Context = nullptr;
};

} // namespace mapguard

#endif
