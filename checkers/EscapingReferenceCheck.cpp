#include "EscapingReferenceCheck.h"

#include "EscapingReferenceFixes.h"
#include "analysis/CheckActPairs.h"
#include "analysis/Handover.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringExtras.h"

using namespace clang;

namespace mapguard {
namespace {
/// Whether \p What (an operation's name) removes elements or replaces the whole container.
bool removesElements(StringRef What) {
  std::optional<ContainerOpKind> Kind = containerOpKindOf(What);
  return Kind == ContainerOpKind::Erase || Kind == ContainerOpKind::Replace;
}

/// Whether \p What may rehash or reallocate the container.
bool mayReallocate(StringRef What) {
  std::optional<ContainerOpKind> Kind = containerOpKindOf(What);
  return Kind == ContainerOpKind::Insert || Kind == ContainerOpKind::Rehash;
}

/// Whether \p W replaces an element's value (`m[k] = v`, `insert_or_assign`): a std::string or
/// vector value frees its old buffer, and a reader still holding it reads freed memory. Not when it
/// runs only for a key just found absent under the same lock (a grow-only cache inserts).
bool overwritesValue(const ContainerAccess &W, GuardInference &Inference, ASTContext &Ctx) {
  bool Assigns = W.Use.What == "insert_or_assign";
  if (const FunctionCfg *Cfg = W.Use.What == "operator[]" ? Inference.cfgOf(W.Function, Ctx) : nullptr)
    Assigns = subscriptWritten(W.Use.Site, Cfg->parents());
  return Assigns && !insertsWhereAbsent(W, Inference, Ctx);
}

/// Whether references to elements survive the insert \p What: in node-based containers always (a
/// rehash moves no node); in a deque, at either end only.
bool referencesSurviveInsert(const ContainerTraits &Traits, StringRef What) {
  if (!Traits.InsertInvalidates)
    return true;
  if (!Traits.ReferencesSurviveEndInsert)
    return false;
  if (!StringRef(Traits.Name).ends_with("deque"))
    return true;
  return What == "push_back" || What == "push_front" || What == "emplace_back" || What == "emplace_front";
}

StringRef describeKind(AliasKind Kind) {
  switch (Kind) {
  case AliasKind::Container:
    return "refers to";
  case AliasKind::Element:
    return "refers to an element of";
  case AliasKind::Pointer:
    return "points into an element of";
  case AliasKind::Iterator:
    return "is an iterator into";
  }
  return "refers to";
}

/// Whether \p Ref is an operand of `==` or `!=` (an iterator compared with end()).
bool isComparedOnly(const DeclRefExpr *Ref, const ParentMap &Parents) {
  const Stmt *Parent = parentIgnoringImplicit(Parents, Ref);
  if (const auto *Op = dyn_cast_or_null<BinaryOperator>(Parent))
    return Op->isEqualityOp();
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent))
    return Op->getOperator() == OO_EqualEqual || Op->getOperator() == OO_ExclaimEqual;
  return isa_and_nonnull<CXXRewrittenBinaryOperator>(Parent);
}

/// Whether \p Ref is used to lock what it points to (`p->lock_read()`, `pthread_mutex_lock(p)`, a
/// guard of `*p`): hand-over-hand locking keeps the element alive after the container's guard is
/// released, by the protocol of whoever erases it.
bool locksPointee(const DeclRefExpr *Ref, const ParentMap &Parents, const LockModel &Locks) {
  const Stmt *Parent = parentIgnoringImplicit(Parents, Ref);
  if (const auto *Deref = dyn_cast_or_null<UnaryOperator>(Parent); Deref && Deref->getOpcode() == UO_Deref)
    Parent = parentIgnoringImplicit(Parents, Deref);
  if (isa_and_nonnull<MemberExpr>(Parent))
    Parent = Parents.getParentIgnoreParens(Parent);
  if (const auto *Call = dyn_cast_or_null<CallExpr>(Parent)) {
    std::optional<LockModel::Role> Role = Locks.roleOf(Call->getDirectCallee());
    return Role && (Role->Action == LockAction::Lock || Role->Action == LockAction::TryLock);
  }
  if (const auto *Construct = dyn_cast_or_null<CXXConstructExpr>(Parent))
    return Locks.guardKind(Construct->getType()).has_value();
  return false;
}

} // namespace

