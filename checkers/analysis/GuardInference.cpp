#include "analysis/GuardInference.h"

#include "analysis/LifecyclePhases.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

using namespace clang;

namespace mapguard {
namespace {
// Lambdas nested in lambdas are followed this deep.
constexpr unsigned MaxLambdaDepth = 4;

/// A container that may be shared between threads: a member, or a variable with static storage
/// that is neither constant nor thread-local. A reference member names a container owned elsewhere.
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

const FunctionDecl *canonical(const FunctionDecl *Fn) { return Fn ? Fn->getCanonicalDecl() : nullptr; }

/// A function its name marks as test-only (RocksDB's `TEST_GetFilesGrabbedForPurge`, Chromium's
/// `*ForTesting`): its unlocked reads are what tests do between operations, not a maintainer's bug.
bool isTestOnly(const FunctionDecl *Fn) {
  if (!Fn->getIdentifier())
    return false;
  StringRef Name = Fn->getName();
  return Name.starts_with("TEST_") || Name.ends_with("ForTesting") || Name.ends_with("ForTest") ||
         Name.ends_with("_for_testing") || Name.ends_with("_for_test");
}
} // namespace

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
  Guards.clear();
  LockingFunctions.clear();
  CalledWithLocks.clear();
  CallSiteLocks.clear();
  InferredEntry.clear();
  EscapingHelpers.clear();
  DeferredEntries.clear();
  CallSites.clear();
}

