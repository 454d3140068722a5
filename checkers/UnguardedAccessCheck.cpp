#include "UnguardedAccessCheck.h"

#include "analysis/CheckActPairs.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/StringExtras.h"

using namespace clang;

namespace mapguard {
namespace {
constexpr llvm::StringLiteral DefaultAlternatives =
    "folly::Synchronized;absl::Mutex with ABSL_GUARDED_BY;tbb::concurrent_hash_map";

/// Whether \p Body constructs a guard that takes no lock here (`std::unique_lock<std::mutex>(mu_);`,
/// a temporary): mapguard-manual-lock's fix names it, and a second guard would lock twice.
bool constructsGuard(const Stmt *Body, const LockModel &Locks) {
  return anyNodeUnder<CXXConstructExpr>(
      Body, [&](const CXXConstructExpr *Construct) { return Locks.guardKind(Construct->getType()).has_value(); });
}

constexpr llvm::StringLiteral AnnotatedMessage =
    "%0 without holding '%1', which guards it (GUARDED_BY)%select{| (holding %3 instead)}2; lock '%1' first";
constexpr llvm::StringLiteral InferredMessage =
    "%0 without holding '%1', which guards it at %2 of %3 accesses%7%select{| (holding %5 instead)}4; lock '%1' here%6";

constexpr llvm::StringLiteral ConsistentMessage =
    "%0 without holding '%1', which guards it at every access in the "
    "other functions (%2 of %3 accesses%7)%select{| (holding %5 instead)}4; "
    "lock '%1' here%6";
constexpr llvm::StringLiteral LateLockMessage =
    "%0 without holding '%1', which this function holds at its other accesses and which guards it at every access "
    "in the other functions (%2 of %3 accesses%7)%select{| (holding %5 instead)}4; "
    "lock '%1' here%6";
constexpr llvm::StringLiteral ConsistentReadMessage =
    "%0 in a function that does not lock '%1', which guards it at every access in the "
    "other functions (%2 of %3 accesses%7)%select{| (holding %5 instead)}4; "
    "lock '%1' here%6";

/// Whether GUARDED_BY at the container's declaration can name the mutex: not a function-local
/// static of another function (`Mutex &mu() { static Mutex m; return m; }`).
bool guardNameableAt(const ValueDecl *Container, const ValueDecl *Mutex) {
  const auto *Var = dyn_cast<VarDecl>(Mutex);
  return !Var || !Var->isStaticLocal() || Var->getParentFunctionOrMethod() == Container->getParentFunctionOrMethod();
}

/// A mutex the standard (or abseil) says no thread may lock twice: a caller holding it cannot call
/// a function that locks it.
bool isCertainlyNonRecursive(QualType Type) {
  const auto *Record = Type.getNonReferenceType()->getAsCXXRecordDecl();
  if (!Record || !Record->getIdentifier())
    return false;
  StringRef Name = Record->getName();
  if (Record->isInStdNamespace())
    return Name == "mutex" || Name == "timed_mutex" || Name == "shared_mutex" || Name == "shared_timed_mutex";
  const auto *Namespace = dyn_cast<NamespaceDecl>(Record->getDeclContext());
  while (Namespace && Namespace->isInline()) // abseil's versioned namespace
    Namespace = dyn_cast<NamespaceDecl>(Namespace->getParent());
  return Namespace && Namespace->getName() == "absl" && Name == "Mutex";
}

} // namespace

UnguardedAccessCheck::UnguardedAccessCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : GuardedContainerCheck(Name, Context),
      SuggestedAlternatives(Options.get("SuggestedAlternatives", DefaultAlternatives)) {}

void UnguardedAccessCheck::storeOptions(tidy::ClangTidyOptions::OptionMap &Opts) {
  GuardedContainerCheck::storeOptions(Opts);
  Options.store(Opts, "SuggestedAlternatives", SuggestedAlternatives);
}

void UnguardedAccessCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  FixedFunctions.clear();
  // One finding per access, from the most specific check enabled.
  bool DeferredChecked = isCheckEnabled("mapguard-deferred-capture");
  bool ScopeExitChecked = isCheckEnabled("mapguard-scope-exit-after-unlock");
  // An unlocked check that decides a locked act is check-then-act's, with the accesses beside it.
  SmallVector<SourceRange, 4> CheckRegions;
  if (isCheckEnabled("mapguard-check-then-act"))
    for (const CheckThenActPair &Pair : checkThenActPairs(Inference, Ctx))
      if (Pair.Form == CheckThenActForm::UnlockedCheck)
        CheckRegions.push_back(Pair.CheckRegion->getSourceRange());
  const SourceManager &SM = Ctx.getSourceManager();
  auto InCheckRegion = [&](const ContainerAccess &Access) {
    return llvm::any_of(CheckRegions, [&](SourceRange Region) {
      return SM.isPointWithin(Access.Ref->getExprLoc(), Region.getBegin(), Region.getEnd());
    });
  };
  llvm::DenseSet<const Expr *> Reported;
  // One finding per function and container (the fix, a lock at the top, covers the others).
  llvm::DenseSet<std::pair<const FunctionDecl *, const ValueDecl *>> ReportedIn;
  if (Rules.enabled("call-breaks-consistent-guard"))
    reportCallsSkippingGuard(Inference, Reported, ReportedIn);
  struct Unguarded {
    const ContainerAccess *Access;
    const GuardInfo *Guard;
    ObjectPath GuardPath;
    GuardProtocol Protocol;
  };
  std::vector<Unguarded> Found;
  for (const ContainerAccess &Access : Inference.accesses()) {
    if (!Access.countsForGuard() || readsOnlySize(Access) || !Reported.insert(Access.Ref).second ||
        (Access.DeferredBy && DeferredChecked) || InCheckRegion(Access))
      continue;
    const GuardInfo *Guard = Inference.guardOf(Access.Container);
    if (!Guard) {
      // A global written on another thread, with no mutex anywhere, while other code uses it.
      if (isa<VarDecl>(Access.Container))
        reportThreadRace(Access, Inference, Ctx, "global-thread-race", "runs on another thread",
                         "also accessed elsewhere");
      continue;
    }
    std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, *Guard);
    // A scope-exit callback run after its scope released the guard is scope-exit-after-unlock's.
    if (GuardPath && Access.ScopeExit && ScopeExitChecked && Access.Held.released(*GuardPath))
      continue;
    // Held in any mode: a write under a shared lock is mapguard-write-under-shared-lock's.
    if (!GuardPath || !Inference.missesGuard(Access, *Guard, *GuardPath))
      continue;
    GuardProtocol Protocol = brokenProtocol(Access, *Guard, *GuardPath, Inference);
    if ((Protocol == GuardProtocol::ChangedOrLateLock && !Rules.enabled("breaks-consistent-guard")) ||
        (Protocol == GuardProtocol::LateLock && !Rules.enabled("late-lock-consistent-guard")) ||
        (Protocol == GuardProtocol::ReadWithoutLock && !Rules.enabled("read-breaks-consistent-guard")))
      Protocol = GuardProtocol::None;
    if (Protocol != GuardProtocol::None || Rules.enabled(Guard->Annotated ? "annotated-guard" : "inferred-guard"))
      Found.push_back({&Access, Guard, *GuardPath, Protocol});
  }
  // The exception to a consistent protocol first, whichever access comes first.
  for (GuardProtocol Wanted :
       {GuardProtocol::LateLock, GuardProtocol::ChangedOrLateLock, GuardProtocol::ReadWithoutLock, GuardProtocol::None})
    for (const Unguarded &U : Found)
      if (U.Protocol == Wanted && ReportedIn.insert({U.Access->Function, U.Access->Container}).second)
        reportUnguarded(*U.Access, *U.Guard, U.GuardPath, U.Protocol, Inference, Ctx);
}

