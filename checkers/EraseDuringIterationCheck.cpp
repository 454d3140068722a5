#include "EraseDuringIterationCheck.h"
#include "model/ModelOptions.h"

#include "EraseDuringIterationText.h"
#include "EraseFixes.h"
#include "analysis/ContainerMutations.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {
using namespace erase_text;
namespace {

constexpr unsigned DefaultMaxCallDepth = 4;

/// The form the message recommends instead of erasing inside the loop: std::erase_if (0),
/// absl::erase_if (1), an iterator loop (2).
unsigned safeEraseForm(const ContainerTraits &Traits, const LangOptions &LO) {
  if (Traits.Library == ContainerLibrary::Std && LO.CPlusPlus20)
    return 0;
  return Traits.Library == ContainerLibrary::Absl ? 1 : 2;
}

/// Whether \p Op, written in the body of the range-for \p Loop over its container, invalidates
/// the loop's own iterator whatever the values: clearing or replacing the container, erasing from
/// or inserting into a vector or a deque (their end moves), erasing the element being visited by
/// its own key. A hash container's insert only may rehash; erasing another key leaves a node
/// container's iterator valid; a callee's change may depend on its arguments.
bool invalidatesLoopIterator(const ContainerOpSite &Op, const ContainerTraits &Traits, const CXXForRangeStmt *Loop) {
  if (Op.Callee)
    return false;
  if (Op.Kind == ContainerOpKind::Replace || Op.OpName == "clear")
    return true;
  if (Traits.Shape == ContainerShape::Sequence && Traits.InsertInvalidates)
    return Op.Kind == ContainerOpKind::Erase || Op.Kind == ContainerOpKind::Insert;
  const auto *Call = dyn_cast<CallExpr>(Op.OpCall);
  return isEraseLike(Op) && Call && Call->getNumArgs() == 1 && isRangeForElementKey(Call->getArg(0), Loop);
}

/// The range-for's own iterator (`__begin`), which its increment and condition use.
const VarDecl *loopIterator(const CXXForRangeStmt *Loop) {
  const DeclStmt *Begin = Loop->getBeginStmt();
  return Begin && Begin->isSingleDecl() ? dyn_cast<VarDecl>(Begin->getSingleDecl()) : nullptr;
}

} // namespace

EraseDuringIterationCheck::EraseDuringIterationCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context),
      // Read as the other checks read the model's lists: check-local, else global, `+` adds.
      Containers(ModelOptions::readLists(Options).Containers),
      InsertInvalidatingContainers(ModelOptions::readLists(Options).InsertInvalidatingContainers),
      MaxCallDepth(Options.get("MaxCallDepth", DefaultMaxCallDepth)), Rules(RuleSelection::read(Name, Options, *this)),
      Model(Containers, InsertInvalidatingContainers), Summaries(Model), Reentrant(Model, MaxCallDepth, Summaries),
      Paths(Model, MaxCallDepth, Summaries) {}

void EraseDuringIterationCheck::storeOptions(tidy::ClangTidyOptions::OptionMap &Opts) {
  Options.store(Opts, "Containers", Containers);
  Options.store(Opts, "InsertInvalidatingContainers", InsertInvalidatingContainers);
  Options.store(Opts, "MaxCallDepth", MaxCallDepth);
  Options.store(Opts, "Rules", Rules.spec());
}

void EraseDuringIterationCheck::registerMatchers(MatchFinder *Finder) {
  // One match per function body, walked once below. Matchers like forFunction() would make clang
  // build the parent map of the whole translation unit, which costs more than this check.
  Finder->addMatcher(functionDecl(isDefinition(), unless(isExpansionInSystemHeader())).bind("fn"), this);
}

void EraseDuringIterationCheck::check(const MatchFinder::MatchResult &Result) {
  const auto *Fn = Result.Nodes.getNodeAs<FunctionDecl>("fn");
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  if (Method && Method->getParent()->isLambda())
    return; // walked as part of the function that contains the lambda
  // A template is judged where it is instantiated; in its definition only if it is not.
  if (Fn->isDependentContext() && templateInstantiatedInUnit(Fn))
    return;
  checkFunction(Fn, *Result.Context);
}

