// Check-then-act pairs within one function (CheckActWithinFunction.h).
#include "analysis/CheckActWithinFunction.h"

#include "model/ContainerModel.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard::check_act {

void FunctionPairs::find(ArrayRef<const ContainerAccess *> Accesses, std::vector<CheckThenActPair> &Out) {
  for (const ContainerAccess *W : Accesses) {
    // A write that depends on what is there, or a read that needs an element to be there (when
    // some code can remove elements: otherwise a non-empty container stays so).
    bool NeedsElement = requiresElement(W->Use.What) && removesElements(W->Container);
    if (!isJudged(*W) || !(W->Use.Write || NeedsElement) || !isAct(*W, Cfg.parents()) ||
        (!W->Use.Write && !NeedsElement) || usesAlias(*W, GI.aliasesOf(Fn)))
      continue;
    const GuardInfo *Guard = GI.guardOf(W->Container);
    std::optional<ObjectPath> GuardPath = Guard ? GI.guardPath(*W, *Guard) : std::nullopt;
    if (!GuardPath || !W->Held.find(*GuardPath))
      continue;
    // Taking an element after one test: one finding (`front()` then `pop_front()`).
    if (auto Pair = pairFor(*W, *GuardPath, Accesses);
        Pair && !(NeedsElement && llvm::any_of(Out, [&](const CheckThenActPair &Earlier) {
                    return Earlier.Check == Pair->Check && requiresElement(Earlier.ActName);
                  })))
      Out.push_back(std::move(*Pair));
  }
}

bool FunctionPairs::removesElements(const clang::ValueDecl *Container) const {
  return llvm::any_of(GI.accesses(), [&](const ContainerAccess &A) {
    std::optional<ContainerOpKind> Kind = containerOpKindOf(A.Use.What);
    return A.Container == Container && (Kind == ContainerOpKind::Erase || Kind == ContainerOpKind::Replace);
  });
}

bool FunctionPairs::rechecked(const ContainerAccess &W, const ObjectPath &GuardPath,
                              ArrayRef<const ContainerAccess *> Accesses) const {
  CFGPoint ActPoint = Cfg.pointOf(W.Ref);
  return llvm::any_of(Accesses, [&](const ContainerAccess *R) {
    if (R == &W || R->Container != W.Container || !isCheck(*R, Cfg.parents()) || !R->Held.find(GuardPath))
      return false;
    CFGPoint CheckPoint = Cfg.pointOf(R->Ref);
    return Cfg.reaches(CheckPoint, ActPoint) && !releaseBetween(GuardPath, CheckPoint, ActPoint);
  });
}

const Expr *FunctionPairs::regionOf(const Expr *Site) const {
  for (const auto &[Var, Init] : D.Locals)
    if (contains(Init, Site, Cfg.parents()))
      return Init;
  for (const auto &[Statement, Cond] : D.Conditions)
    if (Cond && contains(Cond, Site, Cfg.parents()))
      return Cond;
  return Site;
}

const LockRelease *FunctionPairs::releaseBetween(const ObjectPath &Mutex, CFGPoint From, CFGPoint To) const {
  for (const LockRelease &Release : GI.releasesIn(Fn))
    if (Release.Lock.Mutex == Mutex && Cfg.reaches(From, Release.At) && Cfg.reaches(Release.At, To, {From}))
      return &Release;
  return nullptr;
}

std::optional<CheckThenActPair> FunctionPairs::pairFor(const ContainerAccess &W, const ObjectPath &GuardPath,
                                                       ArrayRef<const ContainerAccess *> Accesses) {
  CFGPoint ActPoint = Cfg.pointOf(W.Ref);
  const SourceManager &SM = Ctx.getSourceManager();
  std::optional<CheckThenActPair> Found;
  for (const ContainerAccess *R : Accesses) {
    if (R == &W || (R->Use.Write && R->Use.What != "operator[]") || R->Container != W.Container || R->Path != W.Path ||
        !isJudged(*R) || !isCheck(*R, Cfg.parents()))
      continue;
    CFGPoint CheckPoint = Cfg.pointOf(R->Ref);
    if (!Cfg.reaches(CheckPoint, ActPoint))
      continue;
    // A check in the act's own critical section re-checks: the pair is atomic.
    const LockRelease *Release = releaseBetween(GuardPath, CheckPoint, ActPoint);
    bool CheckLocked = R->Held.find(GuardPath) != nullptr;
    if (CheckLocked && !Release)
      return std::nullopt;
    if (Found || !sameKey(keyOf(R->Use), keyOf(W.Use), Ctx))
      continue;
    bool Decides = llvm::any_of(decidedBy(R->Use.Site, D, Cfg.parents()), [&](const Stmt *Decision) {
      return dependsOn(W.Use.Site, Decision, Cfg.parents(), SM);
    });
    // Erasing a key that an existence test found is a no-op if another thread erased it first;
    // a decision on its value (expired, stale) may erase a value another thread just replaced.
    if (Decides && removesKey(W.Use.What) && !readsValue(*R) && !erasesByIterator(W))
      continue;
    bool SameExplicitKey = keyOf(R->Use) && keyOf(W.Use);
    std::optional<CheckThenActForm> Form;
    if (Decides)
      Form = CheckLocked ? CheckThenActForm::TwoSections : CheckThenActForm::UnlockedCheck;
    else if (CheckLocked && readsValue(*R) && removesKey(W.Use.What) && SameExplicitKey)
      Form = CheckThenActForm::GetThenErase;
    else if (CheckLocked && readsValue(*R) && SameExplicitKey)
      if (const Expr *Stored = storedValue(W, Cfg.parents());
          Stored && referencesAny(Stored, valuesFrom(R->Use.Site, D, Cfg.parents())))
        Form = CheckThenActForm::LostUpdate;
    if (!Form)
      continue;
    // Memoisation: a store where the key was absent, of a value computed from the key (a plain
    // store: `m[k] += v` reads the old value).
    const Expr *Stored = storedValue(W, Cfg.parents());
    if (Decides && !removesKey(W.Use.What) && Stored && storesPlainly(W, Cfg.parents()) &&
        memoisedValue(Stored, keyOf(W.Use), D) && actsWhereAbsent(W.Use.Site, R->Use.Site, D, Cfg.parents(), SM))
      continue;
    CheckThenActPair Pair;
    Pair.Form = *Form;
    Pair.Check = R->Ref;
    Pair.CheckRegion = regionOf(R->Use.Site);
    Pair.Act = W.Ref;
    Pair.Read = R;
    Pair.Write = &W;
    Pair.Mutex = GuardPath;
    Pair.Container = W.Path.spelling();
    Pair.ActName = W.Use.What;
    Pair.CheckName = R->Use.What;
    if (Release) {
      Pair.ReleasedAt = FunctionCfg::locationOf(Release->At);
      if (Release->At.Index < Release->At.Block->size())
        if (auto Unlock = (*Release->At.Block)[Release->At.Index].getAs<CFGStmt>())
          Pair.Release = Unlock->getStmt();
      if (const HeldLock *Held = W.Held.find(GuardPath))
        Pair.Reacquire = Held->AcquiredAt;
    }
    Pair.ActsWhereAbsent = Decides && actsWhereAbsent(W.Use.Site, R->Use.Site, D, Cfg.parents(), SM);
    Found = std::move(Pair);
  }
  return Found;
}

} // namespace mapguard::check_act
