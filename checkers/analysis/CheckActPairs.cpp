// Every check-then-act pair of a unit: within each function, then across calls (CheckActPairs.h).
#include "analysis/CheckActPairs.h"

#include "analysis/CheckActAcrossCalls.h"
#include "analysis/CheckActDecisions.h"
#include "analysis/CheckActWithinFunction.h"
#include "clang/AST/ASTContext.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard {
using namespace check_act;

bool insertsWhereAbsent(const ContainerAccess &W, GuardInference &Inference, ASTContext &Ctx) {
  const FunctionCfg *Cfg = keyOf(W.Use) ? Inference.cfgOf(W.Function, Ctx) : nullptr;
  if (!Cfg)
    return false;
  std::optional<Decisions> D;
  CFGPoint ActPoint = Cfg->pointOf(W.Ref);
  auto SameSection = [&](const ContainerAccess &R) {
    CFGPoint CheckPoint = Cfg->pointOf(R.Ref);
    return Cfg->reaches(CheckPoint, ActPoint) && llvm::any_of(R.Held.held(), [&](const HeldLock &Lock) {
             return W.Held.find(Lock.Mutex) &&
                    llvm::none_of(Inference.releasesIn(W.Function), [&](const LockRelease &Release) {
                      return Release.Lock.Mutex == Lock.Mutex && Cfg->reaches(CheckPoint, Release.At) &&
                             Cfg->reaches(Release.At, ActPoint, {CheckPoint});
                    });
           });
  };
  for (const ContainerAccess &R : Inference.accesses()) {
    StringRef What = R.Use.What;
    if (&R == &W || R.Function != W.Function || R.Container != W.Container || !(R.Path == W.Path) || R.Use.Write ||
        (What != "find" && What != "count" && What != "contains") || !keyOf(R.Use) ||
        !sameKey(keyOf(R.Use), keyOf(W.Use), Ctx) || !SameSection(R))
      continue;
    if (!D)
      D = decisionsOf(W.Function);
    if (actsWhereAbsent(W.Use.Site, R.Use.Site, *D, Cfg->parents(), Ctx.getSourceManager()))
      return true;
  }
  return false;
}

std::vector<CheckThenActPair> findCheckThenAct(GuardInference &Inference, ASTContext &Ctx) {
  std::vector<const FunctionDecl *> Order;
  check_act::AccessesByFunction ByFunction;
  for (const ContainerAccess &Access : Inference.accesses()) {
    auto [It, Inserted] = ByFunction.try_emplace(Access.Function);
    if (Inserted)
      Order.push_back(Access.Function);
    It->second.push_back(&Access);
  }
  std::vector<CheckThenActPair> Pairs;
  for (const FunctionDecl *Fn : Order) {
    ArrayRef<const ContainerAccess *> Accesses = ByFunction[Fn];
    bool HasAct = llvm::any_of(Accesses, [](const ContainerAccess *A) { return A->Use.Write; });
    const FunctionCfg *Cfg = HasAct && Accesses.size() > 1 ? Inference.cfgOf(Fn, Ctx) : nullptr;
    if (Cfg)
      check_act::FunctionPairs(Inference, Fn, *Cfg, Ctx).find(Accesses, Pairs);
  }
  check_act::findAcrossCalls(Inference, Order, ByFunction, Ctx, Pairs);
  return Pairs;
}

} // namespace mapguard