UnguardedAccessCheck::GuardProtocol UnguardedAccessCheck::brokenProtocol(const ContainerAccess &Access,
                                                                         const GuardInfo &Guard,
                                                                         const ObjectPath &GuardPath,
                                                                         const GuardInference &Inference) {
  // In the function's own code (a callable handed over is deferred-capture's), a change of the
  // container itself (an element written through `v[i]` may be the thread's own slot) - or a read
  // in a function that holds the guard at its other accesses of the container: it knows the
  // protocol and this access escapes it (a lock taken one statement too late). A read in a function
  // that never holds the guard is the shape a deleted guard leaves in a reader; its own rule.
  // (A GUARDED_BY container keeps the same protocol, with its guard named rather than inferred: a
  // project built by a compiler that does not check the annotation breaks it in the same shapes.)
  const FunctionDecl *Fn = Access.Function;
  // (A function that locks the guard by hand on some paths and not on others decides when to
  // skip it - coost's logger, which cannot lock inside a signal handler - no forgotten guard.)
  if (Access.Use.ElementOnly || Access.DeferredBy || Access.ScopeExit ||
      Inference.calledWithLockThatMayBe(Fn, Guard.Mutex) || Inference.locksOnSomePaths(Fn, GuardPath))
    return GuardProtocol::None;
  // A lambda the function keeps (called in place, stored, copied into another callable) is judged
  // as code of its own only where it keeps the protocol itself: it holds the guard at its other
  // accesses, and this one escapes it (ZLToolKit's `helper_creator`, a lock one statement late).
  if (Fn != Access.Enclosing && !readWhereFunctionLocks(Access, GuardPath, Inference))
    return GuardProtocol::None;
  GuardProtocol Protocol = GuardProtocol::ChangedOrLateLock;
  if (!Access.Use.Write && !readWhereFunctionLocks(Access, GuardPath, Inference)) {
    // (Not after the function released the guard: a phase its locked part established, see
    // readWhereFunctionLocks.)
    if (Access.Held.released(GuardPath))
      return GuardProtocol::None;
    // (An element read by index, `v[i]`, may be the thread's own slot, as an element write may; and
    // a function that cannot name the mutex - a private member of another class, reached through
    // an accessor such as oatpp's `headers.getAll_Unsafe()` - leaves the protocol to that class.)
    if (Access.Use.What == "operator[]" || !mayTakeGuard(Fn, Guard, Inference.locks()))
      return GuardProtocol::None;
    Protocol = GuardProtocol::ReadWithoutLock;
  }
  // Any thread may call it: a public member (or an override of one, called through the base) or an
  // external function, or one whose callers in the unit do not hold the lock. A private helper
  // with no caller in sight may be called with it - unless it locks the mutex itself and no thread
  // may lock that mutex twice (oatpp's private Processor::wakeCoroutine, called from another unit).
  bool LocksItself = isCertainlyNonRecursive(Guard.Mutex->getType()) &&
                     llvm::any_of(Inference.releasesIn(Fn), [&](const LockRelease &Release) {
                       return Release.Lock.AcquiredAt && Release.Lock.Mutex == GuardPath;
                     });
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn)) {
    if (Method->isCopyAssignmentOperator() || Method->isMoveAssignmentOperator())
      return GuardProtocol::None;
    if (!isPubliclyCallable(Method) && !Inference.calledInUnit(Fn) && !LocksItself)
      return GuardProtocol::None;
  } else if (!Fn->isExternallyVisible() && !Inference.calledInUnit(Fn) && !LocksItself) {
    return GuardProtocol::None;
  }
  if (!keptByOtherFunctions(Access, Guard, Inference))
    return GuardProtocol::None;
  // The function knows the protocol - it holds the guard at its other accesses of the container -
  // and this access escapes it: a lock taken a statement too late, or a branch that skips it.
  if (Protocol == GuardProtocol::ChangedOrLateLock && readWhereFunctionLocks(Access, GuardPath, Inference))
    return GuardProtocol::LateLock;
  return Protocol;
}

