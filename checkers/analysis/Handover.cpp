#include "analysis/Handover.h"

#include "analysis/IteratorLoops.h"
#include "model/ProjectFacts.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
/// A local variable that holds its object (not a reference): its scope bounds the object's life.
const VarDecl *ownedLocalVariable(const Expr *E) {
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E ? E->IgnoreParenImpCasts() : nullptr);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  return Var && Var->hasLocalStorage() && !Var->getType()->isReferenceType() ? Var : nullptr;
}

const CXXMemberCallExpr *memberCallNamed(const Stmt *S, std::initializer_list<StringRef> Names) {
  const auto *Call = dyn_cast<CXXMemberCallExpr>(S);
  const CXXMethodDecl *Method = Call ? Call->getMethodDecl() : nullptr;
  return Method && Method->getIdentifier() && llvm::is_contained(Names, Method->getName()) ? Call : nullptr;
}

/// The local object whose lifetime bounds the handed-over callable: the thread or future variable,
/// the executor, timer or registry it is posted to; null if there is none (or it is not local).
const VarDecl *handleOf(const Expr *Start, const ParentMap &Parents, bool &Discarded) {
  Discarded = false;
  const Stmt *Parent = parentIgnoringImplicit(Parents, Start);
  if (const auto *Declaration = dyn_cast_or_null<DeclStmt>(Parent))
    for (const Decl *D : Declaration->decls())
      if (const auto *Var = dyn_cast<VarDecl>(D); Var && Var->getInit() && Var->hasLocalStorage())
        return Var;
  if (const VarDecl *Assigned = ownedLocalVariable(assignmentTarget(Parent)))
    return Assigned;
  // `futures.push_back(std::async(...))`, `threads.emplace_back(std::thread(...))`: a local
  // container of handles.
  if (const auto *Holder = dyn_cast_or_null<CXXMemberCallExpr>(Parent); Holder && Holder != Start)
    if (const VarDecl *Container = ownedLocalVariable(Holder->getImplicitObjectArgument()))
      return Container;
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Start)) {
    // An asio I/O object that dies cancels its operations, but the io_context still calls the
    // handler (with operation_aborted) later.
    const CXXMethodDecl *Method = Member->getMethodDecl();
    if (Method && Method->getIdentifier() && Method->getName().starts_with("async_"))
      return nullptr;
    return ownedLocalVariable(Member->getImplicitObjectArgument());
  }
  const auto *Call = dyn_cast<CallExpr>(Start);
  if (!Call) // a thread temporary: joined or detached in the same expression
    return nullptr;
  // `std::async(...)` whose future is dropped: the temporary's destructor waits for the task.
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (Callee && Callee->getIdentifier() && Callee->getName() == "async" && (!Parent || isa<CompoundStmt>(Parent)))
    Discarded = true;
  // asio::post(io, f), asio::post(pool.get_executor(), f)
  if (Call->getNumArgs() > 0) {
    const Expr *Target = Call->getArg(0)->IgnoreParenImpCasts();
    if (const auto *Getter = dyn_cast<CXXMemberCallExpr>(Target))
      Target = Getter->getImplicitObjectArgument();
    return ownedLocalVariable(Target);
  }
  return nullptr;
}

bool refersTo(const Expr *E, const VarDecl *Var) { return Var && ownedLocalVariable(E) == Var; }

bool isThreadOrFuture(QualType T) {
  const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->getIdentifier())
    return false;
  StringRef Name = Record->getName();
  return Name == "thread" || Name == "jthread" || Name == "future" || Name == "shared_future";
}

/// The locals \p Callable captures by reference, other than \p Local: its completion signals; and
/// the locals of \p Cfg initialised from one (`auto ready = done.get_future();`).
llvm::SmallVector<const VarDecl *, 2> completionSignals(const LambdaExpr *Callable, const VarDecl *Local,
                                                        const FunctionCfg &Cfg) {
  llvm::SmallVector<const VarDecl *, 2> Signals;
  if (!Callable)
    return Signals;
  for (const LambdaCapture &Capture : Callable->captures())
    if (Capture.capturesVariable() && Capture.getCaptureKind() == LCK_ByRef)
      if (const auto *Var = dyn_cast<VarDecl>(Capture.getCapturedVar()); Var && Var != Local && Var->hasLocalStorage())
        Signals.push_back(Var);
  if (Signals.empty())
    return Signals;
  for (const CFGBlock *Block : Cfg.cfg())
    for (const CFGElement &Element : *Block)
      if (auto S = Element.getAs<CFGStmt>())
        if (const auto *Declaration = dyn_cast<DeclStmt>(S->getStmt()))
          for (const Decl *D : Declaration->decls())
            if (const auto *Var = dyn_cast<VarDecl>(D); Var && Var->getInit() && !llvm::is_contained(Signals, Var) &&
                                                        llvm::any_of(Signals, [&](const VarDecl *Signal) {
                                                          return !referencesTo(Var->getInit(), Signal).empty();
                                                        }))
              Signals.push_back(Var);
  return Signals;
}

