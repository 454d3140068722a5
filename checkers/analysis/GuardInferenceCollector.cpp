// GuardInference's collector: one pass of the lock-state engine over a function (and the lambdas
// and scope-exit callables in it), recording each access of a shared container with the locks
// held, the calls of helpers with the locks held there, and the functions handed over by name.
#include "analysis/GuardInference.h"
#include "analysis/GuardInferenceDetail.h"

#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard {
using namespace guard_inference;

namespace guard_inference {
bool isConstructionOrDestruction(const FunctionDecl *Fn) {
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  return Method && (isa<CXXConstructorDecl, CXXDestructorDecl>(Method) || Method->isCopyAssignmentOperator() ||
                    Method->isMoveAssignmentOperator());
}

namespace {
bool holdsSharedOwnership(QualType T) {
  const auto *Record = T->getAsCXXRecordDecl();
  return Record && Record->getIdentifier() && (Record->getName() == "shared_ptr" || Record->getName() == "weak_ptr");
}

/// Whether \p Value is a handle made for this object alone: `std::make_shared<T>()`, `new T`, an
/// empty one.
bool isFreshHandle(const Expr *Value) {
  Value = ignoringImplicit(Value);
  if (!Value)
    return false;
  if (isa<CXXNewExpr, CXXNullPtrLiteralExpr>(Value))
    return true;
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(Value)) // `std::shared_ptr<T>(new T)`, `{}`
    return Construct->getNumArgs() == 0 || isFreshHandle(Construct->getArg(0));
  const auto *Call = dyn_cast<CallExpr>(Value);
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  return Callee && Callee->getIdentifier() && Callee->isInStdNamespace() &&
         (Callee->getName() == "make_shared" || Callee->getName() == "allocate_shared");
}

/// Whether the class of \p Field ever sets that shared_ptr member from another handle (a clone's
/// `map_ = other.map_`, a constructor's parameter): the object it points to is then shared with
/// other objects, which outlive this one's constructor and run beside its destructor.
bool sharedWithOtherObjects(const FieldDecl *Field) {
  const auto *Class = dyn_cast<CXXRecordDecl>(Field->getParent());
  if (!Class)
    return false;
  for (const CXXMethodDecl *Method : Class->methods()) {
    const FunctionDecl *Definition = nullptr;
    if (!Method->getBody(Definition))
      continue;
    if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Definition))
      for (const CXXCtorInitializer *Init : Ctor->inits())
        if (Init->isWritten() && Init->getMember() == Field && !isFreshHandle(Init->getInit()))
          return true;
    if (assignsMember(Definition->getBody(), Field, [](const Expr *Value) { return !isFreshHandle(Value); }))
      return true;
  }
  return false;
}
} // namespace

bool insideTheObject(const ObjectPath &Path, const FunctionDecl *Fn) {
  if (const auto *Param = dyn_cast_or_null<ParmVarDecl>(Path.rootVariable())) {
    const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
    const CXXRecordDecl *Source =
        Param->getType()->isReferenceType() ? Param->getType().getNonReferenceType()->getAsCXXRecordDecl() : nullptr;
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
    if (holdsSharedOwnership(T))
      return false;
  }
  // The container itself held through a shared_ptr member that another object's handle set.
  const FieldDecl *Last = Steps.empty() ? nullptr : Steps.back().Field;
  return !(Last && holdsSharedOwnership(Last->getType()) && sharedWithOtherObjects(Last));
}
} // namespace guard_inference