struct EscapingReferenceCheck::Guarded {
  const ContainerAccess *Access;
  ObjectPath GuardPath;
  const HeldLock *Held;
};

std::optional<EscapingReferenceCheck::Guarded> EscapingReferenceCheck::guardedAt(const AliasOrigin &Origin,
                                                                                 GuardInference &Inference) const {
  const ContainerAccess *Access = AccessAt.lookup(Origin.ContainerRef);
  // Deferred and scope-exit callables are deferred-capture's and scope-exit-after-unlock's.
  if (!Access || Access->BeforeOrAfterSharing || Access->OptedOut || Access->HeldByContract || Access->DeferredBy ||
      Access->ScopeExit)
    return std::nullopt;
  const GuardInfo *Guard = Inference.guardOf(Access->Container);
  std::optional<ObjectPath> GuardPath = Guard ? Inference.guardPath(*Access, *Guard) : std::nullopt;
  if (!GuardPath)
    return std::nullopt;
  const HeldLock *Held = Access->Held.find(*GuardPath);
  if (!Held)
    return std::nullopt; // taken without the lock: unguarded-access's
  return Guarded{Access, *GuardPath, Held};
}

const ContainerAccess *EscapingReferenceCheck::invalidatingWrite(const ContainerAccess &Origin,
                                                                 const AliasOrigin &Alias, GuardInference &Inference,
                                                                 ASTContext &Ctx) const {
  std::optional<ContainerTraits> Traits = Inference.containers().classify(Origin.Container->getType());
  if (!Traits)
    return nullptr;
  // Prefer a write in another function: the one that runs on the other thread.
  const ContainerAccess *Found = nullptr;
  for (const ContainerAccess &Other : Inference.accesses()) {
    if (Other.Container != Origin.Container || !Other.Use.Write || Other.BeforeOrAfterSharing)
      continue;
    // Growth moves an element, not the object a unique owner in it holds.
    bool Invalidates = removesElements(Other.Use.What) ||
                       (mayReallocate(Other.Use.What) && !Alias.OwnedByElement &&
                        (Alias.Kind == AliasKind::Iterator ? Traits->InsertInvalidates
                                                           : !referencesSurviveInsert(*Traits, Other.Use.What))) ||
                       overwritesValue(Other, Inference, Ctx);
    if (Invalidates && Other.Enclosing != Origin.Enclosing)
      return &Other;
    if (Invalidates && !Found)
      Found = &Other;
  }
  return Found;
}

void EscapingReferenceCheck::noteInvalidation(const ContainerAccess *Write) {
  bool Overwrites = Write->Use.What == "operator[]" || Write->Use.What == "insert_or_assign";
  diag(Write->Ref->getExprLoc(), "%0 here can %select{invalidate|overwrite}1 it", DiagnosticIDs::Note)
      << describe(*Write) << Overwrites;
}

void EscapingReferenceCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  AccessAt.clear();
  ReportedOrigins.clear();
  ReportedVariables.clear();
  for (const ContainerAccess &Access : Inference.accesses())
    AccessAt.try_emplace(Access.Ref, &Access);
  for (const AliasUse &Use : Inference.aliasUses())
    reportUse(Use, Inference, Ctx);
  llvm::DenseSet<const FunctionDecl *> Seen;
  for (const ContainerAccess &Access : Inference.accesses())
    if (Seen.insert(Access.Function).second)
      if (const ContainerAliases *Aliases = Inference.aliasesOf(Access.Function))
        if (!Aliases->empty()) {
          for (const AliasEscape &Escape : Aliases->escapes())
            reportEscape(Escape, Access.Function, Inference, Ctx);
          reportCaptures(Access.Function, *Aliases, Inference, Ctx);
        }
}

std::optional<EscapingReferenceCheck::Guarded> EscapingReferenceCheck::guardedAtEvery(ArrayRef<AliasBinding> Bindings,
                                                                                      GuardInference &Inference) const {
  // Every binding must hold the same guard; uses are judged against the first.
  std::optional<Guarded> First = guardedAt(Bindings.front().Origin, Inference);
  for (const AliasBinding &Binding : Bindings.drop_front()) {
    std::optional<Guarded> Here = guardedAt(Binding.Origin, Inference);
    if (!First || !Here || Here->GuardPath != First->GuardPath)
      return std::nullopt;
  }
  return First;
}

