#include "analysis/LockState.h"

#include "analysis/CatchHandlers.h"
#include "utils/AstUtil.h"
#include "clang/AST/Attr.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Analysis/Analyses/PostOrderCFGView.h"

using namespace clang;

namespace mapguard {
namespace {
// Fixpoint rounds over all blocks; lock sets only shrink and releases only grow, so this is a
// safety net for pathological CFGs, not a precision knob.
constexpr unsigned MaxRounds = 16;

const HeldLock *findIn(ArrayRef<HeldLock> Held, const ObjectPath &Mutex) {
  for (const HeldLock &Lock : Held)
    if (Lock.names(Mutex))
      return &Lock;
  return nullptr;
}

SourceLocation scopeEndOf(const CFGAutomaticObjDtor &Dtor) {
  const Stmt *Trigger = Dtor.getTriggerStmt();
  return Trigger ? Trigger->getEndLoc() : SourceLocation();
}
} // namespace

const HeldLock *LockSet::find(const ObjectPath &Mutex) const { return findIn(Held, Mutex); }

const ReleasedLock *LockSet::released(const ObjectPath &Mutex) const {
  for (const ReleasedLock &R : Released)
    if (R.names(Mutex))
      return &R;
  return nullptr;
}

void LockSet::acquire(const HeldLock &Lock) {
  HeldLock Taken = Lock;
  auto *Owner = llvm::find_if(Suspended, [&](const auto &S) { return S.first == Lock.Mutex; });
  if (Owner != Suspended.end()) {
    if (!Taken.Guard)
      Taken.Guard = Owner->second;
    Suspended.erase(Owner);
  }
  for (HeldLock &Existing : Held)
    if (Existing.names(Taken.Mutex) || (Taken.AlsoNamed && Existing.names(*Taken.AlsoNamed))) {
      Existing = Taken;
      return;
    }
  Held.push_back(Taken);
}

void LockSet::release(const ObjectPath &Mutex, SourceLocation At, const VarDecl *ByGuard) {
  auto *It = llvm::find_if(Held, [&](const HeldLock &L) { return L.names(Mutex); });
  if (It == Held.end())
    return;
  if (It->Guard)
    Suspended.emplace_back(It->Mutex, It->Guard);
  ReleasedLock Release{It->Mutex, At, ByGuard, It->AlsoNamed};
  Held.erase(It);
  llvm::erase_if(Released, [&](const ReleasedLock &R) { return R.Mutex == Release.Mutex; });
  Released.push_back(std::move(Release));
}

void LockSet::forget(const ObjectPath &Mutex) {
  llvm::erase_if(Held, [&](const HeldLock &L) { return L.names(Mutex); });
}

void LockSet::releaseGuard(const VarDecl *Guard, SourceLocation At) {
  SmallVector<ObjectPath, 2> Owned;
  for (const HeldLock &Lock : Held)
    if (Lock.Guard == Guard)
      Owned.push_back(Lock.Mutex);
  for (const ObjectPath &Mutex : Owned)
    release(Mutex, At, Guard);
  llvm::erase_if(Suspended, [&](const auto &S) { return S.second == Guard; });
}

void LockSet::disown(const VarDecl *Guard) {
  for (HeldLock &Lock : Held)
    if (Lock.Guard == Guard)
      Lock.Guard = nullptr;
}

LockSet LockSet::meet(const LockSet &A, const LockSet &B) {
  LockSet Result;
  for (const HeldLock &Lock : A.Held) {
    const HeldLock *Other = findIn(B.Held, Lock.Mutex);
    if (!Other)
      continue;
    HeldLock Met = Lock;
    if (Other->Kind == LockKind::Shared)
      Met.Kind = LockKind::Shared;
    if (Other->Guard != Lock.Guard)
      Met.Guard = nullptr;
    Result.Held.push_back(Met);
  }
  for (const auto &S : A.Suspended)
    if (llvm::is_contained(B.Suspended, S))
      Result.Suspended.push_back(S);
  Result.Released = A.Released;
  for (const ReleasedLock &R : B.Released)
    if (!Result.released(R.Mutex))
      Result.Released.push_back(R);
  return Result;
}

bool LockSet::operator==(const LockSet &O) const {
  auto SameHeld = [](const HeldLock &X, const HeldLock &Y) {
    return X.Mutex == Y.Mutex && X.Kind == Y.Kind && X.Guard == Y.Guard && X.AcquiredAt == Y.AcquiredAt;
  };
  auto SameReleased = [](const ReleasedLock &X, const ReleasedLock &Y) { return X.Mutex == Y.Mutex && X.At == Y.At; };
  return Held.size() == O.Held.size() && Released.size() == O.Released.size() && Suspended == O.Suspended &&
         std::equal(Held.begin(), Held.end(), O.Held.begin(), SameHeld) &&
         std::equal(Released.begin(), Released.end(), O.Released.begin(), SameReleased);
}

LockStateHandler::~LockStateHandler() = default;
void LockStateHandler::element(const CFGElement &, const LockSet &) {}
void LockStateHandler::heldOnSomePaths(const HeldLock &, const CFGBlock &, const CFGBlock &) {}
void LockStateHandler::released(const HeldLock &, CFGPoint) {}

SmallVector<LockStateAnalysis::LockOperand, 2> LockStateAnalysis::mutexPaths(ArrayRef<const Expr *> Args) {
  return operandPaths(Model.mutexOperands(Args));
}

SmallVector<LockStateAnalysis::LockOperand, 2> LockStateAnalysis::operandPaths(ArrayRef<const Expr *> Operands) {
  SmallVector<LockOperand, 2> Paths;
  for (const Expr *Operand : Operands) {
    if (auto Path = Resolver.objectOrPointee(Operand))
      Paths.push_back(lockOperand(*Path, Operand));
  }
  return Paths;
}

LockStateAnalysis::LockOperand LockStateAnalysis::lockOperand(const ObjectPath &Object, const Expr *Operand) const {
  QualType T = Operand->getType().getNonReferenceType();
  if (T->isPointerType())
    T = T->getPointeeType();
  const FieldDecl *Member = Model.ownLockMember(T->getAsCXXRecordDecl());
  return {Object, Member ? std::optional<ObjectPath>(Object.withField(Member)) : std::nullopt};
}

const LockStateAnalysis::GuardBinding *LockStateAnalysis::bindingOf(const Expr *GuardExpr, const VarDecl *&Guard) {
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(GuardExpr ? GuardExpr->IgnoreParenImpCasts() : nullptr);
  Guard = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  auto It = Guard ? Guards.find(Guard) : Guards.end();
  return It == Guards.end() ? nullptr : &It->second;
}

void LockStateAnalysis::transferDecl(const VarDecl *Var, const Stmt *Site, LockSet &State) {
  std::optional<LockModel::GuardConstruction> Construction = Model.guardConstruction(Var);
  if (!Construction)
    return;
  GuardBinding Binding{operandPaths(Construction->Mutexes), Construction->Kind};
  GuardStart Start = Construction->Start;
  for (const auto &[Mutex, AlsoNamed] : Binding.Mutexes) {
    if (Start == GuardStart::Locks || (Start == GuardStart::Adopts && !State.find(Mutex)))
      State.acquire({Mutex, Binding.Kind, Var, Site, AlsoNamed});
    else if (Start == GuardStart::Adopts)
      State.acquire({Mutex, State.find(Mutex)->Kind, Var, State.find(Mutex)->AcquiredAt, AlsoNamed});
  }
  Guards[Var] = std::move(Binding);
}

void LockStateAnalysis::transferCall(const CallExpr *Call, LockSet &State) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  std::optional<LockModel::Role> Role = Model.roleOfCall(Call);
  if (!Role || Role->Action == LockAction::TryLock || Role->Action == LockAction::OwnsLock)
    return; // try-locks and ownership tests act on the branch edges
  // `void Cache::lockAll() ACQUIRE(mu_)`: the annotation names the mutexes, in the callee's terms.
  if (SmallVector<const Expr *, 2> Named =
          Callee ? LockModel::annotatedMutexes(Callee) : SmallVector<const Expr *, 2>();
      !Named.empty()) {
    for (const ObjectPath &Mutex : annotatedPaths(Call, Named)) {
      if (Role->Action == LockAction::Assert && !State.find(Mutex))
        State.acquire({Mutex, Role->Kind, nullptr, nullptr, std::nullopt});
      else if (Role->Action == LockAction::Lock)
        State.acquire({Mutex, Role->Kind, nullptr, Call, std::nullopt});
      else if (Role->Action == LockAction::Unlock)
        State.release(Mutex, Call->getExprLoc());
    }
    return;
  }
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Call);
  std::optional<DependentMemberCall> Dependent = Callee ? std::nullopt : dependentMemberCall(Call);
  if (Member || Dependent) {
    const Expr *Object = Member ? Member->getImplicitObjectArgument() : (Dependent ? Dependent->Object : nullptr);
    if (!Object)
      return;
    const VarDecl *Guard = nullptr;
    if (const GuardBinding *Binding = bindingOf(Object, Guard)) {
      for (const auto &[Mutex, AlsoNamed] : Binding->Mutexes) {
        if (Role->Action == LockAction::Lock)
          State.acquire({Mutex, Binding->Kind, Guard, Call, AlsoNamed});
        else if (Role->Action == LockAction::Unlock)
          State.release(Mutex, Call->getExprLoc());
      }
      if (Role->Action == LockAction::Disown)
        State.disown(Guard);
      return;
    }
    if (!Model.isMutexObject(Object))
      return;
    auto Mutex = Member ? Resolver.objectOfCall(Member) : Resolver.objectOrPointee(Object);
    if (!Mutex)
      return;
    std::optional<ObjectPath> AlsoNamed = lockOperand(*Mutex, Object).AlsoNamed;
    if (Role->Action == LockAction::Assert && !State.find(*Mutex))
      State.acquire({*Mutex, Role->Kind, nullptr, nullptr, AlsoNamed}); // held by contract, not taken here
    else if (Role->Action == LockAction::Lock)
      State.acquire({*Mutex, Role->Kind, nullptr, Call, AlsoNamed});
    else if (Role->Action == LockAction::Unlock)
      State.release(*Mutex, Call->getExprLoc());
    return;
  }
  if (isa<CXXOperatorCallExpr>(Call))
    return;
  // Free functions: pthread_mutex_lock(&m), std::lock(a, b, ...).
  SmallVector<const Expr *, 4> Args(Call->arguments());
  for (const auto &[Mutex, AlsoNamed] : mutexPaths(Args)) {
    if (Role->Action == LockAction::Lock)
      State.acquire({Mutex, Role->Kind, nullptr, Call, AlsoNamed});
    else if (Role->Action == LockAction::Unlock)
      State.release(Mutex, Call->getExprLoc());
  }
}

