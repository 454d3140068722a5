#include "GuardedContainerCheck.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {

GuardedContainerCheck::GuardedContainerCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context), Models(ModelOptions::read(Options)),
      Containers(Models.Containers, Models.InsertInvalidatingContainers), Locks(Models.Locks),
      Deferring(Models.Deferring), Inference(Containers, Locks, Deferring, Models.MaxCallDepth) {}

void GuardedContainerCheck::storeOptions(tidy::ClangTidyOptions::OptionMap &Opts) { Models.store(Options, Opts); }

void GuardedContainerCheck::registerMatchers(MatchFinder *Finder) {
  // Every function once; the analysis runs when the translation unit has been seen whole.
  Finder->addMatcher(functionDecl(isDefinition(), unless(isExpansionInSystemHeader())).bind("fn"), this);
}

void GuardedContainerCheck::check(const MatchFinder::MatchResult &Result) {
  const auto *Fn = Result.Nodes.getNodeAs<FunctionDecl>("fn");
  // Lambdas are analysed with the function that creates them; templates through their
  // instantiations, where container and mutex types are known.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->getParent()->isLambda())
    return;
  if (Fn->isDependentContext())
    return;
  Context = Result.Context;
  Inference.addFunction(Fn);
}

void GuardedContainerCheck::onEndOfTranslationUnit() {
  if (Context) {
    Inference.analyse(*Context);
    report(Inference, *Context);
  }
  Inference.clear();
  Context = nullptr;
}

std::string GuardedContainerCheck::describe(const ContainerAccess &Access) {
  std::string Name = "'" + Access.Path.spelling() + "'";
  const std::string &What = Access.Use.What;
  if (What == "read")
    return "access to " + Name;
  if (What == "iteration")
    return "iteration over " + Name;
  if (What == "non-const reference" || What == "pointer to non-const")
    return Name + " passed as a " + What;
  return "'" + What + "' on " + Name;
}

bool GuardedContainerCheck::mayRewrite(const FunctionDecl *Fn) {
  return !Fn->isTemplateInstantiation() && !Fn->isTemplated() && Fn->getBody() &&
         !Fn->getBody()->getBeginLoc().isMacroID();
}

} // namespace mapguard