SourceLocation EscapingReferenceCheck::releasedBetween(ArrayRef<AliasBinding> Bindings, const AliasUse &Use,
                                                       const ObjectPath &Mutex, const FunctionCfg &Cfg,
                                                       GuardInference &Inference) {
  CFGPoint UsePoint = Cfg.pointOf(Use.Ref);
  SmallVector<CFGPoint, 2> BindPoints;
  for (const AliasBinding &Binding : Bindings)
    BindPoints.push_back(Cfg.pointOf(Binding.At));
  // A release after some binding, then the use with no binding in between.
  for (const CFGPoint &BindPoint : BindPoints)
    for (const LockRelease &Release : Inference.releasesIn(Use.Function))
      if (Release.Lock.Mutex == Mutex && Cfg.reaches(BindPoint, Release.At) &&
          Cfg.reaches(Release.At, UsePoint, BindPoints))
        return FunctionCfg::locationOf(Release.At);
  return {};
}

void EscapingReferenceCheck::reportUse(const AliasUse &Use, GuardInference &Inference, ASTContext &Ctx) {
  const ContainerAliases *Aliases = Inference.aliasesOf(Use.Function);
  const ValueDecl *Var = ContainerAliases::aliasVariable(Use.Ref->getDecl());
  ArrayRef<AliasBinding> Bindings = Aliases ? Aliases->bindingsOf(Var) : ArrayRef<AliasBinding>();
  if (Bindings.empty() || ReportedVariables.contains(Var) || !Rules.enabled("used-after-release"))
    return;
  std::optional<Guarded> First = guardedAtEvery(Bindings, Inference);
  if (!First)
    return;
  const Guarded &At = *First;
  const AliasBinding &Bound = Bindings.front();
  if (ReportedOrigins.contains(Bound.Origin.ContainerRef))
    return;
  const FunctionCfg *Cfg = Inference.cfgOf(Use.Function, Ctx);
  if (!Cfg || isComparedOnly(Use.Ref, Cfg->parents()))
    return; // comparing with end() reads no element; the dereference that follows is the use
  bool HandOverHand = llvm::any_of(Inference.aliasUses(), [&](const AliasUse &Other) {
    return Other.Function == Use.Function && ContainerAliases::aliasVariable(Other.Ref->getDecl()) == Var &&
           Other.Held.find(At.GuardPath) && locksPointee(Other.Ref, Cfg->parents(), Inference.locks());
  });
  if (HandOverHand)
    return;
  const HeldLock *HeldAtUse = Use.Held.find(At.GuardPath);
  SourceLocation ReleasedAt;
  if (!HeldAtUse) {
    const ReleasedLock *Released = Use.Held.released(At.GuardPath);
    ReleasedAt = Released ? Released->At : SourceLocation();
  } else { // held again: was it released between the binding and this use?
    ReleasedAt = releasedBetween(Bindings, Use, At.GuardPath, *Cfg, Inference);
  }
  if (ReleasedAt.isInvalid())
    return;
  const ContainerAccess *Write = invalidatingWrite(*At.Access, Bound.Origin, Inference, Ctx);
  if (!Write)
    return;
  ReportedVariables.insert(Var);
  ReportedOrigins.insert(Bound.Origin.ContainerRef);
  std::string Container = At.Access->Path.spelling();
  std::string Mutex = At.GuardPath.spelling();
  if (Var->isImplicit()) { // the iterator of a range-for whose body unlocks and locks again
    diag(Bound.Origin.ContainerRef->getExprLoc(),
         "the loop over '%0' goes on after '%1' is released in its body; another thread may change '%0' "
         "meanwhile and invalidate the loop's iterator: collect the work under the lock and do it after the "
         "loop, or iterate over a copy")
        << Container << Mutex;
  } else {
    if (HeldAtUse)
      diag(Use.Ref->getLocation(), "'%0' %1 '%2' and is used after '%3' was released and locked again; "
                                   "another thread may have changed or erased it in between: look it up "
                                   "again under the new lock")
          << Var->getName() << describeKind(Bound.Origin.Kind) << Container << Mutex;
    else {
      auto Diag = diag(Use.Ref->getLocation(), "'%0' %1 '%2' and is used after '%3' was released; another "
                                               "thread may change or erase it meanwhile: copy what you need while "
                                               "'%3' is held, or hold '%3' until the last use")
                  << Var->getName() << describeKind(Bound.Origin.Kind) << Container << Mutex;
      // A copy taken under the lock changes no locking; keeping the lock longer is the other fix.
      std::optional<FixItHint> Fix;
      if (mayRewrite(Use.Function) && Bound.Origin.Kind == AliasKind::Element)
        Fix = copyBeforeReleaseFix(Var, Ctx);
      if (mayRewrite(Use.Function) && !Fix)
        Fix = keepLockFix(At.Held->Guard, Use.Function, Cfg->parents(), Inference.locks(), Ctx);
      if (Fix)
        Diag << *Fix;
    }
    diag(Bound.At->getBeginLoc(), "'%0' is bound here, with '%1' held", DiagnosticIDs::Note) << Var->getName() << Mutex;
  }
  if (ReleasedAt.isValid())
    diag(ReleasedAt, "'%0' is released here", DiagnosticIDs::Note) << Mutex;
  noteInvalidation(Write);
}

