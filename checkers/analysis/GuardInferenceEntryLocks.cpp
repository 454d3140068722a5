// GuardInference's helper entry locks: which functions may run with their callers' locks held
// (private and internal helpers, those whose name or lock parameter says so), and the locks each
// starts with: annotated ones, and the meet of the locks held at its call sites, rebased to the
// callee's own names, found again each round until nothing changes.
#include "analysis/GuardInference.h"
#include "analysis/GuardInferenceDetail.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard {
using namespace guard_inference;

bool GuardInference::isHelperCandidate(const FunctionDecl *Fn) const {
  // A member function called only with a lock held in this unit runs with it: private helpers,
  // and protected or public ones (`virtual void add_server_locked()` called under the lock by
  // the class's own public functions). Its other callers, if any, are in the same class's code.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn))
    return !isa<CXXConstructorDecl, CXXDestructorDecl>(Method) && !Method->getParent()->isLambda();
  return (!Fn->isExternallyVisible() && !Fn->isMain()) || expectsLockHeld(Fn);
}

bool GuardInference::calledWithLockThatMayBe(const FunctionDecl *Fn, const ValueDecl *Mutex) const {
  auto It = MutexesAtCalls.find(Fn->getCanonicalDecl());
  return It != MutexesAtCalls.end() &&
         (It->second.contains(nullptr) || It->second.contains(cast<ValueDecl>(Mutex->getCanonicalDecl())));
}

bool GuardInference::runsOnlyWithin(const FunctionDecl *Fn, const FunctionDecl *Within, unsigned Depth) const {
  if (canonical(Fn) == canonical(Within))
    return true;
  if (Depth >= MaxHelperDepth || DeferredEntries.contains(canonical(Fn)) || calledElsewhere(Fn))
    return false;
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn)) {
    if (Method->getAccess() == AS_public || Method->getParent()->isLambda())
      return false;
  } else if (Fn->isExternallyVisible()) {
    return false;
  }
  auto Sites = CallSites.find(canonical(Fn));
  return Sites != CallSites.end() && !Sites->second.empty() &&
         llvm::all_of(Sites->second,
                      [&](const HelperCallSite &Site) { return runsOnlyWithin(Site.Caller, Within, Depth + 1); });
}

bool GuardInference::expectsLockHeld(const FunctionDecl *Fn) const {
  if (Fn->getIdentifier()) {
    StringRef Name = Fn->getName();
    bool Query = Name.starts_with("is") || Name.starts_with("Is"); // isLocked(), is_locked()
    if (!Query && ((Name.size() > 6 && Name.ends_with("Locked")) || Name.ends_with_insensitive("_locked") ||
                   Name.ends_with("NoLock") || Name.ends_with_insensitive("_nolock") || Name.ends_with("WithLock") ||
                   Name.ends_with_insensitive("_with_lock") || Name.ends_with("UnderLock") ||
                   Name.ends_with_insensitive("_under_lock")))
      return true;
  }
  return llvm::any_of(Fn->parameters(), [&](const ParmVarDecl *Param) {
    return Locks.guardKind(Param->getType().getNonReferenceType()).has_value();
  });
}

LockSet GuardInference::entryOf(const FunctionDecl *Fn, ObjectPathResolver &Resolver) const {
  LockStateAnalysis Annotations(Locks, Resolver);
  LockSet Entry = Annotations.annotatedEntry(Fn);
  auto Inferred = InferredEntry.find(canonical(Fn));
  if (Inferred != InferredEntry.end())
    for (const HeldLock &Lock : Inferred->second.held())
      if (!Entry.find(Lock.Mutex))
        Entry.acquire(Lock);
  return Entry;
}

SmallVector<const FunctionDecl *, 2> GuardInference::callersOf(const FunctionDecl *Fn) const {
  SmallVector<const FunctionDecl *, 2> Callers;
  if (auto Sites = CallSites.find(canonical(Fn)); Sites != CallSites.end())
    for (const HelperCallSite &Site : Sites->second)
      if (!llvm::is_contained(Callers, Site.Caller))
        Callers.push_back(Site.Caller);
  return Callers;
}

ArrayRef<HelperCallSite> GuardInference::callSitesOf(const FunctionDecl *Fn) const {
  auto Sites = CallSites.find(canonical(Fn));
  return Sites == CallSites.end() ? ArrayRef<HelperCallSite>() : ArrayRef<HelperCallSite>(Sites->second);
}

bool GuardInference::heldByCallersOtherThan(const ContainerAccess &Access, const ObjectPath &Mutex,
                                            const FunctionDecl *Caller) const {
  if (Access.Function != Access.Enclosing || Access.DeferredBy || Access.ScopeExit)
    return false;
  bool Any = false;
  for (const HelperCallSite &Site : callSitesOf(Access.Function)) {
    if (!Site.Judged || Site.Caller == Caller || Site.Caller == Access.Function)
      continue;
    if (!Site.Held.find(Mutex))
      return false;
    Any = true;
  }
  return Any;
}

