// GuardInference: the driver (rounds of the collector until the helper entry locks are stable, then
// the sharing phases) and the inference itself, a guard per container from the locks held at
// its accesses. The collector, the entry locks and the phases are in GuardInference*.cpp.
#include "analysis/GuardInference.h"
#include "analysis/GuardInferenceDetail.h"

#include "analysis/LifecyclePhases.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

using namespace clang;

namespace mapguard {
using namespace guard_inference;

namespace guard_inference {
bool mayBeSharedObject(const ValueDecl *D) {
  if (!D || D->getType().isConstQualified() || (D->getType()->isReferenceType() && !isa<FieldDecl>(D)))
    return false;
  if (const auto *Var = dyn_cast<VarDecl>(D))
    if (!Var->hasGlobalStorage() || Var->getTLSKind() != VarDecl::TLS_None || Var->isConstexpr())
      return false;
  return isa<FieldDecl, VarDecl>(D);
}

bool isSharedContainerDecl(const ValueDecl *D, const ContainerModel &Model) {
  return mayBeSharedObject(D) && (Model.classify(D->getType()).has_value() || Model.isOwnContainer(D->getType()));
}

bool isGlobalVariable(const ValueDecl *D) {
  const auto *Var = dyn_cast_or_null<VarDecl>(D);
  return Var && Var->hasGlobalStorage();
}
} // namespace guard_inference

GuardInference::GuardInference(const ContainerModel &Containers, const LockModel &Locks,
                               const DeferringCallees &Deferring, unsigned MaxHelperDepth)
    : Containers(Containers), Locks(Locks), Deferring(Deferring), MaxHelperDepth(MaxHelperDepth) {}

void GuardInference::addFunction(const FunctionDecl *Fn) { Functions.push_back(Fn); }

void GuardInference::clear() {
  Functions.clear();
  Cfgs.clear();
  Accesses.clear();
  OtherAccesses.clear();
  Kinds.clear();
  UnsharedLocals.clear();
  ScopesWithReaderWriterMutex.clear();
  Aliases.clear();
  AliasUses.clear();
  Releases.clear();
  ConditionalLocks.clear();
  Guards.clear();
  LockingFunctions.clear();
  CalledWithLocks.clear();
  MutexesAtCalls.clear();
  CallSiteLocks.clear();
  InferredEntry.clear();
  EscapingHelpers.clear();
  CalledFromCallables.clear();
  DeferredEntries.clear();
  CallSites.clear();
  Phases.reset();
}

/// Whether a function can matter: it names a shared container or calls a helper whose entry
/// locks its call sites decide. Others are not given a CFG.
bool GuardInference::isRelevant(const FunctionDecl *Fn) {
  // A constructor's member initializers are its code too (`worker_([this] { run(); })`).
  if (const auto *Constructor = dyn_cast<CXXConstructorDecl>(Fn))
    for (const CXXCtorInitializer *Init : Constructor->inits())
      if (Init->isWritten() && Init->getInit() && mentionsSharedState(Init->getInit()))
        return true;
  return mentionsSharedState(Fn->getBody());
}

bool GuardInference::mentionsSharedState(const Stmt *Code) {
  return anyNodeUnder<Expr>(Code, [&](const Expr *E) {
    if (const auto *Member = dyn_cast<MemberExpr>(E))
      return sharedKind(Member->getMemberDecl()) != SharedKind::None;
    // `&C::run` may hand a member function to a thread or executor.
    if (const auto *Ref = dyn_cast<DeclRefExpr>(E))
      return isa<CXXMethodDecl>(Ref->getDecl()) || sharedKind(Ref->getDecl()) != SharedKind::None;
    if (const auto *Call = dyn_cast<CallExpr>(E)) {
      const FunctionDecl *Callee = Call->getDirectCallee();
      return Callee && Callee->isDefined() &&
             (isHelperCandidate(Callee->getCanonicalDecl()) || staticReturnedBy(Callee)); // `cache()[k]`
    }
    return false;
  });
}

void GuardInference::analyse(ASTContext &Ctx) {
  llvm::erase_if(Functions, [&](const FunctionDecl *Fn) { return !isRelevant(Fn); });
  ObjectPathResolver Resolver(Ctx);
  for (unsigned Round = 0;; ++Round) {
    Accesses.clear();
    OtherAccesses.clear();
    AliasUses.clear();
    Releases.clear();
    ConditionalLocks.clear();
    CallSiteLocks.clear();
    EscapingHelpers.clear();
    CalledFromCallables.clear();
    DeferredEntries.clear();
    CallSites.clear();
    LockingFunctions.clear();
    CalledWithLocks.clear();
    MutexesAtCalls.clear();
    for (const FunctionDecl *Fn : Functions)
      analyseFunction(Fn, Fn, entryOf(Fn, Resolver), CallableContext(), Ctx, 0);
    // Helpers called only with a lock held start with it; a second round sees their accesses so.
    bool Stable = !updateInferredEntries(Round == MaxHelperDepth);
    if (Stable || Round == MaxHelperDepth)
      break;
  }
  markDeferredEntries();
  markContractHelpers();
  markLifecyclePhases(Ctx);
  markReadsAfterOneTimeInit(Ctx);
  inferGuards(Ctx);
}

bool GuardInference::isUnsharedLocal(const ValueDecl *Root) {
  const auto *Var = dyn_cast_or_null<VarDecl>(Root);
  if (!Var || !Var->hasLocalStorage() || Var->getType()->isReferenceType() || Var->getType()->isPointerType() ||
      isa<ParmVarDecl>(Var))
    return false;
  auto [It, Inserted] = UnsharedLocals.try_emplace(Var, false);
  if (!Inserted)
    return It->second;
  const auto *Fn = dyn_cast_or_null<FunctionDecl>(Var->getParentFunctionOrMethod());
  bool Escapes = !Fn || !Fn->getBody();
  if (!Escapes) {
    ParentMap Parents(Fn->getBody());
    for (const DeclRefExpr *Ref : referencesTo(Fn->getBody(), Var)) {
      if (Ref->refersToEnclosingVariableOrCapture()) { // used in a lambda: shared with its callers
        Escapes = true;
        break;
      }
      // (Not parentIgnoringImplicit: it skips the copy constructor this asks about.)
      const Stmt *Parent = Parents.getParentIgnoreParenImpCasts(const_cast<DeclRefExpr *>(Ref));
      if (const auto *Member = dyn_cast_or_null<MemberExpr>(Parent); Member && isa<FieldDecl>(Member->getMemberDecl()))
        continue; // `obj.map_`: judged as an access of its own
      // Passed by const reference (a copy's source) or by value: the object itself stays here.
      if (const auto *Construct = dyn_cast_or_null<CXXConstructExpr>(Parent);
          Construct && Construct->getConstructor()->isCopyOrMoveConstructor() &&
          Construct->getConstructor()->getParamDecl(0)->getType().getNonReferenceType().isConstQualified())
        continue;
      Escapes = true; // address taken, bound to a reference, passed, a member function called
      break;
    }
  }
  UnsharedLocals[Var] = !Escapes;
  return !Escapes;
}

GuardInference::SharedKind GuardInference::sharedKind(const ValueDecl *D) {
  if (!D || !isa<FieldDecl, VarDecl>(D))
    return SharedKind::None;
  auto [It, Inserted] = Kinds.try_emplace(D, SharedKind::None);
  if (!Inserted)
    return It->second;
  SharedKind Kind = SharedKind::None;
  if (mayBeSharedObject(D)) {
    // A container held by value, or reached through a handle the object holds (a pointer, a
    // smart pointer, a reference member): the same container at every access of that member.
    if (Containers.classify(D->getType()) || Containers.isOwnContainer(D->getType()) ||
        !Containers.containerBehindHandle(D->getType()).isNull())
      Kind = SharedKind::Modelled;
    else if (Containers.isOtherContainer(D->getType()) && mayBeReaderGuarded(D))
      Kind = SharedKind::Other;
  }
  Kinds[D] = Kind;
  return Kind;
}

/// A reader-writer mutex is declared next to \p D: a member of the same class, or a variable of
/// the same namespace (or, for a static member, class). Only then can a write to a sequence be
/// made under a reader lock; other sequences are not followed (they cost, and no check asks).
bool GuardInference::mayBeReaderGuarded(const ValueDecl *D) {
  if (const auto *Annotation = D->getAttr<GuardedByAttr>())
    if (const ValueDecl *Mutex = declOfExpr(Annotation->getArg()))
      return Locks.isReaderWriterMutex(Mutex->getType(), Mutex);
  const DeclContext *Scope = D->getDeclContext()->getRedeclContext();
  auto [It, Inserted] = ScopesWithReaderWriterMutex.try_emplace(Scope, false);
  if (!Inserted)
    return It->second;
  bool Found = llvm::any_of(Scope->decls(), [&](const Decl *Member) {
    const auto *Value = dyn_cast<ValueDecl>(Member);
    return isa_and_nonnull<FieldDecl, VarDecl>(Value) && Locks.isReaderWriterMutex(Value->getType(), Value);
  });
  ScopesWithReaderWriterMutex[Scope] = Found;
  return Found;
}

const ValueDecl *GuardInference::candidateGuard(const ContainerAccess &Access, const HeldLock &Lock) {
  // A lock of an object that guards its own state is a lock of the member its lock functions
  // lock (`registry->flags_` under a lock of `registry`, whose `Lock()` locks `lock_`), and guards
  // nothing else: a parser that reads the registry it points to under the registry's lock does not
  // guard its own maps with it (gflags' CommandLineFlagParser).
  return candidateGuardNamed(Access, Lock.AlsoNamed ? *Lock.AlsoNamed : Lock.Mutex);
}

const ValueDecl *GuardInference::candidateGuardNamed(const ContainerAccess &Access, const ObjectPath &Held) {
  if (const auto *Field = dyn_cast<FieldDecl>(Access.Container)) {
    // A mutex the object reaches through a pointer member (`std::lock_guard<std::mutex> l(*mu_)`):
    // the member is the guard.
    ObjectPath Mutex = Held;
    if (!Mutex.steps().empty() && Mutex.steps().back().isDeref())
      Mutex = Mutex.withoutLastStep();
    const FieldDecl *MutexField = Mutex.lastField();
    if (MutexField && MutexField->getParent() == Field->getParent() &&
        Mutex.withoutLastStep() == Access.Path.withoutLastStep())
      return MutexField;
    return nullptr;
  }
  // A global mutex, or one a global pointer holds: the leaked mutex that outlives static
  // destruction (`static std::mutex *mu = new std::mutex;`, often returned by a getter).
  ArrayRef<ObjectPath::Step> Steps = Held.steps();
  if ((Steps.empty() || (Steps.size() == 1 && Steps.front().isDeref())) && isGlobalVariable(Held.rootVariable()))
    return Held.rootVariable();
  return nullptr;
}

std::optional<GuardInference::CallerLocks> GuardInference::lockedByCallers(const ContainerAccess &Access) const {
  if (Access.Function != Access.Enclosing || Access.DeferredBy || Access.ScopeExit)
    return std::nullopt;
  CallerLocks Callers;
  for (const HelperCallSite &Site : callSitesOf(Access.Function)) {
    if (!Site.Judged || Site.Caller == Access.Function)
      continue;
    ++Callers.Sites;
    for (const HeldLock &Lock : Site.Held.held())
      if (const ValueDecl *Mutex = candidateGuard(Access, Lock); Mutex && !Access.Held.find(Lock.Mutex)) {
        auto *It = llvm::find_if(Callers.Holding, [&](const auto &Entry) { return Entry.first == Mutex; });
        if (It == Callers.Holding.end())
          Callers.Holding.push_back({Mutex, 1});
        else
          ++It->second;
      }
  }
  // Only where the callers disagree: when all of them hold a lock, it is the helper's entry lock.
  if (Callers.Holding.empty() ||
      llvm::all_of(Callers.Holding, [&](const auto &E) { return E.second == Callers.Sites; }))
    return std::nullopt;
  return Callers;
}

void GuardInference::inferGuards(ASTContext &Ctx) {
  llvm::DenseMap<const ValueDecl *, Tally> Tallies;
  SmallVector<const ValueDecl *, 16> Seen;
  for (const ContainerAccess &Access : llvm::concat<const ContainerAccess>(Accesses, OtherAccesses)) {
    auto [It, Inserted] = Tallies.try_emplace(Access.Container);
    if (Inserted)
      Seen.push_back(Access.Container);
    if (!Access.countsForGuard())
      continue;
    Tally &T = It->second;
    ++T.Counted;
    ++T.CountedIn[Access.Function];
    SmallVector<const ValueDecl *, 2> HeldHere;
    for (const HeldLock &Lock : Access.Held.held()) {
      const ValueDecl *Mutex = candidateGuard(Access, Lock);
      if (!Mutex)
        continue;
      HeldHere.push_back(Mutex);
      ++T.HeldIn[{Mutex, Access.Function}];
      if (T.HeldAt[Mutex]++ == 0)
        T.Order.push_back(Mutex);
      T.Evidence.try_emplace(Mutex, &Access);
    }
    // A helper some of whose callers hold a mutex for it and some do not: its access is made at each
    // call, held where the call holds it (a call without it is call-breaks-consistent-guard's).
    if (std::optional<CallerLocks> Callers = lockedByCallers(Access)) {
      T.Counted += Callers->Sites - 1;
      for (const ValueDecl *Mutex : HeldHere)
        T.HeldAt[Mutex] += Callers->Sites - 1;
      for (const auto &[Mutex, Sites] : Callers->Holding)
        if (!llvm::is_contained(HeldHere, Mutex)) {
          if (T.HeldAt[Mutex] == 0)
            T.Order.push_back(Mutex);
          T.HeldAt[Mutex] += Sites;
        }
    }
    if (Access.Use.Write && !Access.Use.ElementOnly) {
      if (!T.HeldAtEveryWrite)
        T.HeldAtEveryWrite = HeldHere;
      else
        llvm::erase_if(*T.HeldAtEveryWrite, [&](const ValueDecl *M) { return !llvm::is_contained(HeldHere, M); });
    }
  }
  for (const ValueDecl *Container : Seen) {
    Tally &T = Tallies[Container];
    GuardInfo Info;
    auto Elsewhere = addOtherUnits(Container, T, Ctx);
    if (const auto *Annotation = Container->getAttr<GuardedByAttr>()) {
      Info.Mutex = declOfExpr(Annotation->getArg());
      Info.Annotated = Info.Mutex != nullptr;
    }
    if (!Info.Mutex)
      for (const ValueDecl *Mutex : T.Order)
        if (!Info.Mutex || T.HeldAt[Mutex] > T.HeldAt[Info.Mutex])
          Info.Mutex = Mutex;
    if (!Info.Mutex)
      continue;
    // An inferred guard must be held at half of the accesses or more: a mutex held at 1 of 13
    // accesses (RocksDB's lock-by-contract members) says little about the other 12 - unless the
    // functions keep it all but one (the accesses are counted, the protocol is kept by functions).
    if (!Info.Annotated && T.HeldAt.lookup(Info.Mutex) * 2 < T.Counted) {
      const auto *KeptBy =
          llvm::find_if(T.Order, [&](const ValueDecl *Mutex) { return keptByAllButOneFunction(T, Mutex); });
      if (KeptBy == T.Order.end())
        continue;
      Info.Mutex = *KeptBy;
    }
    if (auto It = Elsewhere.find(Info.Mutex); It != Elsewhere.end())
      Info.Elsewhere = It->second;
    Info.HeldAt = T.HeldAt.lookup(Info.Mutex);
    Info.Counted = T.Counted;
    Info.Evidence = T.Evidence.lookup(Info.Mutex);
    // A mutex member held through a pointer or smart pointer: the lock is on what it points to.
    // So is one the accesses hold through a handle of another kind (a getter returning
    // `absl::NoDestructor<absl::Mutex>`'s `get()`: abseil's flag free list), as they name it.
    QualType MutexType = Info.Mutex->getType().getNonReferenceType();
    const CXXRecordDecl *MutexRecord = MutexType->getAsCXXRecordDecl();
    Info.MutexViaHandle = MutexType->isPointerType() ||
                          (MutexRecord && MutexRecord->getIdentifier() &&
                           (MutexRecord->getName() == "unique_ptr" || MutexRecord->getName() == "shared_ptr")) ||
                          (Info.Evidence && llvm::any_of(Info.Evidence->Held.held(), [&](const HeldLock &Lock) {
                             const ObjectPath &Name = Lock.AlsoNamed ? *Lock.AlsoNamed : Lock.Mutex;
                             return candidateGuard(*Info.Evidence, Lock) == Info.Mutex && !Name.steps().empty() &&
                                    Name.steps().back().isDeref();
                           }));
    if (T.HeldAtEveryWrite && llvm::is_contained(*T.HeldAtEveryWrite, Info.Mutex))
      for (const ValueDecl *Other : *T.HeldAtEveryWrite)
        if (Other != Info.Mutex)
          Info.AlsoHeldAtWrites.push_back(Other);
    Guards[Container] = Info;
  }
}

bool GuardInference::keptByAllButOneFunction(const Tally &T, const ValueDecl *Mutex) {
  unsigned Keeping = 0;
  unsigned Breaking = 0;
  for (const auto &[Fn, Counted] : T.CountedIn)
    ++(T.HeldIn.lookup({Mutex, Fn}) == Counted ? Keeping : Breaking);
  return Keeping >= 2 && Breaking <= 1;
}

const GuardInfo *GuardInference::guardOf(const ValueDecl *Container) const {
  auto It = Guards.find(Container);
  return It == Guards.end() ? nullptr : &It->second;
}

std::optional<ObjectPath> GuardInference::guardPath(const ContainerAccess &Access, const GuardInfo &Guard) const {
  if (const auto *Field = dyn_cast<FieldDecl>(Guard.Mutex)) {
    if (!isa<FieldDecl>(Access.Container) || Access.Path.lastField() != Access.Container)
      return std::nullopt;
    ObjectPath Mutex = Access.Path.withoutLastStep().withField(Field);
    return Guard.MutexViaHandle ? Mutex.withDeref() : Mutex;
  }
  ObjectPath Mutex = ObjectPath::variable(Guard.Mutex);
  return Guard.MutexViaHandle ? Mutex.withDeref() : Mutex;
}

bool GuardInference::readHoldsWritersLock(const ContainerAccess &Access, const GuardInfo &Guard) const {
  if (Access.Use.Write || Guard.AlsoHeldAtWrites.empty())
    return false;
  return llvm::any_of(Access.Held.held(), [&](const HeldLock &Lock) {
    return llvm::is_contained(Guard.AlsoHeldAtWrites, candidateGuard(Access, Lock));
  });
}

bool GuardInference::readByLockingWriter(const ContainerAccess &Access, const GuardInfo &Guard) const {
  if (Access.Use.Write)
    return false;
  std::optional<ObjectPath> GuardPath = guardPath(Access, Guard);
  if (!GuardPath)
    return false;
  auto SameCode = [&](const ContainerAccess &Other) {
    return Other.Function == Access.Function && Other.Container == Access.Container && Other.Path == Access.Path &&
           Other.Held.find(*GuardPath);
  };
  // The single writer: no other function writes the container. Code that reads again under the
  // lock expects other writers (double-checked locking): not the owner thread.
  auto WrittenElsewhere = [&](const ContainerAccess &Other) {
    return Other.Container == Access.Container && Other.Use.Write && Other.Function != Access.Function;
  };
  return llvm::any_of(Accesses,
                      [&](const ContainerAccess &Other) {
                        return SameCode(Other) && Other.Use.Write && !Other.Use.ElementOnly;
                      }) &&
         llvm::none_of(Accesses, [&](const ContainerAccess &Other) { return SameCode(Other) && !Other.Use.Write; }) &&
         llvm::none_of(Accesses, WrittenElsewhere);
}

const ContainerAliases *GuardInference::aliasesOf(const FunctionDecl *Fn) const {
  auto It = Aliases.find(Fn);
  return It == Aliases.end() || It->second->empty() ? nullptr : It->second.get();
}

ArrayRef<LockRelease> GuardInference::releasesIn(const FunctionDecl *Fn) const {
  auto It = Releases.find(Fn);
  return It == Releases.end() ? ArrayRef<LockRelease>() : ArrayRef<LockRelease>(It->second);
}

bool GuardInference::locksOnSomePaths(const FunctionDecl *Fn, const ObjectPath &Mutex) const {
  auto It = ConditionalLocks.find(Fn);
  return It != ConditionalLocks.end() && llvm::is_contained(It->second, Mutex);
}

bool GuardInference::startsRepeatedly(const Deferral &Start, const FunctionDecl *In, ASTContext &Ctx) {
  const FunctionCfg *Cfg = Cfgs.get(In, Ctx);
  return Cfg && Cfg->mayRunAgain(Start.Call);
}

} // namespace mapguard