namespace {
bool isRangeProtocolMember(const FunctionDecl *Fn) {
  static constexpr llvm::StringLiteral Names[] = {"begin", "end", "cbegin", "cend", "rbegin", "rend"};
  return isa<CXXMethodDecl>(Fn) && Fn->getIdentifier() && llvm::is_contained(Names, Fn->getName());
}
} // namespace

void EscapingReferenceCheck::reportEscape(const AliasEscape &Escape, const FunctionDecl *Fn, GuardInference &Inference,
                                          ASTContext &Ctx) {
  std::optional<Guarded> Found = guardedAt(Escape.Origin, Inference);
  if (!Found)
    return;
  const Guarded &At = *Found;
  // The lock must be taken here (not held on entry: the caller's lock still covers the result).
  if (!At.Held->AcquiredAt || ReportedOrigins.contains(Escape.Origin.ContainerRef) ||
      !Rules.enabled(isa<ReturnStmt>(Escape.At) ? "returned-after-release" : "stored-beyond-lock"))
    return;
  const ContainerAccess *Write = invalidatingWrite(*At.Access, Escape.Origin, Inference, Ctx);
  if (!Write)
    return;
  ReportedOrigins.insert(Escape.Origin.ContainerRef);
  std::string Container = At.Access->Path.spelling();
  std::string Mutex = At.GuardPath.spelling();
  StringRef What = Escape.Origin.Kind == AliasKind::Iterator    ? "an iterator into"
                   : Escape.Origin.Kind == AliasKind::Pointer   ? "a pointer into"
                   : Escape.Origin.Kind == AliasKind::Container ? "a reference to"
                                                                : "a reference into";
  if (isa<ReturnStmt>(Escape.At)) {
    // A class's own begin()/end() hands out the container's iterators by design (it is a range):
    // the hazard is the class's API, which no local change fixes (Poco's ClassLoader).
    if (isRangeProtocolMember(Fn))
      return;
    std::string Name = Fn->getIdentifier() ? Fn->getName().str() : "this function";
    std::vector<FixItHint> Fixes;
    if (mayRewrite(Fn) && Escape.Origin.Kind != AliasKind::Iterator)
      Fixes = returnByValue(Fn, Ctx);
    auto Diag = diag(Escape.At->getBeginLoc(),
                     "'%0' returns %1 '%2' that outlives its lock on '%3'; callers use it after '%3' is "
                     "released, while another thread may change or erase it: %4")
                << Name << What << Container << Mutex
                << (Fixes.empty() ? "return a copy, a shared_ptr to the value, or make callers hold the lock"
                                  : "return a copy");
    for (const FixItHint &Fix : Fixes)
      Diag << Fix;
  } else {
    std::string Target = sourceText(Escape.Target, Ctx);
    diag(Escape.At->getBeginLoc(), "%0 '%1' is stored in '%2', where it outlives the lock on '%3'; whoever "
                                   "uses it later may find it changed or erased: store a copy or the key")
        << What << Container << (Target.empty() ? "a variable that outlives the function" : Target) << Mutex;
  }
  if (At.Held->AcquiredAt)
    diag(At.Held->AcquiredAt->getBeginLoc(),
         "'%0' is locked here; it is released before %select{callers use "
         "the value|the stored value is used}1",
         DiagnosticIDs::Note)
        << Mutex << !isa<ReturnStmt>(Escape.At);
  noteInvalidation(Write);
}