namespace {
/// The declaration a held mutex's path names (its last field, or its variable); null when that
/// does not identify the mutex: a reference or pointer variable, `*p`.
const ValueDecl *declaredMutex(const ObjectPath &Mutex) {
  if (!Mutex.steps().empty())
    return Mutex.lastField();
  const ValueDecl *Var = Mutex.rootVariable();
  if (!Var || Var->getType()->isReferenceType() || Var->getType()->isPointerType())
    return nullptr;
  return Var;
}

// Lambdas nested in lambdas are followed this deep.
constexpr unsigned MaxLambdaDepth = 4;

/// A function its name marks as test-only (RocksDB's `TEST_GetFilesGrabbedForPurge`, Chromium's
/// `*ForTesting`): its unlocked reads are what tests do between operations, not a maintainer's bug.
bool isTestOnly(const FunctionDecl *Fn) {
  if (!Fn->getIdentifier())
    return false;
  StringRef Name = Fn->getName();
  return Name.starts_with("TEST_") || Name.ends_with("ForTesting") || Name.ends_with("ForTest") ||
         Name.ends_with("_for_testing") || Name.ends_with("_for_test");
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

class GuardInference::Collector : public LockStateHandler {
public:
  Collector(GuardInference &GI, ObjectPathResolver &Resolver, LockStateAnalysis &Analysis, const FunctionCfg &Cfg,
            const FunctionDecl *Fn, const FunctionDecl *Enclosing, const CallableContext &Context, ASTContext &Ctx,
            unsigned LambdaDepth)
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
      if (auto Returned = containerReturnedBy(Call)) // `room->getGames()`, `cache()`: an access of what it returns
        record(Call, Returned->first, Before, std::move(Returned->second));
      return;
    }
    const ValueDecl *Named = nullptr;
    if (const auto *Member = dyn_cast<MemberExpr>(S))
      Named = Member->getMemberDecl();
    else if (const auto *Ref = dyn_cast<DeclRefExpr>(S)) {
      Named = Ref->getDecl();
      if (Aliases && Aliases->isAlias(Named) && !Aliases->isRebinding(Ref))
        GI.AliasUses.push_back({Ref, Fn, Before});
      if (auto Aliased = containerNamedBy(Ref)) {
        record(Ref, Aliased->first, Before, std::move(Aliased->second));
        return;
      }
    }
    if (const auto *Function = dyn_cast_or_null<FunctionDecl>(Named))
      noteFunctionReference(cast<Expr>(S), Function, Before);
    else if (GI.sharedKind(Named) != SharedKind::None && !bindsLocalName(cast<Expr>(S)))
      record(cast<Expr>(S), Named, Before);
  }

  /// A local reference bound to a whole shared container (`ItemMap &items = shards_[i].items;`,
  /// `auto &m = sessions_;`) is another name for it: each use is an access, made under the locks
  /// held there (muduo's sharded memcached binds the references, then locks, then uses them).
  static const VarDecl *containerReference(const ValueDecl *D) {
    const auto *Var = dyn_cast_or_null<VarDecl>(D);
    return Var && Var->getType()->isLValueReferenceType() && Var->hasLocalStorage() && !isa<ParmVarDecl>(Var) &&
                   !Var->isImplicit() && !Var->isCXXForRangeDecl() && Var->getInit()
               ? Var
               : nullptr;
  }
  std::optional<std::pair<const ValueDecl *, ObjectPath>> containerNamedBy(const DeclRefExpr *Ref) {
    const VarDecl *Var = containerReference(Ref->getDecl());
    std::optional<ObjectPath> Path = Var ? Resolver.objectOf(Ref) : std::nullopt;
    if (!Path)
      return std::nullopt;
    const ValueDecl *Named = Path->steps().empty() ? Path->rootVariable() : Path->lastField();
    if (!Named || Named == Var || GI.sharedKind(Named) == SharedKind::None ||
        Named->getType().getNonReferenceType().getCanonicalType().getUnqualifiedType() !=
            Var->getType().getNonReferenceType().getCanonicalType().getUnqualifiedType())
      return std::nullopt;
    return std::make_pair(Named, std::move(*Path));
  }
  /// Whether \p E is what such a reference is bound to: the binding is no access, its uses are.
  bool bindsLocalName(const Expr *E) {
    const auto *Decl = dyn_cast_or_null<DeclStmt>(parentIgnoringImplicit(Cfg.parents(), E));
    const auto *Var =
        Decl && Decl->isSingleDecl() ? containerReference(dyn_cast<ValueDecl>(Decl->getSingleDecl())) : nullptr;
    return Var && ignoringImplicit(Var->getInit()) == ignoringImplicit(E);
  }

