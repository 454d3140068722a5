// Check-then-act across calls: summaries of the member functions that lock internally (a query
// that returns what it found, a writer), and the callers in which a query's result decides a
// writer's call on the same object, container and key (CheckActAcrossCalls.h).
#include "analysis/CheckActAcrossCalls.h"

#include "analysis/CheckActWithinFunction.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard::check_act {
namespace {
/// What a member function does with one container of its class, under a mutex it locks itself.
struct LockingSummary {
  const ValueDecl *Container = nullptr;
  const ValueDecl *Mutex = nullptr;
  bool Query = false;                   // only reads it, and returns what it found
  bool ReadsValue = false;              // ... a value, not only whether a key is there
  const ContainerAccess *Act = nullptr; // a write not re-checked in the same critical section
};

/// Summaries of the member functions that lock internally, from their accesses.
llvm::DenseMap<const FunctionDecl *, LockingSummary> lockingSummaries(GuardInference &GI,
                                                                      ArrayRef<const FunctionDecl *> Order,
                                                                      const AccessesByFunction &ByFunction,
                                                                      ASTContext &Ctx) {
  llvm::DenseMap<const FunctionDecl *, LockingSummary> Summaries;
  for (const FunctionDecl *Fn : Order) {
    const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
    if (!Method || Method->getParent()->isLambda() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method))
      continue;
    const FunctionCfg *Cfg = GI.cfgOf(Fn, Ctx);
    if (!Cfg)
      continue;
    FunctionPairs Pairs(GI, Fn, *Cfg, Ctx); // the function's conditions and locals, scanned once
    LockingSummary Summary;
    bool Consistent = true, AllReads = true;
    for (const ContainerAccess *A : ByFunction.lookup(Fn)) {
      const GuardInfo *Guard = GI.guardOf(A->Container);
      std::optional<ObjectPath> GuardPath = Guard ? GI.guardPath(*A, *Guard) : std::nullopt;
      if (!GuardPath) {
        Consistent = false;
        break;
      }
      const HeldLock *Held = A->Held.find(*GuardPath);
      // Locked here, on this object: not held on entry, not another instance's.
      if (!isJudged(*A) || !Held || !Held->AcquiredAt || !A->Path.withoutLastStep().isRootedAtThis() ||
          A->Path.steps().size() != 1 || (Summary.Container && Summary.Container != A->Container)) {
        Consistent = false;
        break;
      }
      Summary.Container = A->Container;
      Summary.Mutex = Guard->Mutex;
      bool Check = isCheck(*A, Cfg->parents());
      AllReads &= Check || !A->Use.Write;
      Summary.ReadsValue |= readsValue(*A);
      if (A->Use.Write && !Summary.Act && isAct(*A, Cfg->parents()) &&
          !Pairs.rechecked(*A, *GuardPath, ByFunction.lookup(Fn)))
        Summary.Act = A;
    }
    if (!Consistent || !Summary.Container)
      continue;
    Summary.Query = AllReads && !Fn->getReturnType()->isVoidType();
    Summary.ReadsValue &= !Fn->getReturnType()->isBooleanType();
    if (Summary.Query || Summary.Act)
      Summaries[Fn->getCanonicalDecl()] = Summary;
  }
  return Summaries;
}