namespace {
/// Constructors, destructors and copy or move assignment: the object is not shared yet, any
/// more, or is being (re)initialised from another.
bool isConstructionOrDestruction(const FunctionDecl *Fn) {
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  return Method && (isa<CXXConstructorDecl, CXXDestructorDecl>(Method) || Method->isCopyAssignmentOperator() ||
                    Method->isMoveAssignmentOperator());
}

/// Whether \p Path stays inside the object itself (rooted at `*this`, through members held by value
/// or by `std::unique_ptr`) or inside the source of a copy or move (a parameter of the class's own
/// type). A constructor or destructor has those to itself, not the objects its pointer,
/// reference or `shared_ptr` members or its other arguments lead to (an iterator registering
/// itself with its database in its constructor: tkrzw).
bool insideTheObject(const ObjectPath &Path, const FunctionDecl *Fn) {
  if (const auto *Param = dyn_cast_or_null<ParmVarDecl>(Path.rootVariable())) {
    const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
    const CXXRecordDecl *Source = Param->getType()->isReferenceType()
                                      ? Param->getType().getNonReferenceType()->getAsCXXRecordDecl()
                                      : nullptr;
    return Method && Source && Source->getCanonicalDecl() == Method->getParent()->getCanonicalDecl();
  }
  if (!Path.isRootedAtThis())
    return false;
  ArrayRef<ObjectPath::Step> Steps = Path.steps();
  for (size_t I = 0; I + 1 < Steps.size(); ++I) {
    const FieldDecl *Field = Steps[I].Field;
    if (!Field)
      continue;
    QualType T = Field->getType();
    if (T->isReferenceType() || T->isPointerType())
      return false;
    if (const auto *Record = T->getAsCXXRecordDecl(); Record && Record->getIdentifier() &&
                                                      (Record->getName() == "shared_ptr" || Record->getName() == "weak_ptr"))
      return false;
  }
  return true;
}

bool isReturnedWhole(const Expr *Ref, const FunctionDecl *Fn, const ParentMap &Parents) {
  QualType Result = Fn->getReturnType();
  if (!Result->isReferenceType() && !Result->isPointerType())
    return false;
  for (const Stmt *Up = Parents.getParent(Ref); Up; Up = Parents.getParent(Up)) {
    if (isa<ReturnStmt>(Up))
      return true;
    const auto *AddrOf = dyn_cast<UnaryOperator>(Up);
    if (!isa<ImplicitCastExpr, ParenExpr>(Up) && !(AddrOf && AddrOf->getOpcode() == UO_AddrOf))
      return false;
  }
  return false;
}

/// A container passed by reference or pointer to a function whose body, before it names the
/// parameter, declares a scoped guard (SocketProactor's `errorImpl(sock, handlers_, mutex_)` that
/// locks the mutex it is given, a helper that locks a member mutex): the mutexes that guard
/// locks, in the caller's terms.
SmallVector<ObjectPath, 1> locksTakenFirstByCallee(const Expr *Ref, const ParentMap &Parents, const LockModel &Locks,
                                                   ObjectPathResolver &Resolver) {
  const Stmt *Arg = Ref;
  const Stmt *Parent = Parents.getParentIgnoreParenImpCasts(const_cast<Expr *>(Ref));
  if (const auto *AddrOf = dyn_cast_or_null<UnaryOperator>(Parent); AddrOf && AddrOf->getOpcode() == UO_AddrOf) {
    Arg = AddrOf;
    Parent = Parents.getParentIgnoreParenImpCasts(const_cast<UnaryOperator *>(AddrOf));
  }
  const auto *Call = dyn_cast_or_null<CallExpr>(Parent);
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  const FunctionDecl *Def = nullptr;
  if (!Callee || !Callee->hasBody(Def) || !Def || isa<CXXOperatorCallExpr>(Call))
    return {};
  std::optional<unsigned> Index;
  for (unsigned I = 0; I < Call->getNumArgs() && I < Def->getNumParams(); ++I)
    if (Call->getArg(I)->IgnoreParenImpCasts() == Arg)
      Index = I;
  const auto *Body = dyn_cast_or_null<CompoundStmt>(Def->getBody());
  if (!Index || !Body)
    return {};
  const ParmVarDecl *Param = Def->getParamDecl(*Index);
  std::optional<ObjectPath> Object = ObjectPath::thisObject();
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call))
    Object = Resolver.objectOfCall(Member);
  SmallVector<ObjectPath, 1> Mutexes;
  for (const Stmt *S : Body->body()) {
    if (!referencesTo(S, Param).empty())
      break;
    const auto *Decl = dyn_cast<DeclStmt>(S);
    const auto *Var = Decl && Decl->isSingleDecl() ? dyn_cast<VarDecl>(Decl->getSingleDecl()) : nullptr;
    std::optional<LockModel::GuardConstruction> Construction = Var ? Locks.guardConstruction(Var) : std::nullopt;
    if (!Construction || Construction->Start != GuardStart::Locks)
      continue;
    for (const Expr *Operand : Construction->Mutexes) {
      const Expr *Named = Operand->IgnoreParenImpCasts();
      if (const auto *Deref = dyn_cast<UnaryOperator>(Named); Deref && Deref->getOpcode() == UO_Deref)
        Named = Deref->getSubExpr()->IgnoreParenImpCasts();
      const auto *NamedRef = dyn_cast<DeclRefExpr>(Named);
      const auto *MutexParam = NamedRef ? dyn_cast<ParmVarDecl>(NamedRef->getDecl()) : nullptr;
      const auto *Member = dyn_cast<MemberExpr>(Named);
      if (MutexParam && MutexParam->getFunctionScopeIndex() < Call->getNumArgs()) {
        if (auto Path = Resolver.objectOrPointee(Call->getArg(MutexParam->getFunctionScopeIndex())))
          Mutexes.push_back(*Path);
      } else if (Member && Object && isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts())) {
        if (const auto *Field = dyn_cast<FieldDecl>(Member->getMemberDecl()))
          Mutexes.push_back(Object->withField(Field));
      }
    }
  }
  return Mutexes;
}
} // namespace

bool GuardInference::isHelperCandidate(const FunctionDecl *Fn) const {
  // A member function called only with a lock held in this unit runs with it: private helpers,
  // and protected or public ones (`virtual void add_server_locked()` called under the lock by
  // the class's own public functions). Its other callers, if any, are in the same class's code.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn))
    return !isa<CXXConstructorDecl, CXXDestructorDecl>(Method) && !Method->getParent()->isLambda();
  return (!Fn->isExternallyVisible() && !Fn->isMain()) || expectsLockHeld(Fn);
}