void LockStateAnalysis::transfer(const CFGElement &Element, LockSet &State) {
  if (auto Dtor = Element.getAs<CFGAutomaticObjDtor>()) {
    State.releaseGuard(Dtor->getVarDecl(), scopeEndOf(*Dtor));
    return;
  }
  // In a template's definition a guard of dependent type has no destructor call in the CFG: the
  // end of its lifetime releases it.
  if (auto Lifetime = Element.getAs<CFGLifetimeEnds>();
      Lifetime && Lifetime->getVarDecl()->getType()->isDependentType()) {
    const Stmt *Trigger = Lifetime->getTriggerStmt();
    State.releaseGuard(Lifetime->getVarDecl(), Trigger ? Trigger->getEndLoc() : SourceLocation());
    return;
  }
  auto Statement = Element.getAs<CFGStmt>();
  if (!Statement)
    return;
  const Stmt *S = Statement->getStmt();
  if (const auto *Decl = dyn_cast<DeclStmt>(S)) {
    for (const clang::Decl *D : Decl->decls())
      if (const auto *Var = dyn_cast<VarDecl>(D))
        transferDecl(Var, Decl, State);
  } else if (const auto *Call = dyn_cast<CallExpr>(S)) {
    transferCall(Call, State);
  }
}

void LockStateAnalysis::applyBranch(const CFGBlock &Pred, const CFGBlock &Succ, LockSet &State) {
  if (Pred.succ_size() != 2)
    return;
  const Expr *Cond = dyn_cast_or_null<Expr>(Pred.getTerminatorCondition());
  if (!Cond)
    return;
  bool OnTrueEdge = Pred.succ_begin()->getReachableBlock() == &Succ;
  bool Truthy = OnTrueEdge;
  // Peel `!x`, `x == 0`, `x != 0` down to the call whose result decides.
  for (;;) {
    Cond = Cond->IgnoreParenImpCasts();
    if (const auto *Not = dyn_cast<UnaryOperator>(Cond); Not && Not->getOpcode() == UO_LNot) {
      Truthy = !Truthy;
      Cond = Not->getSubExpr();
      continue;
    }
    if (const auto *Cmp = dyn_cast<BinaryOperator>(Cond); Cmp && Cmp->isEqualityOp()) {
      const auto *Zero = dyn_cast<IntegerLiteral>(Cmp->getRHS()->IgnoreParenImpCasts());
      if (!Zero || Zero->getValue() != 0)
        return;
      if (Cmp->getOpcode() == BO_EQ)
        Truthy = !Truthy;
      Cond = Cmp->getLHS();
      continue;
    }
    break;
  }
  const auto *Call = dyn_cast<CallExpr>(Cond);
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  if (!Callee)
    return;
  std::optional<LockModel::Role> Role = Model.roleOf(Callee);
  if (Role && Role->Action == LockAction::Lock && Role->SuccessIsZero && Truthy) {
    // The lock call failed on this edge (it returns 0 when it locked): the mutex is not held.
    SmallVector<const Expr *, 4> Args(Call->arguments());
    for (const LockOperand &Mutex : mutexPaths(Args))
      State.forget(Mutex.Path);
    return;
  }
  if (!Role || (Role->Action != LockAction::TryLock && Role->Action != LockAction::OwnsLock))
    return;
  bool Locked = Role->SuccessIsZero ? !Truthy : Truthy;
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Call);
  const VarDecl *Guard = nullptr;
  if (const GuardBinding *Binding = Member ? bindingOf(Member->getImplicitObjectArgument(), Guard) : nullptr) {
    for (const auto &[Mutex, AlsoNamed] : Binding->Mutexes) {
      if (Locked && !State.find(Mutex))
        State.acquire({Mutex, Binding->Kind, Guard, Call, AlsoNamed});
      else if (!Locked && Role->Action == LockAction::OwnsLock)
        State.release(Mutex, Call->getExprLoc());
    }
    return;
  }
  if (!Locked || Role->Action != LockAction::TryLock)
    return;
  SmallVector<LockOperand, 2> Mutexes;
  if (Member) {
    if (Model.isMutexObject(Member->getImplicitObjectArgument()))
      if (auto Path = Resolver.objectOfCall(Member))
        Mutexes.push_back(lockOperand(*Path, Member->getImplicitObjectArgument()));
  } else {
    SmallVector<const Expr *, 4> Args(Call->arguments());
    Mutexes = mutexPaths(Args);
  }
  for (const auto &[Mutex, AlsoNamed] : Mutexes)
    State.acquire({Mutex, Role->Kind, nullptr, Call, AlsoNamed});
}