  void released(const HeldLock &Lock, CFGPoint At) override { GI.Releases[Fn].push_back({Lock, At}); }
  // (Not where paths meet at the function's exit: a return that skips an unlock is manual-lock's.)
  void heldOnSomePaths(const HeldLock &Lock, const CFGBlock &Join, const CFGBlock &) override {
    if (&Join == &Cfg.cfg().getExit())
      return;
    SmallVector<ObjectPath, 1> &Locks = GI.ConditionalLocks[Fn];
    if (!llvm::is_contained(Locks, Lock.Mutex))
      Locks.push_back(Lock.Mutex);
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
    std::optional<LockSet> Destroyed;   // the meet over the object's destructions
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

  void record(const Expr *Ref, const ValueDecl *Container, const LockSet &Before,
              std::optional<ObjectPath> Path = std::nullopt) {
    if (!Path)
      Path = Resolver.objectOf(Ref);
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
    Access.OptedOut = Fn->hasAttr<NoThreadSafetyAnalysisAttr>() || Enclosing->hasAttr<NoThreadSafetyAnalysisAttr>() ||
                      isTestOnly(Enclosing) || isInDebugAssertion(Ref->getExprLoc(), Ctx) ||
                      GI.isUnsharedLocal(Path->rootVariable());
    // (An annotated REQUIRES names the mutex: the access is judged with it held.)
    Access.HeldByContract = !Context.DeferredBy && !Context.ScopeExit && GI.expectsLockHeld(Enclosing) &&
                            !GI.InferredEntry.count(canonical(Enclosing)) &&
                            !Enclosing->hasAttr<RequiresCapabilityAttr>();
    Access.ReturnedWhole = isReturnedWhole(Ref, Fn, Cfg.parents());
    Access.Held = Before;
    // Passed to a function that locks before it uses it: the callee's accesses hold those locks.
    for (ObjectPath &Mutex : locksTakenFirstByCallee(Ref, Cfg.parents(), GI.Locks, Resolver))
      if (!Access.Held.find(Mutex))
        Access.Held.acquire({std::move(Mutex), LockKind::Exclusive, nullptr, Access.Use.Site, std::nullopt});
    (GI.sharedKind(Container) == SharedKind::Other ? GI.OtherAccesses : GI.Accesses).push_back(std::move(Access));
  }

  /// The shared container an accessor of the project returns: a member by reference
  /// (`const Map &getGames() const { return games; }`), reached by a call from outside the class as
  /// `obj->games` is, under the locks its caller holds; or a function-local static by reference or
  /// address (`Map &cache() { static Map m; return m; }`), the same container at every call.
  std::optional<std::pair<const ValueDecl *, ObjectPath>> containerReturnedBy(const CallExpr *Call) {
    const FunctionDecl *Callee = Call->getDirectCallee(); // none for `(obj.*member)()`
    if (!Callee)
      return std::nullopt;
    const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
    bool Static = !(Method && !Method->isStatic()) && !isa<CXXOperatorCallExpr>(Call) && staticReturnedBy(Callee);
    if ((!isa<CXXMemberCallExpr>(Call) && !Static) || Ctx.getSourceManager().isInSystemHeader(Callee->getLocation()))
      return std::nullopt;
    QualType Result = Callee->getReturnType();
    std::optional<ObjectPath> Path = Result->isLValueReferenceType()     ? Resolver.objectOf(Call)
                                     : Static && Result->isPointerType() ? Resolver.pointeeOf(Call)
                                                                         : std::nullopt;
    if (!Path)
      return std::nullopt;
    const ValueDecl *Named = Path->steps().empty() ? Path->rootVariable() : Path->lastField();
    if (!Named || GI.sharedKind(Named) == SharedKind::None)
      return std::nullopt;
    return std::make_pair(Named, std::move(*Path));
  }

  void noteCall(const CallExpr *Call, const LockSet &Before) {
    const FunctionDecl *Callee = canonical(Call->getDirectCallee());
    if (Callee && !Before.empty()) {
      GI.CalledWithLocks.insert(Callee);
      for (const HeldLock &Lock : Before.held())
        if (const ValueDecl *Mutex = declaredMutex(Lock.Mutex))
          GI.MutexesAtCalls[Callee].insert(cast<ValueDecl>(Mutex->getCanonicalDecl()));
        else
          GI.MutexesAtCalls[Callee].insert(nullptr);
    }
    if (!Callee)
      return;
    bool Helper = GI.isHelperCandidate(Callee);
    // Where a helper runs in its callers' life cycle, and which locks each call holds. A call in a
    // lambda may run at another time (handed over, or given to code whose timing the model does not
    // know: a project's `runLater(lambda)` defined elsewhere), from code no caller's phase says
    // anything about.
    if (Callee->isDefined() && Fn != Enclosing)
      GI.CalledFromCallables.insert(Callee);
    else if (Callee->isDefined() && !Context.DeferredBy && !Context.ScopeExit)
      GI.CallSites[Callee].push_back(
          {Enclosing, Call, Helper && !Before.empty() ? rebaseToCallee(Call, Callee, Before, Resolver) : LockSet(),
           !isConstructionOrDestruction(Enclosing) && !Enclosing->hasAttr<NoThreadSafetyAnalysisAttr>() &&
               !isTestOnly(Enclosing) && !isInDebugAssertion(Call->getExprLoc(), Ctx)});
    if (!Helper)
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

} // namespace mapguard
