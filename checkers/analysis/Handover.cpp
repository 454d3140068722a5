#include "analysis/Handover.h"

#include "utils/AstUtil.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"

using namespace clang;

namespace mapguard {
namespace {
const VarDecl *localVariable(const Expr *E) {
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
  if (const VarDecl *Assigned = localVariable(assignmentTarget(Parent)))
    return Assigned;
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Start)) {
    // An asio I/O object that dies cancels its operations, but the io_context still calls the
    // handler (with operation_aborted) later.
    const CXXMethodDecl *Method = Member->getMethodDecl();
    if (Method && Method->getIdentifier() && Method->getName().starts_with("async_"))
      return nullptr;
    return localVariable(Member->getImplicitObjectArgument());
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
    return localVariable(Target);
  }
  return nullptr;
}

bool refersTo(const Expr *E, const VarDecl *Var) { return Var && localVariable(E) == Var; }

bool isThreadOrFuture(QualType T) {
  const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->getIdentifier())
    return false;
  StringRef Name = Record->getName();
  return Name == "thread" || Name == "jthread" || Name == "future" || Name == "shared_future";
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
    if (isWaitCall(S->getStmt()))
      return FunctionCfg::Visit::StopPath;
    if (Match(S->getStmt())) {
      Found = S->getStmt();
      return FunctionCfg::Visit::Done;
    }
    return FunctionCfg::Visit::Continue;
  });
  return Found;
}

Outliving mayOutlive(const FunctionCfg &Cfg, const Deferral &Start, const VarDecl *Local) {
  bool Discarded = false;
  const VarDecl *Handle = handleOf(Start.Call, Cfg.parents(), Discarded);
  if (Discarded)
    return {};
  Outliving Result;
  // `std::thread(...).detach()`
  if (const auto *Member = dyn_cast_or_null<MemberExpr>(parentIgnoringImplicit(Cfg.parents(), Start.Call)))
    if (const auto *Detach = memberCallNamed(Cfg.parents().getParent(Member), {"detach"}))
      return {true, Detach};
  // A thread temporary is joined in its own expression (or terminates the program).
  if (!Handle)
    return {!isa<CXXConstructExpr>(Start.Call), nullptr};
  bool ThreadContainer = isa<CXXMemberCallExpr>(Start.Call) && Start.NewThread;
  Cfg.forEachElementAfter(Start.Call, [&](const CFGElement &Element) {
    const VarDecl *Dying = nullptr;
    if (auto Dtor = Element.getAs<CFGAutomaticObjDtor>())
      Dying = Dtor->getVarDecl();
    else if (auto End = Element.getAs<CFGLifetimeEnds>())
      Dying = End->getVarDecl();
    if (Dying == Handle)
      return FunctionCfg::Visit::StopPath;
    if (Dying == Local) {
      Result.MayOutlive = true;
      return FunctionCfg::Visit::Done;
    }
    auto S = Element.getAs<CFGStmt>();
    if (!S)
      return FunctionCfg::Visit::Continue;
    if (const auto *Detach = memberCallNamed(S->getStmt(), {"detach"}))
      if (refersTo(Detach->getImplicitObjectArgument(), Handle) || ThreadContainer) {
        Result = {true, Detach};
        return FunctionCfg::Visit::Done;
      }
    // A wait on the handle; for a container of threads, a join of one of them (in the usual loop).
    const auto *Wait = dyn_cast<CXXMemberCallExpr>(S->getStmt());
    if (Wait && isWaitCall(Wait) &&
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
