// GuardInference's sharing phases: when an access runs relative to the threads that share its
// container. In a function handed over by name (it runs where it was handed over), while the
// object's threads do not run (before they start, after they are joined), or after a one-time
// initialisation under a lock. Accesses so marked are not counted or judged.
#include "analysis/GuardInference.h"
#include "analysis/GuardInferenceDetail.h"

#include "analysis/LifecyclePhases.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard {
using namespace guard_inference;

void GuardInference::markDeferredEntries() {
  for (ContainerAccess &Access : llvm::concat<ContainerAccess>(Accesses, OtherAccesses)) {
    if (Access.DeferredBy || Access.ScopeExit)
      continue;
    auto It = DeferredEntries.find(canonical(Access.Enclosing));
    if (It != DeferredEntries.end()) {
      Access.DeferredBy = It->second.DeferredBy;
      Access.Callable = It->second.Callable;
      Access.ScheduledUnder = It->second.ScheduledUnder;
      Access.BeforeOrAfterSharing = false;
    }
  }
}

namespace {
/// Whether the thread started by \p Start is kept in a member of the object (`worker_ =
/// std::thread(...)`, `workers_.emplace_back(...)`, `thread_ = new std::thread(...)`,
/// `thread_.reset(new std::thread(...))`): a start/stop life cycle, not a thread per call that
/// earlier calls' threads would race with.
bool keptInMember(const Expr *Start, ASTContext &Ctx) {
  auto IsMemberOfThis = [](const Expr *E) {
    const auto *Member = dyn_cast_or_null<MemberExpr>(E ? E->IgnoreParenImpCasts() : nullptr);
    return Member && isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts());
  };
  DynTypedNode Node = DynTypedNode::create(*Start);
  for (unsigned Depth = 0; Depth < 6; ++Depth) {
    if (const auto *Call = Node.get<CXXMemberCallExpr>())
      return IsMemberOfThis(Call->getImplicitObjectArgument());
    if (const auto *Operator = Node.get<CXXOperatorCallExpr>())
      return Operator->getOperator() == OO_Equal && IsMemberOfThis(Operator->getArg(0));
    if (const auto *Assign = Node.get<BinaryOperator>())
      return Assign->getOpcode() == BO_Assign && IsMemberOfThis(Assign->getLHS());
    auto Parents = Ctx.getParents(Node);
    if (Parents.size() != 1 || !Parents[0].get<Expr>())
      return false;
    Node = Parents[0];
  }
  return false;
}
} // namespace

void GuardInference::markLifecyclePhases(ASTContext &Ctx) {
  Phases = std::make_unique<LifecyclePhases>(Cfgs, Ctx);
  // The threads started and kept in members (a start/stop life cycle, not a thread per call).
  auto AddStart = [&](const std::optional<Deferral> &By) {
    if (By && By->NewThread && keptInMember(By->Call, Ctx))
      Phases->addStart(By->Call);
  };
  for (const ContainerAccess &Access : llvm::concat<const ContainerAccess>(Accesses, OtherAccesses))
    AddStart(Access.DeferredBy);
  for (const auto &Entry : DeferredEntries)
    AddStart(Entry.second.DeferredBy);
  for (const auto &[Callee, Sites] : CallSites)
    if (!calledElsewhere(Callee))
      for (const HelperCallSite &Site : Sites)
        Phases->addCallSite(Callee, Site.Caller, Site.Call);
  Phases->compute(MaxHelperDepth);
  for (ContainerAccess &Access : llvm::concat<ContainerAccess>(Accesses, OtherAccesses))
    if (!Access.DeferredBy && !Access.ScopeExit && Access.Function == Access.Enclosing &&
        !Access.BeforeOrAfterSharing &&
        !((isConstructionOrDestruction(Access.Function) || Phases->onlyTheObjectUnshared(Access.Function)) &&
          !insideTheObject(Access.Path, Access.Function)) &&
        Phases->outsideSharing(Access.Function, Access.Ref))
      Access.BeforeOrAfterSharing = true;
}

bool GuardInference::outsideSharing(const FunctionDecl *Fn, const Stmt *S) {
  return Phases && Phases->outsideSharing(Fn, S);
}

namespace {
/// Whether \p Write runs only in a branch of an `if` whose condition holds \p Test, a call of
/// `empty()` or `size()` on the container.
bool decidedByEmptiness(const ContainerAccess &Write, const ContainerAccess &Test, const ParentMap &Parents) {
  if (Test.Use.What != "empty" && Test.Use.What != "size")
    return false;
  const Stmt *Child = Write.Use.Site;
  for (const Stmt *Parent = Parents.getParent(Child); Parent; Child = Parent, Parent = Parents.getParent(Parent))
    if (const auto *If = dyn_cast<IfStmt>(Parent); If && Child != If->getCond())
      for (const Stmt *S = Test.Ref; S; S = Parents.getParent(S))
        if (S == If->getCond())
          return true;
  return false;
}
} // namespace

void GuardInference::markReadsAfterOneTimeInit(ASTContext &Ctx) {
  llvm::MapVector<const ValueDecl *, SmallVector<ContainerAccess *, 4>> ByContainer;
  for (ContainerAccess &Access : llvm::concat<ContainerAccess>(Accesses, OtherAccesses))
    if (!Access.BeforeOrAfterSharing && !Access.OptedOut)
      ByContainer[Access.Container].push_back(&Access);
  for (auto &[Container, List] : ByContainer) {
    const FunctionDecl *Fn = nullptr;
    const FunctionCfg *Cfg = nullptr;
    SmallVector<CFGPoint, 2> Tests;
    bool OneTime = true;
    for (const ContainerAccess *Write : List) {
      if (!Write->Use.Write)
        continue;
      if ((Fn && Write->Function != Fn) || Write->Held.empty() || Write->DeferredBy || Write->ScopeExit) {
        OneTime = false;
        break;
      }
      Fn = Write->Function;
      Cfg = Cfg ? Cfg : Cfgs.get(Fn, Ctx);
      if (!Cfg) {
        OneTime = false;
        break;
      }
      const ContainerAccess *const *Test = llvm::find_if(List, [&](const ContainerAccess *Read) {
        return Read->Function == Fn && !Read->Held.empty() && decidedByEmptiness(*Write, *Read, Cfg->parents());
      });
      if (Test == List.end()) {
        OneTime = false;
        break;
      }
      Tests.push_back(Cfg->pointOf((*Test)->Ref));
    }
    if (!OneTime || !Fn || !Cfg)
      continue;
    CFGPoint Entry{&Cfg->cfg().getEntry(), 0};
    for (ContainerAccess *Read : List)
      if (!Read->Use.Write && Read->Function == Fn && Read->Held.empty() && !Read->DeferredBy && !Read->ScopeExit)
        if (CFGPoint At = Cfg->pointOf(Read->Ref); At.valid() && !Cfg->reaches(Entry, At, Tests))
          Read->BeforeOrAfterSharing = true;
  }
}

} // namespace mapguard
