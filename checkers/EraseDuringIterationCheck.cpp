#include "EraseDuringIterationCheck.h"

#include "utils/AstUtil.h"
#include "analysis/ContainerMutations.h"
#include "EraseFixes.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {
namespace {

constexpr unsigned DefaultMaxCallDepth = 4;

bool isEraseLike(const ContainerOpSite &Op) {
  return Op.Kind == ContainerOpKind::Erase && Op.OpName != "clear" && Op.OpName != "merge";
}

/// The form the message recommends instead of erasing inside the loop.
std::string safeEraseForm(const ContainerTraits &Traits, const LangOptions &LO, StringRef Container) {
  if (Traits.Library == ContainerLibrary::Std && LO.CPlusPlus20)
    return "std::erase_if";
  if (Traits.Library == ContainerLibrary::Absl)
    return "absl::erase_if";
  return ("an iterator loop with 'it = " + Container + ".erase(it)'").str();
}

/// How the message names the function called at an indirect site: a lambda by its variable.
std::string calleeName(const ContainerOpSite &Op) {
  if (const auto *Call = dyn_cast<CXXOperatorCallExpr>(Op.SiteCall); Call && Call->getNumArgs() > 0)
    if (const auto *Lambda = dyn_cast<DeclRefExpr>(Call->getArg(0)->IgnoreParenImpCasts()))
      return Lambda->getDecl()->getNameAsString();
  return Op.Callee->getNameAsString();
}

/// "'erase' on 'm'", or "call to 'f', which calls 'erase' on 'm',".
std::string changeSubject(const ContainerOpSite &Op, StringRef Container) {
  std::string Subject = "'" + Op.OpName + "' on '" + Container.str() + "'";
  if (!Op.Callee)
    return Subject;
  std::string Through = "call to '" + calleeName(Op) + "', which calls ";
  Through += Subject;
  Through += ",";
  return Through;
}

std::string rangeForMessage(const ContainerOpSite &Op, const ContainerTraits &Traits, StringRef Container,
                            const LangOptions &LO) {
  std::string Subject = changeSubject(Op, Container);
  if (Op.Kind == ContainerOpKind::Insert || Op.Kind == ContainerOpKind::Rehash) {
    return Subject + " inside a range-for over it may " + Traits.invalidatingInsertVerb().str() + " '" + Container.str() +
           "' and invalidate every iterator; collect the new entries and insert them after the loop";
  }
  std::string Advice = isEraseLike(Op) ? "use " + safeEraseForm(Traits, LO, Container) +
                                             ", or collect the keys and erase after the loop"
                                       : "collect the changes and apply them after the loop";
  return Subject + " inside a range-for over it invalidates the loop's iterator; " + Advice;
}

/// How the advice calls erase on the container: `m.erase`, or `dic_->erase` through a pointer.
std::string eraseCallOn(const ObjectPath &Container) {
  ArrayRef<ObjectPath::Step> Steps = Container.steps();
  if (!Steps.empty() && !Steps.back().Field)
    return Container.withoutLastStep().spelling() + "->erase";
  return Container.spelling() + ".erase";
}

/// Whether \p Subscript (`m[k]`) looks up the key of the element the range-for visits: `k` of
/// `auto &[k, v]`, or `e.first` of `auto &e`.
bool subscriptsCurrentKey(const CallExpr *Subscript, const CXXForRangeStmt *Loop) {
  const auto *Op = dyn_cast<CXXOperatorCallExpr>(Subscript);
  if (!Op || Op->getNumArgs() != 2)
    return false;
  const Expr *Key = Op->getArg(1)->IgnoreParenImpCasts();
  const VarDecl *Element = Loop->getLoopVariable();
  if (const auto *Decomposition = dyn_cast<DecompositionDecl>(Element)) {
    const auto *Ref = dyn_cast<DeclRefExpr>(Key);
    return Ref && !Decomposition->bindings().empty() && Ref->getDecl() == Decomposition->bindings().front();
  }
  const auto *First = dyn_cast<MemberExpr>(Key);
  const auto *Base = First ? dyn_cast<DeclRefExpr>(First->getBase()->IgnoreParenImpCasts()) : nullptr;
  return Base && Base->getDecl() == Element && First->getMemberDecl()->getIdentifier() &&
         First->getMemberDecl()->getName() == "first";
}
} // namespace