/// Whether \p S waits on one of \p Signals: a wait call on it, or a call given it that waits or
/// whose body is not visible.
bool waitsOnSignal(const Stmt *S, llvm::ArrayRef<const VarDecl *> Signals) {
  if (Signals.empty())
    return false;
  auto IsSignal = [&](const Expr *E) {
    E = E->IgnoreParenImpCasts();
    if (const auto *AddrOf = dyn_cast<UnaryOperator>(E); AddrOf && AddrOf->getOpcode() == UO_AddrOf)
      E = AddrOf->getSubExpr()->IgnoreParenImpCasts();
    const auto *Ref = dyn_cast<DeclRefExpr>(E);
    return Ref && llvm::is_contained(Signals, Ref->getDecl());
  };
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(S);
      Member && Member->getImplicitObjectArgument() && IsSignal(Member->getImplicitObjectArgument()))
    return isWaitCall(Member) || memberCallNamed(Member, {"wait_for", "wait_until", "try_wait"});
  const auto *Call = dyn_cast<CallExpr>(S);
  const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
  if (!Callee || !llvm::any_of(Call->arguments(), IsSignal))
    return false;
  const FunctionDecl *Definition = nullptr;
  return !Callee->hasBody(Definition) || bodyWaits(Definition);
}
/// Whether \p Earlier and \p Later are declared in the same block, \p Earlier first: \p Later
/// dies first, and only destructors run between the two deaths.
bool declaredJustBefore(const VarDecl *Earlier, const VarDecl *Later, const ParentMap &Parents) {
  auto DeclarationOf = [&](const VarDecl *Var) -> const Stmt * {
    const auto *Fn = Var ? dyn_cast_or_null<FunctionDecl>(Var->getParentFunctionOrMethod()) : nullptr;
    return Fn ? declStmtOf(Fn->getBody(), Var) : nullptr;
  };
  const Stmt *First = DeclarationOf(Earlier), *Second = DeclarationOf(Later);
  const auto *Block = First ? dyn_cast_or_null<CompoundStmt>(Parents.getParent(First)) : nullptr;
  if (!Second || !Block || Parents.getParent(Second) != Block)
    return false;
  auto FirstAt = llvm::find(Block->body(), First), SecondAt = llvm::find(Block->body(), Second);
  return FirstAt < SecondAt;
}

/// Whether the destructor of \p T runs a callable it stores: its body (when there is one to
/// read) calls through a function object or pointer. An implicit or defaulted destructor does not.
bool destructorRunsCallables(QualType T) {
  const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
  const CXXDestructorDecl *Destructor = Record && Record->hasDefinition() ? Record->getDestructor() : nullptr;
  const FunctionDecl *Definition = nullptr;
  if (!Destructor || !Destructor->isUserProvided() || !Destructor->hasBody(Definition))
    return false;
  return anyNodeUnder<CallExpr>(Definition->getBody(), [](const CallExpr *Call) {
    const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call);
    return (Op && Op->getOperator() == OO_Call) ||
           (!Call->getDirectCallee() && !isa<CXXPseudoDestructorExpr>(Call->getCallee()->IgnoreParenImpCasts()));
  });
}

/// Whether \p S starts a range-for over handles whose body waits on each one (`for (auto &t :
/// threads) t.join();`, `for (auto &f : futures) f.get();`): when it does not run its body, there
/// is nothing to wait for.
bool startsWaitLoop(const Stmt *S, const ParentMap &Parents) {
  const auto *Loop = dyn_cast_or_null<CXXForRangeStmt>(Parents.getParent(S));
  if (!Loop || (S != Loop->getRangeStmt() && S != Loop->getBeginStmt()))
    return false;
  const VarDecl *Handle = Loop->getLoopVariable();
  return anyNodeUnder<CXXMemberCallExpr>(Loop->getBody(), [&](const CXXMemberCallExpr *Call) {
    const auto *Ref = dyn_cast_or_null<DeclRefExpr>(
        Call->getImplicitObjectArgument() ? Call->getImplicitObjectArgument()->IgnoreParenImpCasts() : nullptr);
    return Ref && Ref->getDecl() == Handle && isWaitCall(Call);
  });
}
} // namespace