void UnguardedAccessCheck::reportUnguarded(const ContainerAccess &Access, const GuardInfo &Guard,
                                           const ObjectPath &GuardPath, GuardProtocol Protocol,
                                           GuardInference &Inference, ASTContext &Ctx) {
  std::string Mutex = GuardPath.spelling();
  SmallVector<std::string, 2> Holding;
  for (const HeldLock &Lock : Access.Held.held())
    Holding.push_back("'" + Lock.Mutex.spelling() + "'");
  {
    bool AnnotatedOnly = Guard.Annotated && Protocol == GuardProtocol::None;
    auto Diag = diag(Access.Ref->getExprLoc(), AnnotatedOnly                                  ? AnnotatedMessage
                                               : Protocol == GuardProtocol::LateLock          ? LateLockMessage
                                               : Protocol == GuardProtocol::ChangedOrLateLock ? ConsistentMessage
                                               : Protocol == GuardProtocol::ReadWithoutLock   ? ConsistentReadMessage
                                                                                              : InferredMessage)
                << describe(Access) << Mutex;
    if (AnnotatedOnly) {
      Diag << !Holding.empty() << llvm::join(Holding, ", ");
    } else {
      SmallVector<StringRef, 4> Alternatives;
      StringRef(SuggestedAlternatives).split(Alternatives, ';', -1, false);
      std::string Advice;
      if (!Guard.Annotated && guardNameableAt(Access.Container, Guard.Mutex))
        Advice = (", or make the guard explicit: annotate '" + Access.Container->getName() + "' with GUARDED_BY(" +
                  (Guard.MutexViaHandle ? "*" : "") + Guard.Mutex->getName() + ")")
                     .str();
      if (!Alternatives.empty())
        Advice += (Advice.empty() ? ", or use a synchronized container (" : " or use a synchronized container (") +
                  llvm::join(Alternatives, ", ") + ")";
      Diag << Guard.HeldAt << Guard.Counted << !Holding.empty() << llvm::join(Holding, ", ") << Advice
           << heldElsewhereText(Guard) + (Guard.Annotated ? ", named by GUARDED_BY" : "");
    }
    Diag << Access.Use.Site->getSourceRange();
    if (auto Fix = lockGuardFix(Access, Guard, GuardPath, Inference, Ctx))
      Diag << *Fix;
  }
  if (const ReleasedLock *Released = Access.Held.released(GuardPath); Released && Released->At.isValid())
    diag(Released->At, "'%0' is released here", DiagnosticIDs::Note) << Mutex;
  if (Access.DeferredBy)
    diag(Access.DeferredBy->Call->getBeginLoc(), "the callable runs on another thread or later, handed over here",
         DiagnosticIDs::Note);
  noteGuardEvidence(Access, Guard, Mutex);
}