/// Calls of locking member functions in one caller: a query whose result decides an act on the
/// same object and container.
void findInCaller(GuardInference &GI, const FunctionDecl *Caller,
                  const llvm::DenseMap<const FunctionDecl *, LockingSummary> &Summaries, ASTContext &Ctx,
                  std::vector<CheckThenActPair> &Out) {
  SmallVector<const CXXMemberCallExpr *, 8> Calls;
  forEachNodeUnder<CXXMemberCallExpr>(
      Caller->getBody(),
      [&](const CXXMemberCallExpr *Call) {
        Calls.push_back(Call);
        return true;
      },
      LambdaBodies::Skip);
  auto SummaryOf = [&](const CXXMemberCallExpr *Call) -> const LockingSummary * {
    const FunctionDecl *Callee = Call->getMethodDecl();
    auto It = Callee ? Summaries.find(Callee->getCanonicalDecl()) : Summaries.end();
    return It == Summaries.end() ? nullptr : &It->second;
  };
  SmallVector<const CXXMemberCallExpr *, 4> Queries, Acts;
  for (const CXXMemberCallExpr *Call : Calls)
    if (const LockingSummary *Summary = SummaryOf(Call))
      (Summary->Query ? Queries : Acts).push_back(Call);
  if (Queries.empty() || Acts.empty())
    return;
  const FunctionCfg *Cfg = GI.cfgOf(Caller, Ctx);
  if (!Cfg)
    return;
  Decisions D = decisionsOf(Caller);
  ObjectPathResolver Resolver(Ctx);
  for (const CXXMemberCallExpr *Act : Acts) {
    const LockingSummary &Writes = *SummaryOf(Act);
    if (!Writes.Act)
      continue;
    for (const CXXMemberCallExpr *Query : Queries) {
      const LockingSummary &Reads = *SummaryOf(Query);
      if (Reads.Container != Writes.Container || Reads.Mutex != Writes.Mutex ||
          (removesKey(Writes.Act->Use.What) && !Reads.ReadsValue))
        continue;
      std::optional<ObjectPath> QueryObject = Resolver.objectOfCall(Query);
      std::optional<ObjectPath> ActObject = Resolver.objectOfCall(Act);
      if (!QueryObject || !ActObject || !(*QueryObject == *ActObject) ||
          !Cfg->reaches(Cfg->pointOf(Query), Cfg->pointOf(Act)))
        continue;
      const Expr *QueryKey = Query->getNumArgs() ? ignoringImplicit(Query->getArg(0)) : nullptr;
      const Expr *ActKey = Act->getNumArgs() ? ignoringImplicit(Act->getArg(0)) : nullptr;
      if (!sameKey(QueryKey, ActKey, Ctx))
        continue;
      bool Decides = llvm::any_of(decidedBy(Query, D, Cfg->parents()), [&](const Stmt *Decision) {
        return dependsOn(Act, Decision, Cfg->parents(), Ctx.getSourceManager());
      });
      if (!Decides)
        continue;
      // Memoisation across calls: `if (!cache.get(k, &v)) { v = compute(k); cache.set(k, v); }`,
      // where the query missed (where it found the key, `cache.set(k, v + 1)` is a lost update).
      if (!removesKey(Writes.Act->Use.What) && Act->getNumArgs() > 1 &&
          actsWhereAbsent(Act, Query, D, Cfg->parents(), Ctx.getSourceManager()) &&
          llvm::all_of(llvm::drop_begin(Act->arguments()),
                       [&](const Expr *Arg) { return memoisedValue(Arg, ActKey, D); }))
        continue;
      CheckThenActPair Pair;
      Pair.Form = CheckThenActForm::AcrossCalls;
      Pair.Check = Query;
      Pair.CheckRegion = Query;
      Pair.Act = Act;
      Pair.Write = Writes.Act;
      Pair.Mutex = ObjectPath::variable(Writes.Mutex);
      Pair.Container = Writes.Container->getName().str();
      Pair.ActName = Act->getMethodDecl()->getNameAsString();
      Pair.CheckName = Query->getMethodDecl()->getNameAsString();
      Out.push_back(std::move(Pair));
      break;
    }
  }
}
} // namespace

void findAcrossCalls(GuardInference &GI, ArrayRef<const FunctionDecl *> Order, const AccessesByFunction &ByFunction,
                     ASTContext &Ctx, std::vector<CheckThenActPair> &Out) {
  auto Summaries = lockingSummaries(GI, Order, ByFunction, Ctx);
  if (!Summaries.empty())
    for (const FunctionDecl *Caller : GI.functions())
      findInCaller(GI, Caller, Summaries, Ctx, Out);
}

} // namespace mapguard::check_act