bool bodyWaits(const FunctionDecl *Fn) {
  auto TestsParameter = [&](const Stmt *Cond) {
    return Cond && llvm::any_of(Fn->parameters(), [&](const ParmVarDecl *P) { return !referencesTo(Cond, P).empty(); });
  };
  return anyNodeUnder<Stmt>(Fn->getBody(), [&](const Stmt *S) {
    if (const auto *Call = dyn_cast<CallExpr>(S))
      return isWaitCall(Call) || memberCallNamed(Call, {"wait_for", "wait_until", "try_wait"}) != nullptr;
    if (const auto *Loop = dyn_cast<WhileStmt>(S))
      return TestsParameter(Loop->getCond());
    if (const auto *Loop = dyn_cast<DoStmt>(S))
      return TestsParameter(Loop->getCond());
    return false;
  });
}

bool waitsByItsBody(const CXXMemberCallExpr *Call) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  const FunctionDecl *Definition = nullptr;
  if (!Callee || Callee->getASTContext().getSourceManager().isInSystemHeader(Callee->getLocation()))
    return false;
  if (Callee->hasBody(Definition))
    return bodyWaits(Definition);
  const ProjectFacts *Index = projectFacts(); // defined in another unit: what its body showed there
  const FunctionFacts *Facts = Index ? Index->ofUnseen(Callee) : nullptr;
  return Facts && Facts->Waits;
}

namespace {
/// The local whose life ends at \p Element (its destructor, or the end of its scope), if any.
const VarDecl *dyingVariable(const CFGElement &Element) {
  if (auto Dtor = Element.getAs<CFGAutomaticObjDtor>())
    return Dtor->getVarDecl();
  if (auto End = Element.getAs<CFGLifetimeEnds>())
    return End->getVarDecl();
  return nullptr;
}

/// The variable (a parameter, a reference) naming the object a member call hands work to:
/// `pool.Run(task)`, `pool->Run(task)`.
const VarDecl *executorVariable(const Expr *Start) {
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Start);
  const Expr *Object = Member ? Member->getImplicitObjectArgument() : nullptr;
  const auto *Ref = Object ? dyn_cast<DeclRefExpr>(Object->IgnoreParenImpCasts()) : nullptr;
  return Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
}

/// Whether every path from \p Start to the end of \p Local's life first calls a member function
/// of \p Executor that waits (by its name, or by its body: `pool.WaitIdle()`), or waits on one of
/// \p Signals.
bool waitedOnEveryPath(const FunctionCfg &Cfg, const Stmt *Start, const VarDecl *Executor,
                       llvm::ArrayRef<const VarDecl *> Signals, const VarDecl *Local) {
  bool Reached = false;
  Cfg.forEachElementAfter(Start, [&](const CFGElement &Element) {
    const VarDecl *Dying = dyingVariable(Element);
    if (Dying == Local) {
      Reached = true;
      return FunctionCfg::Visit::Done;
    }
    auto S = Element.getAs<CFGStmt>();
    const auto *Wait = S ? dyn_cast<CXXMemberCallExpr>(S->getStmt()) : nullptr;
    if ((Wait && executorVariable(Wait) == Executor && (isWaitCall(Wait) || waitsByItsBody(Wait))) ||
        (S && waitsOnSignal(S->getStmt(), Signals)))
      return FunctionCfg::Visit::StopPath;
    return FunctionCfg::Visit::Continue;
  });
  return !Reached;
}
} // namespace

bool isWaitCall(const Stmt *S) {
  return memberCallNamed(S, {"join", "get", "wait", "join_all", "waitForDone", "waitForFinished"}) != nullptr;
}

const Stmt *firstBeforeWait(const FunctionCfg &Cfg, const Stmt *Start, llvm::function_ref<bool(const Stmt *)> Match) {
  const Stmt *Found = nullptr;
  Cfg.forEachElementAfter(Start, [&](const CFGElement &Element) {
    auto S = Element.getAs<CFGStmt>();
    if (!S)
      return FunctionCfg::Visit::Continue;
    if (isWaitCall(S->getStmt()) || startsWaitLoop(S->getStmt(), Cfg.parents()))
      return FunctionCfg::Visit::StopPath;
    if (Match(S->getStmt())) {
      Found = S->getStmt();
      return FunctionCfg::Visit::Done;
    }
    return FunctionCfg::Visit::Continue;
  });
  return Found;
}