bool GuardInference::expectsLockHeld(const FunctionDecl *Fn) const {
  if (Fn->getIdentifier()) {
    StringRef Name = Fn->getName();
    bool Query = Name.starts_with("is") || Name.starts_with("Is"); // isLocked(), is_locked()
    if (!Query && ((Name.size() > 6 && Name.ends_with("Locked")) || Name.ends_with_insensitive("_locked") ||
                   Name.ends_with("NoLock") || Name.ends_with_insensitive("_nolock") ||
                   Name.ends_with("WithLock") || Name.ends_with_insensitive("_with_lock") ||
                   Name.ends_with("UnderLock") || Name.ends_with_insensitive("_under_lock")))
      return true;
  }
  return llvm::any_of(Fn->parameters(), [&](const ParmVarDecl *Param) {
    return Locks.guardKind(Param->getType().getNonReferenceType()).has_value();
  });
}

/// Whether a function can matter: it names a shared container or calls a helper whose entry
/// locks its call sites decide. Others are not given a CFG.
bool GuardInference::isRelevant(const FunctionDecl *Fn) {
  struct Scan : RecursiveASTVisitor<Scan> {
    GuardInference &GI;
    bool Found = false;
    explicit Scan(GuardInference &GI) : GI(GI) {}
    bool shouldVisitLambdaBodies() const { return true; }
    bool VisitMemberExpr(MemberExpr *E) {
      Found |= GI.sharedKind(E->getMemberDecl()) != SharedKind::None;
      return !Found;
    }
    bool VisitDeclRefExpr(DeclRefExpr *E) {
      // `&C::run` may hand a member function to a thread or executor.
      Found |= isa<CXXMethodDecl>(E->getDecl()) || GI.sharedKind(E->getDecl()) != SharedKind::None;
      return !Found;
    }
    bool VisitCallExpr(CallExpr *Call) {
      const FunctionDecl *Callee = Call->getDirectCallee();
      Found |= Callee && Callee->isDefined() && GI.isHelperCandidate(Callee->getCanonicalDecl());
      return !Found;
    }
  } Scanner(*this);
  Scanner.TraverseStmt(Fn->getBody());
  return Scanner.Found;
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

namespace {
/// The locks held at a call, as the callee names them: the object's locks become `this`-rooted,
/// an argument's locks become rooted at the parameter, global mutexes stay as they are.
LockSet rebaseToCallee(const CallExpr *Call, const FunctionDecl *Callee, const LockSet &Held,
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
      Rebased.acquire({Lock.Mutex, Lock.Kind, nullptr, nullptr});
      continue;
    }
    for (const auto &[From, To] : Roots)
      if (Lock.Mutex.hasPrefix(From))
        Rebased.acquire({Lock.Mutex.rebased(To, From.steps().size()), Lock.Kind, nullptr, nullptr});
  }
  return Rebased;
}
} // namespace

class GuardInference::Collector : public LockStateHandler {
public:
  Collector(GuardInference &GI, ObjectPathResolver &Resolver, LockStateAnalysis &Analysis, const FunctionCfg &Cfg,
            const FunctionDecl *Fn, const FunctionDecl *Enclosing, const CallableContext &Context,
            ASTContext &Ctx, unsigned LambdaDepth)
      : GI(GI), Resolver(Resolver), Analysis(Analysis), Cfg(Cfg), Fn(Fn), Enclosing(Enclosing), Context(Context),
        Ctx(Ctx), LambdaDepth(LambdaDepth) {}

  void element(const CFGElement &Element, const LockSet &Before) override {
    if (auto Dtor = Element.getAs<CFGAutomaticObjDtor>()) {
      noteDestruction(Dtor->getVarDecl(), Before);
      return;
    }
    auto Statement = Element.getAs<CFGStmt>();
    if (!Statement)
      return;
    const Stmt *S = Statement->getStmt();
    if (Analysis.acquiresLock(S)) {
      GI.LockingFunctions.insert(Fn);
      GI.LockingFunctions.insert(Enclosing);
    }
    if (const auto *Lambda = dyn_cast<LambdaExpr>(S)) {
      noteLambda(Lambda, Before);
      return;
    }
    if (const auto *Call = dyn_cast<CallExpr>(S)) {
      noteCall(Call, Before);
      return;
    }
    const ValueDecl *Named = nullptr;
    if (const auto *Member = dyn_cast<MemberExpr>(S))
      Named = Member->getMemberDecl();
    else if (const auto *Ref = dyn_cast<DeclRefExpr>(S)) {
      Named = Ref->getDecl();
      if (Aliases && Aliases->isAlias(Named) && !Aliases->isRebinding(Ref))
        GI.AliasUses.push_back({Ref, Fn, Before});
    }
    if (const auto *Function = dyn_cast_or_null<FunctionDecl>(Named))
      noteFunctionReference(cast<Expr>(S), Function, Before);
    else if (GI.sharedKind(Named) != SharedKind::None)
      record(cast<Expr>(S), Named, Before);
  }