LockSet LockStateAnalysis::annotatedEntry(const FunctionDecl *Fn) {
  LockSet Entry;
  for (const auto *Attr : Fn->specific_attrs<RequiresCapabilityAttr>()) {
    for (const Expr *Arg : Attr->args()) {
      std::optional<ObjectPath> Mutex = Resolver.objectOrPointee(Arg);
      if (!Mutex)
        continue;
      // An annotation written on another declaration (the header's) names that declaration's
      // parameters: the same position in this one.
      if (const auto *Param = dyn_cast_or_null<ParmVarDecl>(Mutex->rootVariable());
          Param && Param->getDeclContext() != Fn && Param->getFunctionScopeIndex() < Fn->getNumParams())
        Mutex = Mutex->rebased(ObjectPath::variable(Fn->getParamDecl(Param->getFunctionScopeIndex())));
      Entry.acquire(
          {*Mutex, Attr->isShared() ? LockKind::Shared : LockKind::Exclusive, nullptr, nullptr, std::nullopt});
    }
  }
  return Entry;
}

SmallVector<ObjectPath, 2> LockStateAnalysis::annotatedPaths(const CallExpr *Call, ArrayRef<const Expr *> Named) {
  std::optional<ObjectPath> Object = ObjectPath::thisObject();
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call))
    Object = Resolver.objectOfCall(Member);
  SmallVector<ObjectPath, 2> Paths;
  for (const Expr *Arg : Named) {
    std::optional<ObjectPath> Path = Resolver.objectOrPointee(Arg);
    if (!Path)
      continue;
    if (!Path->isRootedAtThis())
      Paths.push_back(*Path); // a global mutex
    else if (Object)
      Paths.push_back(Path->rebased(*Object));
  }
  return Paths;
}

