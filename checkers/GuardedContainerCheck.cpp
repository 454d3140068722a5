#include "GuardedContainerCheck.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/DenseSet.h"
#include <map>
#include <mutex>

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {

/// The models and the inference of one translation unit, owned by the checks that use it.
struct GuardedContainerCheck::SharedAnalysis {
  explicit SharedAnalysis(const ModelOptions &Models)
      : Containers(Models.Containers, Models.InsertInvalidatingContainers), Locks(Models.Locks),
        Deferring(Models.Deferring), Inference(Containers, Locks, Deferring, Models.MaxCallDepth) {}
  const ContainerModel Containers;
  const LockModel Locks;
  const DeferringCallees Deferring;
  GuardInference Inference;
  llvm::DenseSet<const FunctionDecl *> Added;
  bool Analysed = false;
};

std::shared_ptr<GuardedContainerCheck::SharedAnalysis>
GuardedContainerCheck::sharedAnalysis(const ASTContext *Ctx, const ModelOptions &Models) {
  // Keyed by the unit's ASTContext (the CLI analyses units on several threads) and the options.
  // An entry lives while a check of the unit holds it: until the end of the unit.
  static std::mutex RegistryMutex;
  static std::map<std::pair<const ASTContext *, std::string>, std::weak_ptr<SharedAnalysis>> Registry;
  std::lock_guard<std::mutex> Lock(RegistryMutex);
  for (auto It = Registry.begin(); It != Registry.end();)
    It = It->second.expired() ? Registry.erase(It) : std::next(It);
  std::weak_ptr<SharedAnalysis> &Entry = Registry[{Ctx, Models.key()}];
  std::shared_ptr<SharedAnalysis> Analysis = Entry.lock();
  if (!Analysis) {
    Analysis = std::make_shared<SharedAnalysis>(Models);
    Entry = Analysis;
  }
  return Analysis;
}

GuardedContainerCheck::GuardedContainerCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context), Models(ModelOptions::read(Options)) {}

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
  if (!Shared || Context != Result.Context) {
    Context = Result.Context;
    Shared = sharedAnalysis(Context, Models);
  }
  if (Shared->Added.insert(Fn).second)
    Shared->Inference.addFunction(Fn);
}

void GuardedContainerCheck::onEndOfTranslationUnit() {
  if (Shared && Context) {
    if (!Shared->Analysed) {
      Shared->Inference.analyse(*Context);
      Shared->Analysed = true;
    }
    report(Shared->Inference, *Context);
  }
  Shared.reset();
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