  void released(const HeldLock &Lock, CFGPoint At) override {
    GI.Releases[Fn].push_back({Lock, At});
  }

  /// Scope-exit callables run where their object dies, under the locks held there (on every path).
  void finish() {
    for (const PendingScopeExit &Pending : ScopeExits) {
      CallableContext Inner = Context;
      if (!Inner.DeferredBy && !Inner.ScopeExit) {
        Inner.ScopeExit = Pending.Object;
        Inner.Callable = Pending.Lambda;
        Inner.ScheduledUnder = Pending.CreatedUnder;
        Inner.MayHoldAtExit = Pending.MayHold;
      }
      GI.analyseFunction(Pending.Lambda->getCallOperator(), Enclosing,
                         Pending.Destroyed ? *Pending.Destroyed : Pending.CreatedUnder, Inner, Ctx, LambdaDepth + 1);
    }
  }

private:
  struct PendingScopeExit {
    const LambdaExpr *Lambda;
    const VarDecl *Object;
    LockSet CreatedUnder;
    std::optional<LockSet> Destroyed; // the meet over the object's destructions
    SmallVector<ObjectPath, 1> MayHold; // held at some destruction
  };

  void noteLambda(const LambdaExpr *Lambda, const LockSet &Before) {
    if (LambdaDepth >= MaxLambdaDepth)
      return;
    if (const VarDecl *Object = GI.Deferring.scopeExitObjectOf(Lambda, Cfg.parents())) {
      ScopeExits.push_back({Lambda, Object, Before, std::nullopt, {}});
      return;
    }
    // A synchronous lambda runs under the locks held here; a deferred one starts with none.
    std::optional<Deferral> Deferred = GI.Deferring.deferralOf(Lambda, Cfg.parents());
    CallableContext Inner = Context;
    if (Deferred && !Context.DeferredBy)
      Inner = CallableContext{Deferred, nullptr, Lambda, Before, {}};
    GI.analyseFunction(Lambda->getCallOperator(), Enclosing, Deferred ? LockSet() : Before, Inner, Ctx,
                       LambdaDepth + 1);
  }

  void noteDestruction(const VarDecl *Object, const LockSet &Before) {
    for (PendingScopeExit &Pending : ScopeExits)
      if (Pending.Object == Object) {
        Pending.Destroyed = Pending.Destroyed ? LockSet::meet(*Pending.Destroyed, Before) : Before;
        for (const HeldLock &Lock : Before.held())
          if (!llvm::is_contained(Pending.MayHold, Lock.Mutex))
            Pending.MayHold.push_back(Lock.Mutex);
      }
  }