void EraseDuringIterationCheck::checkFunction(const FunctionDecl *Fn, ASTContext &Ctx) {
  struct Walk : RecursiveASTVisitor<Walk> {
    EraseDuringIterationCheck &Check;
    const FunctionDecl *Fn;
    ASTContext &Ctx;
    Walk(EraseDuringIterationCheck &C, const FunctionDecl *F, ASTContext &X) : Check(C), Fn(F), Ctx(X) {}
    bool VisitCXXForRangeStmt(CXXForRangeStmt *Loop) {
      Check.checkRangeFor(Loop, Fn, Ctx);
      return true;
    }
    bool VisitStmt(Stmt *S) {
      if (isa<ForStmt, WhileStmt, DoStmt>(S))
        if (std::optional<IteratorLoop> Loop = iteratorLoopOf(S))
          Check.checkIteratorLoop(*Loop, Fn, Ctx);
      return true;
    }
    bool VisitVarDecl(VarDecl *Var) {
      Check.checkHeldIterator(Var, Fn, Ctx);
      return true;
    }
    bool VisitCallExpr(CallExpr *Call) {
      if (const VarDecl *Iter = erasedIteratorVariable(Call))
        Check.checkIteratorErase(Call, Iter, Fn, Ctx);
      return true;
    }
    bool TraverseLambdaExpr(LambdaExpr *Lambda) {
      Check.checkFunction(Lambda->getCallOperator(), Ctx); // its own CFG and parents
      return true;
    }
  } Walker(*this, Fn, Ctx);
  Walker.TraverseStmt(Fn->getBody());
}

void EraseDuringIterationCheck::checkRangeFor(const CXXForRangeStmt *Loop, const FunctionDecl *Fn, ASTContext &Ctx) {
  const Expr *Range = Loop->getRangeInit();
  std::optional<ContainerTraits> Traits = Model.classifyObject(Range);
  if (!Traits)
    return;
  ObjectPathResolver Resolver(Ctx);
  std::optional<ObjectPath> Container = Resolver.objectOf(Range);
  if (!Container)
    return; // a temporary or a copy: changing the original does not touch this loop
  ContainerOpFinder Finder(Model, Resolver, MaxCallDepth, Summaries);
  std::string Name = Container->spelling();
  llvm::SmallPtrSet<const CallExpr *, 8> Reported;
  llvm::SmallVector<const ValueDecl *, 4> Element{Loop->getLoopVariable()};
  if (const auto *Decomposition = dyn_cast<DecompositionDecl>(Loop->getLoopVariable()))
    Element.append(Decomposition->bindings().begin(), Decomposition->bindings().end());
  checkReentrantCallbacks(Loop, Loop->getBody(), Element, *Container, *Traits, Fn, Ctx);
  for (const ContainerOpSite &Op : Finder.find(Loop->getBody(), *Container)) {
    if (!isMutation(Op.Kind) || Reported.contains(Op.SiteCall) || ReportedSites.contains(Op.SiteCall))
      continue;
    bool Invalidates =
        Op.Kind == ContainerOpKind::Erase || Op.Kind == ContainerOpKind::Replace || Traits->InsertInvalidates;
    // `m[k] = v` for the key being visited finds it: nothing is inserted, nothing rehashes.
    if (!Invalidates ||
        subscriptsPresentKey(Op, Resolver, [&](const Expr *Key) { return isRangeForElementKey(Key, Loop); }))
      continue;
    // A change after which every path leaves the loop (break, return, throw) is safe.
    const FunctionCfg *Cfg = Cfgs.get(Fn, Ctx); // built only when a change is found
    if (Cfg && !Cfg->mayContinueLoopAfter(Op.SiteCall, Loop)) {
      checkElementReferenceAfterErase(Loop, Op, *Cfg, Name);
      continue;
    }
    if (!Cfg && leavesLoopSyntactically(Op.SiteCall, Loop, ParentMap(Fn->getBody())))
      continue;
    Reported.insert(Op.SiteCall);
    bool Rehash = Op.Kind == ContainerOpKind::Insert || Op.Kind == ContainerOpKind::Rehash;
    // Certain: the change invalidates the loop's iterator and every path from it goes on to the
    // loop's next element (the split -Wuninitialized makes from -Wsometimes-uninitialized).
    const VarDecl *Iterator = loopIterator(Loop);
    bool OnEveryPath = Cfg && Iterator && Rules.enabled("range-for-change-on-every-path") &&
                       invalidatesLoopIterator(Op, *Traits, Loop) && usedOnEveryPathAfter(*Cfg, Op.SiteCall, Iterator);
    if (!OnEveryPath && !Rules.enabled(Rehash ? "invalidating-insert" : "range-for-change"))
      continue;
    {
      StringRef Message =
          Rehash ? "%0 inside a range-for over it may %1 '%2' and invalidate every iterator%select{|, and every path "
                   "from it goes on to the loop's next element}4; collect the new entries and insert them after the "
                   "loop"
          : isEraseLike(Op)
              ? "%0 inside a range-for over it invalidates the loop's iterator%select{|, and every path from it "
                "goes on to the loop's next element}4; use %select{std::erase_if|"
                "absl::erase_if|an iterator loop with 'it = %2.erase(it)'}3, or collect the keys and erase after the "
                "loop"
              : "%0 inside a range-for over it invalidates the loop's iterator%select{|, and every path from it goes "
                "on to the loop's next element}4; collect the changes and apply them after the loop";
      auto Diag = diag(Op.SiteCall->getExprLoc(), Message)
                  << changeSubject(Op, Name) << Traits->invalidatingInsertVerb() << Name
                  << safeEraseForm(*Traits, Ctx.getLangOpts()) << OnEveryPath << Op.SiteCall->getSourceRange();
      // A rewrite of a template body would change every instantiation, not just this one.
      bool InTemplate = Fn->isTemplateInstantiation() || Fn->isTemplated();
      if (!Op.Callee && !InTemplate)
        if (auto Fix = rangeForEraseIfFix(Loop, Op.OpCall, *Traits, *Container, Resolver, Ctx))
          Diag << *Fix;
    }
    diag(Loop->getForLoc(), "iteration over '%0' starts here", DiagnosticIDs::Note) << Name;
    if (Op.Callee)
      diag(Op.OpCall->getExprLoc(), "'%0' changes '%1' here", DiagnosticIDs::Note)
          << Op.OpName << Name << Op.OpCall->getSourceRange();
  }
}

