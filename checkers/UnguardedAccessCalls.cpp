// unguarded-access's call-breaks-consistent-guard: a call that skips the lock its callee relies on.
// A function that takes no lock of its own and reads or changes a container that every other
// function accesses under one mutex is a helper its callers lock for: when some calls of it hold
// the mutex and one does not, the guard missing is the caller's (a guard deleted around
// `return selectMapper(values);`), and the finding belongs at that call, not in the helper.
#include "UnguardedAccessCheck.h"

#include "utils/AstUtil.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseSet.h"

using namespace clang;

namespace mapguard {
namespace {
constexpr llvm::StringLiteral CallMessage =
    "call to '%0', which %select{reads|changes}1 '%2', without holding '%3', which its other callers hold "
    "and which guards it at every access in the other functions (%4 of %5 accesses%6); lock '%3' here";

/// Whether any thread may run \p Caller and so make the call at the same time as the container's
/// other code: a public member (or an override of one) or an external function, or one the unit
/// calls; not with a lock that may be the guard, not by a contract that its callers hold it.
bool anyThreadMayCall(const FunctionDecl *Caller, const GuardInfo &Guard, const GuardInference &Inference) {
  if (Inference.calledWithLockThatMayBe(Caller, Guard.Mutex) || Inference.heldByContract(Caller))
    return false;
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Caller)) {
    if (Method->isCopyAssignmentOperator() || Method->isMoveAssignmentOperator())
      return false;
    return isPubliclyCallable(Method) || Inference.calledInUnit(Caller);
  }
  return Caller->isExternallyVisible() || Inference.calledInUnit(Caller);
}
} // namespace

void UnguardedAccessCheck::reportCallsSkippingGuard(
    GuardInference &Inference, llvm::DenseSet<const Expr *> &Reported,
    llvm::DenseSet<std::pair<const FunctionDecl *, const ValueDecl *>> &ReportedIn) {
  struct Skipping {
    const HelperCallSite *Site;
    const HelperCallSite *Holding;
    const ContainerAccess *Access;
    const GuardInfo *Guard;
    ObjectPath GuardPath;
  };
  llvm::SmallVector<Skipping, 4> Found;
  for (const ContainerAccess &Access : Inference.accesses()) {
    const FunctionDecl *Helper = Access.Function;
    // (Also a helper whose name or lock parameter says its caller holds the lock, gflags'
    // `FindFlagLocked()`: a call that does not hold it breaks that contract.)
    if (!Access.countsUnlessByContract() || readsOnlySize(Access) || Access.Use.ElementOnly || Access.DeferredBy ||
        Access.ScopeExit || Helper != Access.Enclosing || Access.Use.What == "operator[]")
      continue;
    const GuardInfo *Guard = Inference.guardOf(Access.Container);
    if (!Guard)
      continue;
    std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, *Guard);
    // The helper takes no lock on the container itself: it leaves the lock to its callers.
    if (!GuardPath || !Inference.missesGuard(Access, *Guard, *GuardPath) || Access.Held.released(*GuardPath) ||
        readWhereFunctionLocks(Access, *GuardPath, Inference))
      continue;
    llvm::ArrayRef<HelperCallSite> Sites = Inference.callSitesOf(Helper);
    const HelperCallSite *Holding = nullptr;
    for (const HelperCallSite &Site : Sites)
      if (Site.Judged && Site.Held.find(*GuardPath)) {
        Holding = &Site;
        break;
      }
    if (!Holding)
      continue;
    for (const HelperCallSite &Site : Sites) {
      if (!Site.Judged || Site.Caller == Helper || Site.Held.find(*GuardPath) ||
          !keptByOtherFunctions(Access, *Guard, Inference, Site.Caller))
        continue;
      // (The read side of a two-lock protocol, the single writer's own reads: as at the access.)
      ContainerAccess AtCall = Access;
      AtCall.Held = Site.Held;
      AtCall.Function = AtCall.Enclosing = Site.Caller;
      if (!Inference.missesGuard(AtCall, *Guard, *GuardPath) ||
          (!Access.Use.Write && !mayTakeGuard(Site.Caller, *Guard, Inference.locks())) ||
          !anyThreadMayCall(Site.Caller, *Guard, Inference) || Inference.outsideSharing(Site.Caller, Site.Call))
        continue;
      Found.push_back({&Site, Holding, &Access, Guard, *GuardPath});
    }
  }
  // One per caller and container: a change before a read.
  for (bool Writes : {true, false})
    for (const Skipping &S : Found) {
      if (S.Access->Use.Write != Writes || !ReportedIn.insert({S.Site->Caller, S.Access->Container}).second)
        continue;
      Reported.insert(S.Access->Ref);
      std::string Mutex = S.GuardPath.spelling();
      std::string Callee = S.Access->Function->getNameAsString();
      diag(S.Site->Call->getExprLoc(), CallMessage)
          << Callee << S.Access->Use.Write << S.Access->Path.spelling() << Mutex << S.Guard->HeldAt << S.Guard->Counted
          << heldElsewhereText(*S.Guard) << S.Site->Call->getSourceRange();
      diag(S.Access->Ref->getExprLoc(), "%0 here", DiagnosticIDs::Note) << describe(*S.Access);
      diag(S.Holding->Call->getExprLoc(), "'%0' is called with '%1' held here", DiagnosticIDs::Note) << Callee << Mutex;
    }
}

} // namespace mapguard