  void record(const Expr *Ref, const ValueDecl *Container, const LockSet &Before) {
    std::optional<ObjectPath> Path = Resolver.objectOf(Ref);
    if (!Path)
      return;
    ContainerAccess Access;
    Access.Container = Container;
    Access.Path = *Path;
    Access.Ref = Ref;
    Access.Use = classifyContainerUse(Ref, Cfg.parents(), GI.Containers);
    Access.Function = Fn;
    Access.Enclosing = Enclosing;
    Access.DeferredBy = Context.DeferredBy;
    Access.ScopeExit = Context.ScopeExit;
    Access.Callable = Context.Callable;
    Access.ScheduledUnder = Context.ScheduledUnder;
    Access.MayHoldAtExit = Context.MayHoldAtExit;
    Access.BeforeOrAfterSharing =
        !Context.DeferredBy && isConstructionOrDestruction(Enclosing) && insideTheObject(*Path, Enclosing);
    Access.OptedOut = Fn->hasAttr<NoThreadSafetyAnalysisAttr>() ||
                      Enclosing->hasAttr<NoThreadSafetyAnalysisAttr>() || isTestOnly(Enclosing) ||
                      isInDebugAssertion(Ref->getExprLoc(), Ctx) || GI.isUnsharedLocal(Path->rootVariable());
    // (An annotated REQUIRES names the mutex: the access is judged with it held.)
    Access.HeldByContract = !Context.DeferredBy && !Context.ScopeExit && GI.expectsLockHeld(Enclosing) &&
                            !GI.InferredEntry.count(canonical(Enclosing)) &&
                            !Enclosing->hasAttr<RequiresCapabilityAttr>();
    Access.ReturnedWhole = isReturnedWhole(Ref, Fn, Cfg.parents());
    Access.Held = Before;
    // Passed to a function that locks before it uses it: the callee's accesses hold those locks.
    for (ObjectPath &Mutex : locksTakenFirstByCallee(Ref, Cfg.parents(), GI.Locks, Resolver))
      if (!Access.Held.find(Mutex))
        Access.Held.acquire({std::move(Mutex), LockKind::Exclusive, nullptr, Access.Use.Site});
    (GI.sharedKind(Container) == SharedKind::Other ? GI.OtherAccesses : GI.Accesses).push_back(std::move(Access));
  }

  void noteCall(const CallExpr *Call, const LockSet &Before) {
    const FunctionDecl *Callee = canonical(Call->getDirectCallee());
    if (Callee && !Before.empty())
      GI.CalledWithLocks.insert(Callee);
    // Where a helper runs in its callers' life cycle (a callable handed over runs at another time).
    if (Callee && Callee->isDefined() && Fn == Enclosing && !Context.DeferredBy && !Context.ScopeExit)
      GI.CallSites[Callee].push_back({Enclosing, Call});
    if (!Callee || !GI.isHelperCandidate(Callee))
      return;
    // A recursive call holds what the function's own entry holds: it must not empty the meet of
    // the calls from outside.
    if (Callee == canonical(Fn) || Callee == canonical(Enclosing))
      return;
    // A constructor or destructor runs when no other thread can use the object: its unlocked call
    // of a helper (`~T() { flushLocked(); }`, ZeroTier's `Network()` calling `_externalConfig`)
    // says nothing about the lock the helper expects.
    if (!Context.DeferredBy && isa<CXXConstructorDecl, CXXDestructorDecl>(Enclosing))
      return;
    LockSet AtCall = rebaseToCallee(Call, Callee, Before, Resolver);
    auto [It, Inserted] = GI.CallSiteLocks.try_emplace(Callee, AtCall);
    if (!Inserted)
      It->second = LockSet::meet(It->second, AtCall);
  }