Outliving mayOutlive(const FunctionCfg &Cfg, const Deferral &Start, const VarDecl *Local, const LambdaExpr *Callable) {
  llvm::SmallVector<const VarDecl *, 2> Signals = completionSignals(Callable, Local, Cfg);
  bool Discarded = false;
  const VarDecl *Handle = handleOf(Start.Call, Cfg.parents(), Discarded);
  if (Discarded)
    return {};
  Outliving Result;
  // `std::thread(...).detach()`
  if (const auto *Member = dyn_cast_or_null<MemberExpr>(parentIgnoringImplicit(Cfg.parents(), Start.Call)))
    if (const auto *Detach = memberCallNamed(Cfg.parents().getParent(Member), {"detach"}))
      return {true, Detach};
  // A thread temporary is joined in its own expression (or terminates the program). Work handed
  // to something that is not local outlives the scope unless a completion signal is waited on.
  if (!Handle)
    if (const VarDecl *Executor = executorVariable(Start.Call))
      return {!waitedOnEveryPath(Cfg, Start.Call, Executor, Signals, Local), nullptr};
  if (!Handle && (isa<CXXConstructExpr>(Start.Call) || Signals.empty()))
    return {!isa<CXXConstructExpr>(Start.Call), nullptr};
  // A container of threads or futures: a wait on any of them (the usual loop) waits for this one.
  bool ThreadContainer =
      Start.NewThread && (isa<CXXMemberCallExpr>(Start.Call) || (Handle && !isThreadOrFuture(Handle->getType())));
  Cfg.forEachElementAfter(Start.Call, [&](const CFGElement &Element) {
    const VarDecl *Dying = dyingVariable(Element);
    if (Dying && Dying == Handle)
      return FunctionCfg::Visit::StopPath;
    if (Dying == Local) {
      // A callable registered with a local object declared just before the container in the same
      // block: when the container dies, nothing but that object's destructor runs, and one that
      // calls no stored callable cannot run this one (a test's local PacketSortor).
      if (!Start.NewThread && Handle && declaredJustBefore(Handle, Local, Cfg.parents()) &&
          !destructorRunsCallables(Handle->getType()))
        return FunctionCfg::Visit::StopPath;
      Result.MayOutlive = true;
      return FunctionCfg::Visit::Done;
    }
    auto S = Element.getAs<CFGStmt>();
    if (!S)
      return FunctionCfg::Visit::Continue;
    if (waitsOnSignal(S->getStmt(), Signals) || (ThreadContainer && startsWaitLoop(S->getStmt(), Cfg.parents())))
      return FunctionCfg::Visit::StopPath;
    if (const auto *Detach = memberCallNamed(S->getStmt(), {"detach"}))
      if (refersTo(Detach->getImplicitObjectArgument(), Handle) || ThreadContainer) {
        Result = {true, Detach};
        return FunctionCfg::Visit::Done;
      }
    // A wait on the handle; for a container of threads, a join of one of them (in the usual loop).
    const auto *Wait = dyn_cast<CXXMemberCallExpr>(S->getStmt());
    if (Wait && (isWaitCall(Wait) || (Handle && waitsByItsBody(Wait))) &&
        (refersTo(Wait->getImplicitObjectArgument(), Handle) ||
         (ThreadContainer && isThreadOrFuture(Wait->getImplicitObjectArgument()->getType()))))
      return FunctionCfg::Visit::StopPath;
    if (const auto *Run = memberCallNamed(S->getStmt(), {"run", "join", "wait"});
        Run && refersTo(Run->getImplicitObjectArgument(), Handle))
      return FunctionCfg::Visit::StopPath;
    return FunctionCfg::Visit::Continue;
  });
  return Result;
}

const ContainerAccess *concurrentAccess(const ContainerAccess &Access, GuardInference &Inference, ASTContext &Ctx,
                                        bool &Repeated) {
  Repeated = false;
  if (!Access.DeferredBy || !Access.DeferredBy->NewThread || !Access.Held.empty())
    return nullptr;
  const Deferral &Start = *Access.DeferredBy;
  bool Global = isa<VarDecl>(Access.Container);
  const ContainerAccess *Other = nullptr;
  for (const ContainerAccess &Candidate : Inference.accesses()) {
    if (Candidate.Container != Access.Container || Candidate.Function == Access.Function ||
        (!Access.Use.Write && !Candidate.Use.Write))
      continue;
    // In the function that starts the thread, only accesses that may run while it runs count:
    // those reachable from the start without a join(), get() or wait() on the way.
    if (Candidate.Function == Access.Enclosing && !Candidate.DeferredBy) {
      if (!Global && !(Candidate.Path == Access.Path))
        continue;
      const FunctionCfg *Cfg = Inference.cfgOf(Access.Enclosing, Ctx);
      if (!Cfg || !firstBeforeWait(*Cfg, Start.Call, [&](const Stmt *S) { return S == Candidate.Ref; }))
        continue;
    } else if (!Global) {
      continue; // a member's other functions may run before the start or after a join
    }
    Other = &Candidate;
    break;
  }
  Repeated = Access.Use.Write && Inference.startsRepeatedly(Start, Access.Enclosing, Ctx);
  return Other;
}

} // namespace mapguard