bool LockStateAnalysis::acquiresLock(const Stmt *S) {
  LockSet Probe;
  if (const auto *Decl = dyn_cast<DeclStmt>(S)) {
    for (const clang::Decl *D : Decl->decls())
      if (const auto *Var = dyn_cast<VarDecl>(D); Var && Model.guardKind(Var->getType()))
        return true;
    return false;
  }
  if (const auto *Call = dyn_cast<CallExpr>(S)) {
    auto Role = Model.roleOfCall(Call);
    return Role && (Role->Action == LockAction::Lock || Role->Action == LockAction::TryLock);
  }
  return false;
}

void LockStateAnalysis::run(const FunctionCfg &Function, const LockSet &Entry, LockStateHandler &Handler) {
  const CFG &Cfg = Function.cfg();
  PostOrderCFGView Order(&Cfg);
  CatchHandlers Handlers(Function, Order);
  std::vector<const CFGBlock *> Blocks(Order.begin(), Order.end());
  Blocks.insert(Blocks.end(), Handlers.blocks().begin(), Handlers.blocks().end());
  std::vector<std::optional<LockSet>> Out(Cfg.getNumBlockIDs());
  std::vector<std::optional<LockSet>> TryStart(Cfg.getNumBlockIDs()); // per dispatch block
  // A handler starts with the locks held where its try began.
  auto NoteTryStart = [&](const CFGBlock &Block, unsigned Index, const LockSet &State) {
    for (const CatchHandlers::TryStart &Start : Handlers.startsIn(Block))
      if (Start.Element == Index)
        TryStart[Start.Dispatch->getBlockID()] = State;
  };
  // The state on entry to a block: the meet over its analysed predecessors' exits, each refined
  // by the branch it came through.
  auto EntryOf = [&](const CFGBlock &Block, bool Report) {
    if (&Block == &Cfg.getEntry())
      return Entry;
    if (Handlers.isDispatch(Block))
      return TryStart[Block.getBlockID()].value_or(LockSet());
    std::optional<LockSet> Met;
    SmallVector<std::pair<const CFGBlock *, LockSet>, 4> Incoming;
    for (const CFGBlock::AdjacentBlock &Pred : Block.preds()) {
      const CFGBlock *P = Pred.getReachableBlock();
      if (!P || !Out[P->getBlockID()] || !Handlers.entersHandler(*P, Block))
        continue;
      LockSet State = *Out[P->getBlockID()];
      applyBranch(*P, Block, State);
      Met = Met ? LockSet::meet(*Met, State) : State;
      if (Report)
        Incoming.emplace_back(P, std::move(State));
    }
    if (Report && Met)
      for (const auto &[Pred, State] : Incoming)
        for (const HeldLock &Lock : State.held())
          if (!Lock.Guard && Lock.AcquiredAt && !Met->find(Lock.Mutex))
            Handler.heldOnSomePaths(Lock, Block, *Pred);
    return Met.value_or(LockSet());
  };
  bool Changed = true;
  for (unsigned Round = 0; Changed && Round < MaxRounds; ++Round) {
    Changed = false;
    for (const CFGBlock *Block : Blocks) {
      LockSet State = EntryOf(*Block, /*Report=*/false);
      for (unsigned I = 0; I < Block->size(); ++I) {
        NoteTryStart(*Block, I, State);
        transfer((*Block)[I], State);
      }
      std::optional<LockSet> &Slot = Out[Block->getBlockID()];
      if (!Slot || *Slot != State) {
        Slot = std::move(State);
        Changed = true;
      }
    }
  }
  for (const CFGBlock *Block : Blocks) {
    LockSet State = EntryOf(*Block, /*Report=*/true);
    for (unsigned I = 0; I < Block->size(); ++I) {
      const CFGElement &Element = (*Block)[I];
      NoteTryStart(*Block, I, State);
      Handler.element(Element, State);
      // Only calls and destructors release; the copy is taken only while something is held.
      bool MayRelease =
          !State.empty() &&
          (Element.getAs<CFGAutomaticObjDtor>() || Element.getAs<CFGLifetimeEnds>() ||
           isa_and_nonnull<CallExpr>(Element.getAs<CFGStmt>() ? Element.castAs<CFGStmt>().getStmt() : nullptr));
      if (!MayRelease) {
        transfer(Element, State);
        continue;
      }
      LockSet Before = State;
      transfer(Element, State);
      for (const HeldLock &Lock : Before.held())
        if (!State.find(Lock.Mutex))
          Handler.released(Lock, {Block, I});
    }
  }
}

} // namespace mapguard