  /// A function named other than as a callee: handed to a thread or executor, or an unknown caller.
  void noteFunctionReference(const Expr *Ref, const FunctionDecl *Function, const LockSet &Before) {
    const Stmt *Parent = Cfg.parents().getParentIgnoreParenImpCasts(const_cast<Expr *>(Ref));
    if (const auto *Call = dyn_cast_or_null<CallExpr>(Parent); Call && Call->getCallee()->IgnoreParenImpCasts() == Ref)
      return;
    const Expr *Callable = Ref;
    if (const auto *AddrOf = dyn_cast_or_null<UnaryOperator>(Parent); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
      Callable = AddrOf;
    if (auto Deferred = GI.Deferring.deferralOf(Callable, Cfg.parents()))
      GI.DeferredEntries.try_emplace(canonical(Function), CallableContext{Deferred, nullptr, Callable, Before, {}});
    GI.EscapingHelpers.insert(canonical(Function));
  }

  GuardInference &GI;
  ObjectPathResolver &Resolver;
  LockStateAnalysis &Analysis;
  const FunctionCfg &Cfg;
  const FunctionDecl *Fn, *Enclosing;
  const CallableContext &Context;
  ASTContext &Ctx;
  unsigned LambdaDepth;
  SmallVector<PendingScopeExit, 1> ScopeExits;

public:
  const ContainerAliases *Aliases = nullptr; // the function's values pointing into containers, if any
};

void GuardInference::analyseFunction(const FunctionDecl *Fn, const FunctionDecl *Enclosing, const LockSet &Entry,
                                     const CallableContext &Context, ASTContext &Ctx, unsigned LambdaDepth) {
  const FunctionCfg *Cfg = Cfgs.get(Fn, Ctx);
  if (!Cfg)
    return;
  ObjectPathResolver Resolver(Ctx);
  LockStateAnalysis Analysis(Locks, Resolver);
  Collector Handler(*this, Resolver, Analysis, *Cfg, Fn, Enclosing, Context, Ctx, LambdaDepth);
  std::unique_ptr<ContainerAliases> &FnAliases = Aliases[Fn];
  if (!FnAliases)
    FnAliases = std::make_unique<ContainerAliases>(
        Fn, [this](const ValueDecl *D) { return isSharedContainerDecl(D, Containers); });
  Handler.Aliases = FnAliases->empty() ? nullptr : FnAliases.get();
  Analysis.run(*Cfg, Entry, Handler);
  Handler.finish();
}

void GuardInference::analyse(ASTContext &Ctx) {
  llvm::erase_if(Functions, [&](const FunctionDecl *Fn) { return !isRelevant(Fn); });
  ObjectPathResolver Resolver(Ctx);
  for (unsigned Round = 0;; ++Round) {
    Accesses.clear();
    OtherAccesses.clear();
    AliasUses.clear();
    Releases.clear();
    CallSiteLocks.clear();
    EscapingHelpers.clear();
    DeferredEntries.clear();
    CallSites.clear();
    LockingFunctions.clear();
    CalledWithLocks.clear();
    for (const FunctionDecl *Fn : Functions)
      analyseFunction(Fn, Fn, entryOf(Fn, Resolver), CallableContext(), Ctx, 0);
    // Helpers called only with a lock held start with it; a second round sees their accesses so.
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
    bool Stable = Next.size() == InferredEntry.size() && llvm::all_of(Next, [&](const auto &Entry) {
                    auto It = InferredEntry.find(Entry.first);
                    return It != InferredEntry.end() && It->second == Entry.second;
                  });
    if (Stable || Round == MaxHelperDepth)
      break;
    InferredEntry = std::move(Next);
  }
  markDeferredEntries();
  markLifecyclePhases(Ctx);
  markReadsAfterOneTimeInit(Ctx);
  inferGuards();
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
  LifecyclePhases Phases(Cfgs, Ctx);
  // The threads started and kept in members (a start/stop life cycle, not a thread per call).
  auto AddStart = [&](const std::optional<Deferral> &By) {
    if (By && By->NewThread && keptInMember(By->Call, Ctx))
      Phases.addStart(By->Call);
  };
  for (const ContainerAccess &Access : llvm::concat<const ContainerAccess>(Accesses, OtherAccesses))
    AddStart(Access.DeferredBy);
  for (const auto &Entry : DeferredEntries)
    AddStart(Entry.second.DeferredBy);
  for (const auto &[Callee, Sites] : CallSites)
    for (const auto &[Caller, Call] : Sites)
      Phases.addCallSite(Callee, Caller, Call);
  Phases.compute(MaxHelperDepth);
  for (ContainerAccess &Access : llvm::concat<ContainerAccess>(Accesses, OtherAccesses))
    if (!Access.DeferredBy && !Access.ScopeExit && Access.Function == Access.Enclosing &&
        !Access.BeforeOrAfterSharing &&
        !(isConstructionOrDestruction(Access.Function) && !insideTheObject(Access.Path, Access.Function)) &&
        Phases.outsideSharing(Access.Function, Access.Ref))
      Access.BeforeOrAfterSharing = true;
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
      const ContainerAccess *const *Test = Cfg ? llvm::find_if(List, [&](const ContainerAccess *Read) {
        return Read->Function == Fn && !Read->Held.empty() && decidedByEmptiness(*Write, *Read, Cfg->parents());
      }) : List.end();
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

namespace {
/// The mutex a held lock would be as a guard of this access's container: a mutex field of the
/// same class on the same object, or (for a global container) a global or static mutex.
const ValueDecl *candidateGuard(const ContainerAccess &Access, const HeldLock &Lock) {
  if (const auto *Field = dyn_cast<FieldDecl>(Access.Container)) {
    // A mutex the object reaches through a pointer member (`std::lock_guard<std::mutex> l(*mu_)`):
    // the member is the guard.
    ObjectPath Mutex = Lock.Mutex;
    if (!Mutex.steps().empty() && !Mutex.steps().back().Field)
      Mutex = Mutex.withoutLastStep();
    const FieldDecl *MutexField = Mutex.lastField();
    if (MutexField && MutexField->getParent() == Field->getParent() &&
        Mutex.withoutLastStep() == Access.Path.withoutLastStep())
      return MutexField;
    return nullptr;
  }
  if (Lock.Mutex.steps().empty() && isGlobalVariable(Lock.Mutex.rootVariable()))
    return Lock.Mutex.rootVariable();
  return nullptr;
}
} // namespace

void GuardInference::inferGuards() {
  struct Tally {
    llvm::DenseMap<const ValueDecl *, unsigned> HeldAt;
    std::optional<SmallVector<const ValueDecl *, 2>> HeldAtEveryWrite; // candidate guards, in order
    llvm::DenseMap<const ValueDecl *, const ContainerAccess *> Evidence;
    SmallVector<const ValueDecl *, 2> Order; // first seen first: ties go to it
    unsigned Counted = 0;
  };
  llvm::DenseMap<const ValueDecl *, Tally> Tallies;
  SmallVector<const ValueDecl *, 16> Seen;
  for (const ContainerAccess &Access : llvm::concat<const ContainerAccess>(Accesses, OtherAccesses)) {
    auto [It, Inserted] = Tallies.try_emplace(Access.Container);
    if (Inserted)
      Seen.push_back(Access.Container);
    if (Access.BeforeOrAfterSharing || Access.HeldByContract || Access.OptedOut || Access.ReturnedWhole)
      continue;
    Tally &T = It->second;
    ++T.Counted;
    SmallVector<const ValueDecl *, 2> HeldHere;
    for (const HeldLock &Lock : Access.Held.held()) {
      const ValueDecl *Mutex = candidateGuard(Access, Lock);
      if (!Mutex)
        continue;
      HeldHere.push_back(Mutex);
      if (T.HeldAt[Mutex]++ == 0) {
        T.Order.push_back(Mutex);
        T.Evidence[Mutex] = &Access;
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
    Info.HeldAt = T.HeldAt.lookup(Info.Mutex);
    Info.Counted = T.Counted;
    // An inferred guard must be held at half of the accesses or more: a mutex held at 1 of 13
    // accesses (RocksDB's lock-by-contract members) says little about the other 12.
    if (!Info.Annotated && Info.HeldAt * 2 < Info.Counted)
      continue;
    Info.Evidence = T.Evidence.lookup(Info.Mutex);
    // A mutex member held through a pointer or smart pointer: the lock is on what it points to.
    QualType MutexType = Info.Mutex->getType().getNonReferenceType();
    const CXXRecordDecl *MutexRecord = MutexType->getAsCXXRecordDecl();
    Info.MutexViaHandle = MutexType->isPointerType() ||
                          (MutexRecord && MutexRecord->getIdentifier() &&
                           (MutexRecord->getName() == "unique_ptr" || MutexRecord->getName() == "shared_ptr"));
    if (T.HeldAtEveryWrite && llvm::is_contained(*T.HeldAtEveryWrite, Info.Mutex))
      for (const ValueDecl *Other : *T.HeldAtEveryWrite)
        if (Other != Info.Mutex)
          Info.AlsoHeldAtWrites.push_back(Other);
    Guards[Container] = Info;
  }
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
  return ObjectPath::variable(Guard.Mutex);
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
  return llvm::any_of(Accesses, [&](const ContainerAccess &Other) {
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

bool GuardInference::startsRepeatedly(const Deferral &Start, const FunctionDecl *In, ASTContext &Ctx) {
  const FunctionCfg *Cfg = Cfgs.get(In, Ctx);
  return Cfg && Cfg->mayRunAgain(Start.Call);
}

} // namespace mapguard