std::optional<FixItHint> UnguardedAccessCheck::lockGuardFix(const ContainerAccess &Access, const GuardInfo &Guard,
                                                            const ObjectPath &GuardPath, GuardInference &Inference,
                                                            ASTContext &Ctx) {
  // Certainly safe only when the function takes no lock itself and the access is in its own body.
  const FunctionDecl *Fn = Access.Function;
  // (A caller that holds a lock may hold this one: locking it again would deadlock.)
  if (Fn != Access.Enclosing || Access.DeferredBy || Inference.takesLocks(Fn) || Inference.calledWithLocks(Fn) ||
      !mayRewrite(Fn) || FixedFunctions.contains(Fn) || constructsGuard(Fn->getBody(), Inference.locks()))
    return std::nullopt;
  if (!GuardPath.isRootedAtThis() && !isa<VarDecl>(Guard.Mutex))
    return std::nullopt;
  if (GuardPath.isRootedAtThis() && (GuardPath.steps().size() != 1 || !isa<CXXMethodDecl>(Fn)))
    return std::nullopt;
  // A const member function can lock only a mutable mutex.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->isConst())
    if (const auto *Field = dyn_cast<FieldDecl>(Guard.Mutex); Field && !Field->isMutable())
      return std::nullopt;
  // The guard must cover every access of the function: writes need the exclusive form.
  bool Write = llvm::any_of(Inference.accesses(), [&](const ContainerAccess &Other) {
    return Other.Function == Fn && Other.Container == Access.Container && Other.Use.Write;
  });
  auto Fix = guardAtStart(dyn_cast<CompoundStmt>(Fn->getBody()), Guard.Mutex, GuardPath.spelling(),
                          Write ? LockKind::Exclusive : LockKind::Shared, Ctx);
  if (Fix)
    FixedFunctions.insert(Fn);
  return Fix;
}

} // namespace mapguard