void EraseDuringIterationCheck::checkReentrantCallbacks(const Stmt *Loop, const Stmt *Body,
                                                        ArrayRef<const ValueDecl *> Element,
                                                        const ObjectPath &Container, const ContainerTraits &Traits,
                                                        const FunctionDecl *Fn, ASTContext &Ctx) {
  const FieldDecl *Field = Container.lastField();
  bool Visible = Rules.enabled("reentrant-visible-path"), Unseen = Rules.enabled("reentrant-callback");
  llvm::SmallVector<ReentrantCall, 2> Calls =
      Field && (Visible || Unseen) ? Reentrant.opaqueCalls(Body, Element, /*AlsoDirect=*/Visible) : decltype(Calls)();
  llvm::SmallVector<ContainerEraser, 2> Erasers =
      Calls.empty() ? decltype(Erasers)() : Reentrant.erasersOf(Field, Traits, Fn, Ctx);
  const FunctionCfg *Cfg = Erasers.empty() ? nullptr : Cfgs.get(Fn, Ctx);
  if (!Cfg || !Field)
    return;
  std::string Name = Container.spelling();
  const auto *LoopClass = dyn_cast<CXXRecordDecl>(Field->getParent());
  for (const ReentrantCall &Call : Calls) {
    std::optional<ReentryPath> Path = Visible ? Paths.find(Call, LoopClass, Field, Erasers, Ctx) : std::nullopt;
    if (!Path || !Cfg->mayContinueLoopAfter(Call.Invocation, Loop) || !ReportedSites.insert(Call.Invocation).second)
      continue;
    diag(Call.Invocation->getBeginLoc(), "'%0' may call '%1', which changes '%2' while a loop iterates over it; the "
                                         "loop's iterator dangles: iterate over a copy of '%2', or defer the change "
                                         "until the loop ends")
        << Call.Callee << Path->Eraser.Method->getName() << Name << Call.Invocation->getSourceRange();
    diag(Loop->getBeginLoc(), "iteration over '%0' starts here", DiagnosticIDs::Note) << Name;
    if (Path->Lambda)
      diag(Path->Registration->getExprLoc(), "'%0' keeps this lambda, which the loop runs", DiagnosticIDs::Note)
          << Path->Registration->getDirectCallee()->getName() << Path->Lambda->getSourceRange();
    diag(Path->Step->getExprLoc(), "%select{'%1'|the lambda}0 calls '%2' here", DiagnosticIDs::Note)
        << (Path->Lambda != nullptr) << Path->Target->getQualifiedNameAsString() << Path->StepCallee->getName();
    diag(Path->Eraser.Op.OpCall->getExprLoc(), "'%0' calls '%1' on '%2' here", DiagnosticIDs::Note)
        << Path->Eraser.Method->getName() << Path->Eraser.Op.OpName << Field->getName();
    return; // one finding per loop
  }
  std::optional<ContainerEraser> Eraser = Unseen ? Reentrant.eraserOf(Field, Traits, Fn, Ctx) : std::nullopt;
  if (!Eraser)
    return;
  for (const ReentrantCall &Call : Calls) {
    if (Call.Direct || !mayReachBack(Call, *Eraser) || !Cfg->mayContinueLoopAfter(Call.Invocation, Loop) ||
        !ReportedSites.insert(Call.Invocation).second)
      continue;
    diag(Call.Invocation->getBeginLoc(), "'%0' runs code this translation unit cannot see while a loop iterates over "
                                         "'%1'; if it calls '%2', which changes '%1', the loop's iterator dangles: "
                                         "iterate over a copy of '%1', or defer the change until the loop ends")
        << Call.Callee << Name << Eraser->Method->getName() << Call.Invocation->getSourceRange();
    diag(Loop->getBeginLoc(), "iteration over '%0' starts here", DiagnosticIDs::Note) << Name;
    diag(Eraser->Op.OpCall->getExprLoc(), "'%0' calls '%1' on '%2' here", DiagnosticIDs::Note)
        << Eraser->Method->getName() << Eraser->Op.OpName << Field->getName();
    return; // one finding per loop
  }
}

