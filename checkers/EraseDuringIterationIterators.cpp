// erase-during-iteration's iterator rules: an iterator used after its erase (erase-then-use), the
// double advance, a change in an iterator loop over the container (iterator-loop-change), and an
// insert that may invalidate an iterator held outside a loop (held-iterator-insert).
#include "EraseDuringIterationCheck.h"

#include "EraseDuringIterationText.h"
#include "EraseFixes.h"
#include "analysis/ContainerMutations.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;

namespace mapguard {
using namespace erase_text;
namespace {

/// How code calls a member of the container: `m.`, or `dic_->` through a pointer or a smart
/// pointer (the path `*dic_`, which spelled `*dic_.erase` would call erase on `dic_`).
std::string receiverOf(const ObjectPath &Container) {
  ArrayRef<ObjectPath::Step> Steps = Container.steps();
  if (!Steps.empty() && Steps.back().isDeref())
    return Container.withoutLastStep().spelling() + "->";
  return Container.spelling() + ".";
}
std::string eraseCallOn(const ObjectPath &Container) { return receiverOf(Container) + "erase"; }
/// Whether \p Key is the key of the element \p Iter points to: `Iter->first`, `(*Iter).first`.
bool isKeyOfElementAt(const Expr *Key, const VarDecl *Iter) {
  const auto *First = dyn_cast<MemberExpr>(Key);
  if (!First || !First->getMemberDecl()->getIdentifier() || First->getMemberDecl()->getName() != "first")
    return false;
  const Expr *Base = First->getBase()->IgnoreParenImpCasts();
  if (const auto *Operator = dyn_cast<CXXOperatorCallExpr>(Base);
      Operator && (Operator->getOperator() == OO_Arrow || Operator->getOperator() == OO_Star))
    Base = Operator->getArg(0)->IgnoreParenImpCasts();
  else if (const auto *Deref = dyn_cast<UnaryOperator>(Base); Deref && Deref->getOpcode() == UO_Deref)
    Base = Deref->getSubExpr()->IgnoreParenImpCasts();
  const auto *Ref = dyn_cast<DeclRefExpr>(Base);
  return Ref && Ref->getDecl() == Iter;
}
/// Whether \p Key is the key of the element the loop's iterator points to: `it->first`, `*it` in
/// a set, or a local of the loop's body initialised from one and never changed (`const auto &key
/// = it->first;`).
bool isCurrentKey(const Expr *Key, const IteratorLoop &Loop, bool IsSet) {
  if (isKeyOfIterator(Key, Loop.Iter, IsSet))
    return true;
  const auto *Ref = dyn_cast<DeclRefExpr>(ignoringImplicit(Key));
  const auto *Local = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  return Local && Local->getInit() && declStmtOf(Loop.Body, Local) &&
         isKeyOfIterator(Local->getInit(), Loop.Iter, IsSet) && !modifiesVariable(Loop.Body, Local);
}
} // namespace

void EraseDuringIterationCheck::checkIteratorErase(const CallExpr *Erase, const VarDecl *Iter, const FunctionDecl *Fn,
                                                   ASTContext &Ctx) {
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
  if (Receiver.empty())
    Receiver = Container ? receiverOf(*Container) : "container.";
  std::string It = Iter->getNameAsString();
  if (const Stmt *Reassignment = parentIgnoringImplicit(Cfg->parents(), Erase); assignsTo(Reassignment, Iter)) {
    checkDoubleAdvance(cast<Expr>(Reassignment), Iter, Receiver, Fn, *Cfg, Ctx); // it = C.erase(it)
    return;
  }
  // A use on every path after the erase (the loop's own `++it` or `it != end()`) is a definite
  // one, a rule of its own; a use on some path only is the wider erase-then-use.
  bool EveryPathRule = Rules.enabled("erase-then-use-on-every-path");
  if (!EveryPathRule && !Rules.enabled("erase-then-use"))
    return;
  const Stmt *FirstUse = firstUseAfter(*Cfg, Erase, Iter);
  if (!FirstUse)
    return;
  bool OnEveryPath = EveryPathRule && usedOnEveryPathAfter(*Cfg, Erase, Iter);
  if (!OnEveryPath && !Rules.enabled("erase-then-use"))
    return;
  std::string SafeForm =
      Erase->getType()->isVoidType() ? Receiver + "erase(" + It + "++)" : It + " = " + Receiver + "erase(" + It + ")";
  {
    auto Diag = diag(Erase->getExprLoc(),
                     "'%0' is used after '%1erase(%0)' invalidated it%select{|, on every path from the erase}3; "
                     "write '%2' and advance only when nothing was erased")
                << It << Receiver << SafeForm << OnEveryPath << Erase->getSourceRange();
    const auto *Member = dyn_cast<CXXMemberCallExpr>(Erase);
    if (auto Fixes = Fn->isTemplateInstantiation() || Fn->isTemplated() || !Member
                         ? std::nullopt
                         : iteratorLoopEraseFix(Member, Iter, FirstUse, Cfg->parents(), Ctx))
      for (const FixItHint &Fix : *Fixes)
        Diag << Fix;
  }
  diag(FirstUse->getBeginLoc(), "'%0' is used here after the erase", DiagnosticIDs::Note) << It;
}

void EraseDuringIterationCheck::checkDoubleAdvance(const Expr *Reassignment, const VarDecl *Iter, StringRef Receiver,
                                                   const FunctionDecl *Fn, const FunctionCfg &Cfg, ASTContext &Ctx) {
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
  // Erasing the current element by its own key (`m.erase(it->first)`, `s.erase(*it)`) invalidates
  // `it` as `m.erase(it)` does: when every path then uses `it`, the certain rule reports it.
  bool ChangeRule = Rules.enabled("iterator-loop-change");
  bool EveryPathRule = Rules.enabled("erase-then-use-on-every-path");
  if (!ChangeRule && !EveryPathRule)
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
    bool InvalidatesAll =
        (Op.Kind == ContainerOpKind::Erase && Op.OpName == "clear") || Op.Kind == ContainerOpKind::Replace ||
        ((Op.Kind == ContainerOpKind::Insert || Op.Kind == ContainerOpKind::Rehash) && Traits->InsertInvalidates);
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
    const auto *Erase = dyn_cast<CXXMemberCallExpr>(Op.OpCall);
    bool IsSet = StringRef(Traits->Name).ends_with("set");
    bool OwnKey = ByKey && !Op.Callee && Erase && Erase->getNumArgs() == 1 &&
                  Traits->Shape == ContainerShape::Associative && isCurrentKey(Erase->getArg(0), Loop, IsSet);
    bool OnEveryPath = EveryPathRule && OwnKey && usedOnEveryPathAfter(*Cfg, Op.SiteCall, Loop.Iter);
    if (!OnEveryPath && !ChangeRule)
      continue;
    ReportedSites.insert(Op.SiteCall);
    std::string Subject = changeSubject(Op, Name);
    {
      StringRef Message = !ByKey ? "%0 inside a loop over '%2' with '%1' invalidates '%1', which the loop uses "
                                   "next; collect the changes and apply them after the loop"
                          : Loop.JavaStyle
                              ? "%0 erases the element '%1' points to while a loop over '%2' uses "
                                "'%1'; '%1' is dangling when the loop uses it next%select{|, on every path "
                                "from the erase}4: remove it through the iterator, '%1.remove()'"
                              : "%0 erases the element '%1' points to while a loop over '%2' uses "
                                "'%1'; '%1' is dangling when the loop uses it next%select{|, on every "
                                "path from the erase}4: write '%1 = %3(%1)' and advance only when "
                                "nothing was erased";
      auto Diag = diag(Op.SiteCall->getExprLoc(), Message)
                  << Subject << It << Name << eraseCallOn(*Container) << OnEveryPath << Op.SiteCall->getSourceRange();
      if (OwnKey && Traits->UniqueKeys && Op.OpName == "erase" && Traits->Library == ContainerLibrary::Std &&
          !Fn->isTemplateInstantiation() && !Fn->isTemplated() && isKeyOfIterator(Erase->getArg(0), Loop.Iter, IsSet))
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

void EraseDuringIterationCheck::checkHeldIterator(const VarDecl *Var, const FunctionDecl *Fn, ASTContext &Ctx) {
  // `auto it = m.find(k); m[other] = v; use(it->second);` on a hash container: the insert may
  // rehash and invalidate every iterator.
  // Cheap tests first: this runs for every local variable of the unit.
  if (!Rules.enabled("held-iterator-insert") || !Var->hasLocalStorage() || isa<ParmVarDecl>(Var) || !Var->getInit() ||
      Var->getType()->isReferenceType())
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
  bool Lookup = Name == "find" || Name == "begin" || Name == "cbegin" || Name == "lower_bound" || Name == "upper_bound";
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
  if (const auto *For = dyn_cast_or_null<ForStmt>(Cfg->parents().getParent(Declaration));
      For && For->getInit() == Declaration)
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
          ReportedSites.contains(Site) ||
          subscriptsPresentKey(Op, Resolver, [&](const Expr *Key) { return isKeyOfElementAt(Key, Var); }))
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