EraseDuringIterationCheck::EraseDuringIterationCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context),
      Containers(Options.get("Containers", ContainerModel::DefaultContainers)),
      InsertInvalidatingContainers(
          Options.get("InsertInvalidatingContainers", ContainerModel::DefaultInsertInvalidating)),
      MaxCallDepth(Options.get("MaxCallDepth", DefaultMaxCallDepth)), Rules(RuleSelection::read(Name, Options, *this)),
      Model(Containers, InsertInvalidatingContainers), Summaries(Model),
      Reentrant(Model, MaxCallDepth, Summaries) {}

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

void EraseDuringIterationCheck::checkRangeFor(const CXXForRangeStmt *Loop, const FunctionDecl *Fn,
                                              ASTContext &Ctx) {
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
    if (!isMutation(Op.Kind) || Reported.contains(Op.SiteCall))
      continue;
    bool Invalidates = Op.Kind == ContainerOpKind::Erase || Op.Kind == ContainerOpKind::Replace ||
                       Traits->InsertInvalidates;
    // `m[k] = v` for the key being visited finds it: nothing is inserted, nothing rehashes.
    if (!Invalidates || (Op.OpName == "operator[]" && !Op.Callee && subscriptsCurrentKey(Op.OpCall, Loop)))
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
    if (!Rules.enabled(Rehash ? "invalidating-insert" : "range-for-change"))
      continue;
    {
      auto Diag = diag(Op.SiteCall->getExprLoc(), "%0")
                  << rangeForMessage(Op, *Traits, Name, Ctx.getLangOpts()) << Op.SiteCall->getSourceRange();
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

void EraseDuringIterationCheck::checkIteratorErase(const CallExpr *Erase, const VarDecl *Iter,
                                                   const FunctionDecl *Fn, ASTContext &Ctx) {
  ObjectPathResolver Resolver(Ctx);
  auto Ops = containerOpsOf(Erase, Model);
  std::optional<ObjectPath> Container;
  std::string Receiver; // `sessions.`, `dic_->`: how the advice calls erase
  if (!Ops.empty()) {
    Container = Ops.front().ViaPointer ? Resolver.pointeeOf(Ops.front().Object) : Resolver.objectOf(Ops.front().Object);
    std::optional<ObjectPath> Pointer = Ops.front().ViaPointer ? Resolver.objectOf(Ops.front().Object) : std::nullopt;
    if (Pointer)
      Receiver = Pointer->spelling() + "->";
  } else if (std::optional<DependentMemberCall> Dependent = dependentMemberCall(Erase);
             Dependent && !Dependent->ViaPointer && Dependent->Object->isTypeDependent()) {
    // A template's object of a type not known yet (`Map &Counts`): erase(it) invalidates `it` in
    // every standard container, when `it` is an iterator of that same object.
    Container = Resolver.objectOf(Dependent->Object);
    const Expr *Source = dependentIteratorSource(Iter);
    if (!Container || !Source || Resolver.objectOf(Source) != Container)
      return;
  } else {
    return; // not an erase on a configured container
  }
  const FunctionCfg *Cfg = Cfgs.get(Fn, Ctx);
  if (!Cfg)
    return;
  std::string Object = Container ? Container->spelling() : "container";
  if (Receiver.empty())
    Receiver = Object + ".";
  std::string It = Iter->getNameAsString();
  if (const Stmt *Reassignment = parentIgnoringImplicit(Cfg->parents(), Erase); assignsTo(Reassignment, Iter)) {
    checkDoubleAdvance(cast<Expr>(Reassignment), Iter, Receiver, Fn, *Cfg, Ctx); // it = C.erase(it)
    return;
  }
  if (!Rules.enabled("erase-then-use"))
    return;
  const Stmt *FirstUse = firstUseAfter(*Cfg, Erase, Iter);
  if (!FirstUse)
    return;
  std::string SafeForm = Erase->getType()->isVoidType() ? Receiver + "erase(" + It + "++)"
                                                        : It + " = " + Receiver + "erase(" + It + ")";
  {
    auto Diag = diag(Erase->getExprLoc(),
                     "'%0' is used after '%1.erase(%0)' invalidated it; write '%2' and advance only "
                     "when nothing was erased")
                << It << Object << SafeForm << Erase->getSourceRange();
    const auto *Member = dyn_cast<CXXMemberCallExpr>(Erase);
    if (auto Fixes = Fn->isTemplateInstantiation() || Fn->isTemplated() || !Member
                         ? std::nullopt
                         : iteratorLoopEraseFix(Member, Iter, FirstUse, Cfg->parents(), Ctx))
      for (const FixItHint &Fix : *Fixes)
        Diag << Fix;
  }
  diag(FirstUse->getBeginLoc(), "'%0' is used here after the erase", DiagnosticIDs::Note) << It;
}

void EraseDuringIterationCheck::checkDoubleAdvance(const Expr *Reassignment, const VarDecl *Iter,
                                                   StringRef Receiver, const FunctionDecl *Fn, const FunctionCfg &Cfg,
                                                   ASTContext &Ctx) {
  const ForStmt *Loop = nullptr;
  const Expr *Increment = Rules.enabled("double-advance") ? advancedAgainAfter(Cfg, Reassignment, Iter, Loop) : nullptr;
  if (!Increment)
    return;
  std::string It = Iter->getNameAsString();
  {
    auto Diag = diag(Reassignment->getExprLoc(),
                     "'%0 = %1erase(%0)' already moves '%0' to the next element, and the loop's '%2' advances it "
                     "again: the element after each erased one is skipped, and erasing the last one steps past "
                     "end(); advance only when nothing was erased")
                << It << Receiver << sourceText(Increment, Ctx) << Reassignment->getSourceRange();
    if (!Fn->isTemplateInstantiation() && !Fn->isTemplated())
      if (auto Fixes = doubleAdvanceFix(Reassignment, Iter, Cfg.parents(), Ctx))
        for (const FixItHint &Fix : *Fixes)
          Diag << Fix;
  }
  diag(Increment->getExprLoc(), "the loop advances '%0' here", DiagnosticIDs::Note) << It;
}

void EraseDuringIterationCheck::checkIteratorLoop(const IteratorLoop &Loop, const FunctionDecl *Fn, ASTContext &Ctx) {
  // `it != dic_->end()`: the container is reached through a pointer.
  bool ViaPointer = Loop.Container->IgnoreParenImpCasts()->getType()->isPointerType();
  std::optional<ContainerTraits> Traits = Model.classifyObject(Loop.Container, ViaPointer);
  if (!Traits)
    return;
  ObjectPathResolver Resolver(Ctx);
  std::optional<ObjectPath> Container =
      ViaPointer ? Resolver.pointeeOf(Loop.Container) : Resolver.objectOf(Loop.Container);
  if (!Container)
    return;
  checkReentrantCallbacks(Loop.Loop, Loop.Body, {Loop.Iter}, *Container, *Traits, Fn, Ctx);
  if (!Rules.enabled("iterator-loop-change"))
    return;
  ContainerOpFinder Finder(Model, Resolver, MaxCallDepth, Summaries);
  std::string Name = Container->spelling();
  std::string It = Loop.Iter->getNameAsString();
  const FunctionCfg *Cfg = nullptr;
  for (const ContainerOpSite &Op : Finder.find(Loop.Body, *Container, Loop.Iter)) {
    if (!isMutation(Op.Kind) || ReportedSites.contains(Op.SiteCall))
      continue;
    // Erasing by key removes one element: only the one `it` points to matters. Clearing,
    // reassigning and rehashing invalidate every iterator.
    bool ByKey = isEraseLike(Op) && Op.OpName != "merge";
    bool InvalidatesAll = (Op.Kind == ContainerOpKind::Erase && Op.OpName == "clear") ||
                          Op.Kind == ContainerOpKind::Replace ||
                          ((Op.Kind == ContainerOpKind::Insert || Op.Kind == ContainerOpKind::Rehash) &&
                           Traits->InsertInvalidates);
    if (ByKey ? (!Op.FromTracked || takesIterator(Op.OpCall)) : !InvalidatesAll)
      continue;
    Cfg = Cfg ? Cfg : Cfgs.get(Fn, Ctx);
    if (!Cfg)
      return;
    if (ByKey && !actsOnCurrentElement(Op.SiteCall, Loop, *Cfg))
      continue;
    const Stmt *Use = firstUseAfter(*Cfg, Op.SiteCall, Loop.Iter);
    if (!Use)
      continue; // every path leaves the loop, reassigns 'it' or restarts from begin()
    ReportedSites.insert(Op.SiteCall);
    std::string Subject = changeSubject(Op, Name);
    {
      StringRef Message = !ByKey ? "%0 inside a loop over '%2' with '%1' invalidates '%1', which the loop uses "
                                   "next; collect the changes and apply them after the loop"
                          : Loop.JavaStyle ? "%0 erases the element '%1' points to while a loop over '%2' uses "
                                             "'%1'; '%1' is dangling when the loop uses it next: remove it "
                                             "through the iterator, '%1.remove()'"
                                           : "%0 erases the element '%1' points to while a loop over '%2' uses "
                                             "'%1'; '%1' is dangling when the loop uses it next: write '%1 = "
                                             "%3(%1)' and advance only when nothing was erased";
      auto Diag = diag(Op.SiteCall->getExprLoc(), Message)
                  << Subject << It << Name << eraseCallOn(*Container) << Op.SiteCall->getSourceRange();
      const auto *Erase = dyn_cast<CXXMemberCallExpr>(Op.OpCall);
      bool IsSet = StringRef(Traits->Name).ends_with("set");
      if (ByKey && !Op.Callee && Erase && Erase->getNumArgs() == 1 && Traits->UniqueKeys && Op.OpName == "erase" &&
          Traits->Shape == ContainerShape::Associative &&
          Traits->Library == ContainerLibrary::Std && !Fn->isTemplateInstantiation() && !Fn->isTemplated() &&
          isKeyOfIterator(Erase->getArg(0), Loop.Iter, IsSet))
        if (auto Fixes = iteratorLoopEraseFix(Erase, Loop.Iter, Use, Cfg->parents(), Ctx, /*ReplaceKey=*/true))
          for (const FixItHint &Fix : *Fixes)
            Diag << Fix;
    }
    diag(Loop.Loop->getBeginLoc(), "iteration over '%0' with '%1' starts here", DiagnosticIDs::Note) << Name << It;
    if (Op.Callee)
      diag(Op.OpCall->getExprLoc(), "'%0' changes '%1' here", DiagnosticIDs::Note)
          << Op.OpName << Name << Op.OpCall->getSourceRange();
    diag(Use->getBeginLoc(), "'%0' is used here after the change", DiagnosticIDs::Note) << It;
  }
}


void EraseDuringIterationCheck::checkReentrantCallbacks(const Stmt *Loop, const Stmt *Body,
                                                        ArrayRef<const ValueDecl *> Element,
                                                        const ObjectPath &Container, const ContainerTraits &Traits,
                                                        const FunctionDecl *Fn, ASTContext &Ctx) {
  const FieldDecl *Field = Container.lastField();
  llvm::SmallVector<ReentrantCall, 2> Calls =
      Field && Rules.enabled("reentrant-callback") ? Reentrant.opaqueCalls(Body, Element) : decltype(Calls)();
  std::optional<ContainerEraser> Eraser = Calls.empty() ? std::nullopt : Reentrant.eraserOf(Field, Traits, Fn, Ctx);
  const FunctionCfg *Cfg = Eraser ? Cfgs.get(Fn, Ctx) : nullptr;
  if (!Eraser || !Cfg)
    return;
  for (const ReentrantCall &Call : Calls) {
    if (!mayReachBack(Call, *Eraser) || !Cfg->mayContinueLoopAfter(Call.Invocation, Loop) ||
        !ReportedSites.insert(Call.Invocation).second)
      continue;
    std::string Name = Container.spelling();
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
  if (!Rules.enabled("erased-element-reference") || !isEraseLike(Op) || Op.Callee || !Element || !Element->getType()->isReferenceType())
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

void EraseDuringIterationCheck::checkHeldIterator(const VarDecl *Var, const FunctionDecl *Fn, ASTContext &Ctx) {
  // `auto it = m.find(k); m[other] = v; use(it->second);` on a hash container: the insert may
  // rehash and invalidate every iterator.
  // Cheap tests first: this runs for every local variable of the unit.
  if (!Rules.enabled("held-iterator-insert") || !Var->hasLocalStorage() || isa<ParmVarDecl>(Var) || !Var->getInit() || Var->getType()->isReferenceType())
    return;
  const Expr *Init = ignoringImplicit(Var->getInit());
  bool ViaFirst = false;
  if (const auto *First = dyn_cast<MemberExpr>(Init);
      First && First->getMemberDecl()->getIdentifier() && First->getMemberDecl()->getName() == "first") {
    Init = ignoringImplicit(First->getBase()); // `m.emplace(k, v).first`
    ViaFirst = true;
  }
  const auto *Call = dyn_cast<CXXMemberCallExpr>(Init);
  const CXXMethodDecl *Method = Call ? Call->getMethodDecl() : nullptr;
  if (!Method || !Method->getIdentifier())
    return;
  // The calls that return an iterator (or, with `.first`, a pair holding one).
  StringRef Name = Method->getName();
  bool Lookup = Name == "find" || Name == "begin" || Name == "cbegin" || Name == "lower_bound" ||
                Name == "upper_bound";
  bool Insertion = Name == "emplace" || Name == "insert" || Name == "try_emplace" || Name == "insert_or_assign";
  if (!(ViaFirst ? Insertion : Lookup || Name == "emplace_hint"))
    return;
  const Expr *Object = Call->getImplicitObjectArgument();
  std::optional<ContainerTraits> Traits = Object ? Model.classifyObject(Object) : std::nullopt;
  if (!Traits || !Traits->InsertInvalidates)
    return;
  ObjectPathResolver Resolver(Ctx);
  std::optional<ObjectPath> Container = Resolver.objectOf(Object);
  const FunctionCfg *Cfg = Container ? Cfgs.get(Fn, Ctx) : nullptr;
  const DeclStmt *Declaration = Cfg ? declStmtOf(Fn->getBody(), Var) : nullptr;
  if (!Declaration)
    return;
  // A loop's own iterator belongs to the iterator-loop rules.
  if (const auto *For = dyn_cast_or_null<ForStmt>(Cfg->parents().getParent(Declaration)); For && For->getInit() == Declaration)
    return;
  ContainerOpFinder Finder(Model, Resolver, MaxCallDepth, Summaries);
  Cfg->forEachElementAfter(Declaration, [&](const CFGElement &Element) {
    auto Statement = Element.getAs<CFGStmt>();
    const auto *Site = Statement ? dyn_cast<CallExpr>(Statement->getStmt()) : nullptr;
    if (!Site)
      return FunctionCfg::Visit::Continue;
    if (modifiesVariable(Site, Var))
      return FunctionCfg::Visit::StopPath;
    for (const ContainerOpSite &Op : Finder.find(Site, *Container)) {
      if ((Op.Kind != ContainerOpKind::Insert && Op.Kind != ContainerOpKind::Rehash) || Op.SiteCall != Site ||
          ReportedSites.contains(Site))
        continue;
      const Stmt *Use = firstUseAfter(*Cfg, Site, Var);
      if (!Use)
        return FunctionCfg::Visit::Done;
      ReportedSites.insert(Site);
      std::string Subject = changeSubject(Op, Container->spelling());
      diag(Site->getExprLoc(), "%0 may %1 '%2' and invalidate '%3', which is used after it; look the element up "
                               "again after the insert, or reserve() before taking '%3'")
          << Subject << Traits->invalidatingInsertVerb() << Container->spelling() << Var->getName()
          << Site->getSourceRange();
      diag(Var->getLocation(), "'%0' is taken here", DiagnosticIDs::Note) << Var->getName();
      diag(Use->getBeginLoc(), "'%0' is used here after the insert", DiagnosticIDs::Note) << Var->getName();
      return FunctionCfg::Visit::Done;
    }
    return FunctionCfg::Visit::Continue;
  });
}

} // namespace mapguard