bool GuardInference::heldByContract(const FunctionDecl *Fn) const {
  return (expectsLockHeld(Fn) && !InferredEntry.count(canonical(Fn)) && !Fn->hasAttr<RequiresCapabilityAttr>()) ||
         calledOnlyUnderContract(Fn, 0);
}

const LockSet *GuardInference::inferredEntry(const FunctionDecl *Fn) const {
  auto It = InferredEntry.find(canonical(Fn));
  return It == InferredEntry.end() || It->second.empty() ? nullptr : &It->second;
}

LockSet guard_inference::rebaseToCallee(const CallExpr *Call, const FunctionDecl *Callee, const LockSet &Held,
                                        ObjectPathResolver &Resolver) {
  SmallVector<std::pair<ObjectPath, ObjectPath>, 4> Roots;
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call))
    if (auto Object = Resolver.objectOfCall(Member))
      Roots.emplace_back(*Object, ObjectPath::thisObject());
  for (unsigned I = 0; I < Call->getNumArgs() && I < Callee->getNumParams(); ++I) {
    const ParmVarDecl *Param = Callee->getParamDecl(I);
    QualType T = Param->getType();
    if (T->isReferenceType()) {
      if (auto Arg = Resolver.objectOf(Call->getArg(I)))
        Roots.emplace_back(*Arg, ObjectPath::variable(Param));
    } else if (T->isPointerType()) {
      if (auto Arg = Resolver.pointeeOf(Call->getArg(I)))
        Roots.emplace_back(*Arg, ObjectPath::variable(Param).withDeref());
    }
  }
  LockSet Rebased;
  for (const HeldLock &Lock : Held.held()) {
    if (!Lock.Mutex.isRootedAtThis() && isGlobalVariable(Lock.Mutex.rootVariable())) {
      Rebased.acquire({Lock.Mutex, Lock.Kind, nullptr, nullptr, Lock.AlsoNamed});
      continue;
    }
    for (const auto &[From, To] : Roots)
      if (Lock.Mutex.hasPrefix(From)) {
        std::optional<ObjectPath> AlsoNamed = Lock.AlsoNamed;
        if (AlsoNamed && AlsoNamed->hasPrefix(From))
          AlsoNamed = AlsoNamed->rebased(To, From.steps().size());
        else
          AlsoNamed.reset();
        Rebased.acquire({Lock.Mutex.rebased(To, From.steps().size()), Lock.Kind, nullptr, nullptr, AlsoNamed});
      }
  }
  return Rebased;
}

bool GuardInference::updateInferredEntries(bool LastRound) {
  // The locks each helper starts with: the meet of its call sites' (a helper that escapes, named
  // other than as a callee, may be called from anywhere).
  llvm::DenseMap<const FunctionDecl *, LockSet> Next;
  for (const auto &[Helper, AtCalls] : CallSiteLocks)
    if (!AtCalls.empty() && !EscapingHelpers.contains(Helper))
      Next[Helper] = AtCalls;
  // An override runs where the function it overrides is called (`this->add_server_locked()` in
  // the base class calls the derived one).
  for (const FunctionDecl *Fn : Functions)
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && !Next.count(canonical(Method)))
      for (const CXXMethodDecl *Overridden : Method->overridden_methods())
        if (auto It = Next.find(canonical(Overridden)); It != Next.end()) {
          LockSet Entry = It->second;
          Next[canonical(Method)] = std::move(Entry);
          break;
        }
  bool Changed = !(Next.size() == InferredEntry.size() && llvm::all_of(Next, [&](const auto &Entry) {
                     auto It = InferredEntry.find(Entry.first);
                     return It != InferredEntry.end() && It->second == Entry.second;
                   }));
  if (Changed && !LastRound)
    InferredEntry = std::move(Next);
  return Changed;
}
bool GuardInference::calledOnlyUnderContract(const FunctionDecl *Fn, unsigned Depth) const {
  if (Depth > MaxHelperDepth || handedOver(Fn) || calledElsewhere(Fn))
    return false;
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  if (Method ? Method->getAccess() == AS_public : Fn->isExternallyVisible())
    return false; // any code may call it
  SmallVector<const FunctionDecl *, 2> Callers = callersOf(Fn);
  return !Callers.empty() && llvm::all_of(Callers, [&](const FunctionDecl *Caller) {
    return (expectsLockHeld(Caller) && !Caller->hasAttr<RequiresCapabilityAttr>() &&
            !InferredEntry.count(canonical(Caller))) ||
           (Caller != Fn && calledOnlyUnderContract(Caller, Depth + 1));
  });
}

void GuardInference::markContractHelpers() {
  llvm::DenseMap<const FunctionDecl *, bool> Known;
  for (std::vector<ContainerAccess> *List : {&Accesses, &OtherAccesses})
    for (ContainerAccess &Access : *List) {
      if (Access.HeldByContract || Access.DeferredBy || Access.ScopeExit || !Access.Enclosing ||
          !Access.Held.held().empty())
        continue;
      auto [It, Inserted] = Known.try_emplace(canonical(Access.Enclosing), false);
      if (Inserted)
        It->second = calledOnlyUnderContract(Access.Enclosing, 0);
      Access.HeldByContract = It->second;
    }
}

} // namespace mapguard