void EraseDuringIterationCheck::checkElementReferenceAfterErase(const CXXForRangeStmt *Loop, const ContainerOpSite &Op,
                                                                const FunctionCfg &Cfg, StringRef Container) {
  // `for (auto &[k, v] : m) if (...) { m.erase(k); log(k); return; }`: the loop leaves, but `k`
  // refers into the node just freed.
  const VarDecl *Element = Loop->getLoopVariable();
  if (!Rules.enabled("erased-element-reference") || !isEraseLike(Op) || Op.Callee || !Element ||
      !Element->getType()->isReferenceType())
    return;
  SmallVector<const ValueDecl *, 4> Refs{Element};
  if (const auto *Decomposition = dyn_cast<DecompositionDecl>(Element))
    for (const BindingDecl *Binding : Decomposition->bindings())
      Refs.push_back(Binding);
  bool ErasesElement = llvm::any_of(Op.OpCall->arguments(), [&](const Expr *Arg) {
    return llvm::any_of(Refs, [&](const ValueDecl *Ref) { return !referencesTo(Arg, Ref).empty(); });
  });
  if (!ErasesElement)
    return;
  const Stmt *Use = firstUseAfter(Cfg, Op.SiteCall, Refs);
  if (!Use)
    return;
  const auto *UsedRef = cast<DeclRefExpr>(Use);
  std::string Name = UsedRef->getDecl()->getNameAsString();
  diag(Use->getBeginLoc(), "'%0' refers into the element that '%1' removed from '%2'; it is dangling here: copy "
                           "what you need before the erase")
      << Name << Op.OpName << Container;
  diag(Op.SiteCall->getExprLoc(), "the element is erased here", DiagnosticIDs::Note) << Op.SiteCall->getSourceRange();
}

} // namespace mapguard