namespace {
/// The lambdas of a function's own body (not those nested in another lambda, a function of its own).
struct OwnLambdas : RecursiveASTVisitor<OwnLambdas> {
  SmallVector<const LambdaExpr *, 4> Found;
  bool shouldVisitLambdaBodies() const { return false; }
  bool VisitLambdaExpr(LambdaExpr *Lambda) {
    Found.push_back(Lambda);
    return true;
  }
};

/// Whether a capture keeps pointing into the container: any capture by reference, and a copy of an
/// iterator or pointer (a copied element or container is the callable's own).
bool captureKeepsPointing(const LambdaCapture &Capture, AliasKind Kind) {
  return Capture.getCaptureKind() == LCK_ByRef || Kind == AliasKind::Iterator || Kind == AliasKind::Pointer;
}
} // namespace

void EscapingReferenceCheck::reportCaptures(const FunctionDecl *Fn, const ContainerAliases &Aliases,
                                            GuardInference &Inference, ASTContext &Ctx) {
  if (!Rules.enabled("captured-by-deferred"))
    return;
  OwnLambdas Lambdas;
  Lambdas.TraverseStmt(Fn->getBody());
  const FunctionCfg *Cfg = Lambdas.Found.empty() ? nullptr : Inference.cfgOf(Fn, Ctx);
  for (const LambdaExpr *Lambda : Lambdas.Found) {
    std::optional<Deferral> Start = Cfg ? Inference.deferring().deferralOf(Lambda, Cfg->parents()) : std::nullopt;
    if (!Start)
      continue;
    for (const LambdaCapture &Capture : Lambda->captures()) {
      const ValueDecl *Captured = Capture.capturesVariable() ? Capture.getCapturedVar() : nullptr;
      const ValueDecl *Var = Captured ? ContainerAliases::aliasVariable(Captured) : nullptr;
      ArrayRef<AliasBinding> Bindings = Var ? Aliases.bindingsOf(Var) : ArrayRef<AliasBinding>();
      if (Bindings.empty() || ReportedVariables.contains(Var) ||
          !captureKeepsPointing(Capture, Bindings.front().Origin.Kind))
        continue;
      std::optional<Guarded> At = guardedAtEvery(Bindings, Inference);
      // A thread joined before its starter's guard is destroyed runs while the lock is held.
      if (!At || (At->Held->Guard && !mayOutlive(*Cfg, *Start, At->Held->Guard).MayOutlive))
        continue;
      const AliasBinding &Bound = Bindings.front();
      const ContainerAccess *Write = invalidatingWrite(*At->Access, Bound.Origin, Inference, Ctx);
      if (!Write || ReportedOrigins.contains(Bound.Origin.ContainerRef))
        continue;
      ReportedVariables.insert(Var);
      ReportedOrigins.insert(Bound.Origin.ContainerRef);
      std::string Mutex = At->GuardPath.spelling();
      diag(Capture.getLocation(), "'%0' %1 '%2' and is captured by a callable that runs %3, after '%4' is "
                                  "released; another thread may change or erase it meanwhile: capture a copy of "
                                  "what the callable needs, or the key to look it up again under '%4'")
          << Var->getName() << describeKind(Bound.Origin.Kind) << At->Access->Path.spelling()
          << (Start->NewThread ? "on another thread" : "later") << Mutex;
      diag(Bound.At->getBeginLoc(), "'%0' is bound here, with '%1' held", DiagnosticIDs::Note)
          << Var->getName() << Mutex;
      diag(Start->Call->getBeginLoc(), "the callable is handed over here", DiagnosticIDs::Note);
      noteInvalidation(Write);
    }
  }
}

} // namespace mapguard
