#include "analysis/ConcurrentInvocations.h"

#include "analysis/Handover.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/DenseSet.h"

using namespace clang;

namespace mapguard {
namespace {
/// The call that runs \p Lambda concurrently with itself, if any, and the function it calls (null
/// for a thread started in a loop).
std::optional<std::pair<const Expr *, const FunctionDecl *>>
concurrentRunner(const LambdaExpr *Lambda, const FunctionCfg &Cfg, const DeferringCallees &Deferring) {
  // A new thread started in a loop of this function.
  // (Started again before a join: `for (...) { std::thread t(f); t.join(); }` runs one at a time.)
  if (std::optional<Deferral> Start = Deferring.deferralOf(Lambda, Cfg.parents());
      Start && Start->NewThread && firstBeforeWait(Cfg, Start->Call, [&](const Stmt *S) { return S == Start->Call; })) {
    return std::make_pair(Start->Call, static_cast<const FunctionDecl *>(nullptr));
  }
  // An argument of a function that starts one per iteration.
  const Stmt *Parent = parentIgnoringImplicit(Cfg.parents(), Lambda);
  const Expr *Arg = Lambda;
  while (isa_and_nonnull<CXXConstructExpr>(Parent) && cast<CXXConstructExpr>(Parent)->getNumArgs() == 1) {
    Arg = cast<Expr>(Parent); // converted to a std::function parameter
    Parent = parentIgnoringImplicit(Cfg.parents(), Parent);
  }
  const auto *Call = dyn_cast_or_null<CallExpr>(Parent);
  if (!Call || !Call->getDirectCallee() || !Deferring.runsConcurrently(Call, Arg))
    return std::nullopt;
  return std::make_pair(static_cast<const Expr *>(Call), Call->getDirectCallee());
}

/// Records, for each candidate reference in a lambda's body, whether no lock is held before it.
struct UnlockedUses : LockStateHandler {
  const llvm::DenseSet<const Stmt *> &Candidates;
  llvm::DenseSet<const Stmt *> Unlocked;
  explicit UnlockedUses(const llvm::DenseSet<const Stmt *> &Candidates) : Candidates(Candidates) {}
  void element(const CFGElement &Element, const LockSet &Before) override {
    if (auto Statement = Element.getAs<CFGStmt>())
      if (Candidates.contains(Statement->getStmt()) && Before.empty())
        Unlocked.insert(Statement->getStmt());
  }
};
} // namespace

std::vector<ConcurrentWrite> findConcurrentWrites(const FunctionDecl *Fn, GuardInference &Inference, ASTContext &Ctx) {
  std::vector<ConcurrentWrite> Writes;
  std::vector<const LambdaExpr *> Lambdas;
  forEachNodeUnder<LambdaExpr>(Fn->getBody(), [&](const LambdaExpr *Lambda) {
    Lambdas.push_back(Lambda);
    return true;
  });
  const FunctionCfg *Cfg = nullptr; // built for the first lambda that captures a container by reference
  for (const LambdaExpr *Lambda : Lambdas) {
    // Containers captured by reference, explicitly or by `[&]`.
    llvm::SmallVector<const VarDecl *, 4> Captured;
    for (const LambdaCapture &Capture : Lambda->captures())
      if (Capture.capturesVariable() && Capture.getCaptureKind() == LCK_ByRef)
        if (const auto *Var = dyn_cast<VarDecl>(Capture.getCapturedVar());
            Var && Var->hasLocalStorage() &&
            (Inference.containers().classify(Var->getType()) ||
             Inference.containers().isOtherContainer(Var->getType())) &&
            !ContainerModel::synchronizesItself(Var->getType())) // a concurrent container: its purpose
          Captured.push_back(Var);
    if (Captured.empty())
      continue;
    if (!Cfg)
      Cfg = Inference.cfgOf(Fn, Ctx);
    if (!Cfg)
      continue;
    auto Runner = concurrentRunner(Lambda, *Cfg, Inference.deferring());
    const FunctionCfg *Body = Runner ? Inference.cfgOf(Lambda->getCallOperator(), Ctx) : nullptr;
    if (!Runner || !Body)
      continue;
    llvm::SmallVector<std::pair<const DeclRefExpr *, ContainerUse>, 4> Changes;
    llvm::DenseSet<const Stmt *> Candidates;
    for (const VarDecl *Var : Captured)
      for (const DeclRefExpr *Ref : referencesTo(Lambda->getBody(), Var)) {
        ContainerUse Use = classifyContainerUse(Ref, Body->parents(), Inference.containers());
        if (!Use.Write || Use.ElementOnly)
          continue;
        Changes.push_back({Ref, Use});
        Candidates.insert(Ref);
      }
    if (Changes.empty())
      continue;
    ObjectPathResolver Resolver(Ctx);
    LockStateAnalysis Analysis(Inference.locks(), Resolver);
    UnlockedUses Handler(Candidates);
    Analysis.run(*Body, LockSet(), Handler);
    for (const auto &[Ref, Use] : Changes)
      if (Handler.Unlocked.contains(Ref))
        Writes.push_back({Lambda, Ref, Use, Runner->first, Runner->second});
  }
  return Writes;
}

} // namespace mapguard
