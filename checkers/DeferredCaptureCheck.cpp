#include "DeferredCaptureCheck.h"
#include "utils/AstUtil.h"

#include "analysis/ConcurrentInvocations.h"
#include "analysis/Handover.h"
#include "analysis/IteratorLoops.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace mapguard {

void DeferredCaptureCheck::check(const ast_matchers::MatchFinder::MatchResult &Result) {
  GuardedContainerCheck::check(Result);
  const auto *Fn = Result.Nodes.getNodeAs<FunctionDecl>("fn");
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  if ((!Fn->isDependentContext() || !templateInstantiatedInUnit(Fn)) && !(Method && Method->getParent()->isLambda()))
    Functions.push_back(Fn);
}

void DeferredCaptureCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  MadeMutable.clear();
  llvm::DenseSet<const Expr *> Reported;
  // One finding per callback and container: the fix (a lock inside the callback) covers the others.
  llvm::DenseSet<std::pair<const FunctionDecl *, const ValueDecl *>> ReportedIn;
  for (const ContainerAccess &Access : Inference.accesses()) {
    if (!Access.DeferredBy || Access.OptedOut || readsOnlySize(Access) || !Reported.insert(Access.Ref).second ||
        ReportedIn.contains({Access.Function, Access.Container}))
      continue;
    if (const GuardInfo *Guard = Inference.guardOf(Access.Container)) {
      std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, *Guard);
      if (GuardPath && Inference.missesGuard(Access, *Guard, *GuardPath) &&
          reportUnguarded(Access, *Guard, *GuardPath, Inference, Ctx))
        ReportedIn.insert({Access.Function, Access.Container});
      continue;
    }
    reportThreadRace(Access, Inference, Ctx, "thread-race", "in a callback that runs on another thread",
                     "also used by other code at the same time");
  }
  for (const FunctionDecl *Fn : Functions) {
    const FunctionCfg *Cfg = nullptr;
    std::vector<LocalCapture> Captures = findLocalCaptures(Fn, Inference.deferring(), Inference.containers(),
                                                           [&] { return Cfg = Inference.cfgOf(Fn, Ctx); });
    llvm::DenseSet<std::pair<const VarDecl *, const Expr *>> Seen;
    // A container changed by a callable that runs on several threads at once gets that finding,
    // more specific than "used while the thread runs".
    std::vector<ConcurrentWrite> Concurrent = findConcurrentWrites(Fn, Inference, Ctx);
    for (const ConcurrentWrite &Write : Concurrent)
      if (const auto *Local = dyn_cast<VarDecl>(Write.Ref->getDecl()))
        Seen.insert({Local, Write.HandOver});
    for (const LocalCapture &Capture : Captures)
      if (Seen.insert({Capture.Local, Capture.Start.Call}).second)
        reportLocal(Fn, Capture, *Cfg, Inference.containers(), Ctx);
    for (const ConcurrentWrite &Write : Concurrent) {
      if (!Rules.enabled("concurrent-invocations"))
        break;
      std::string Name = Write.Ref->getDecl()->getNameAsString();
      diag(Write.Ref->getExprLoc(), "'%0' on '%1', captured by reference, in a callable that %select{a thread "
                                    "started in a loop|'%3'}2 runs on several threads at once, with no lock held: "
                                    "the threads change '%1' together; lock a mutex around the change, or give each "
                                    "thread its own container and merge them after the join")
          << Write.Use.What << Name << (Write.Runner != nullptr)
          << (Write.Runner ? Write.Runner->getNameAsString() : std::string()) << Write.Use.Site->getSourceRange();
      diag(Write.HandOver->getBeginLoc(), "the callable is started on several threads here", DiagnosticIDs::Note);
    }
  }
  Functions.clear();
}

bool DeferredCaptureCheck::reportUnguarded(const ContainerAccess &Access, const GuardInfo &Guard,
                                           const ObjectPath &GuardPath, GuardInference &Inference, ASTContext &Ctx) {
  std::string Mutex = GuardPath.spelling();
  if (!Access.DeferredBy)
    return false;
  // The exception to the protocol every other function keeps: a change in the callback, or a read
  // in a callback that locks its other accesses (a deleted or late guard in a task or timer).
  // (A GUARDED_BY container keeps the same protocol, its guard named rather than inferred.)
  bool Consistent = Rules.enabled("callback-consistent-guard") && !Access.Use.ElementOnly && !Access.ScopeExit &&
                    (Access.Use.Write || readWhereFunctionLocks(Access, GuardPath, Inference)) &&
                    keptByOtherFunctions(Access, Guard, Inference, nullptr, /*ChangeAfterHandOver=*/true);
  if (!Consistent && !Rules.enabled("callback-without-guard"))
    return false;
  const Deferral &Start = *Access.DeferredBy;
  const HeldLock *AtSchedule = Access.ScheduledUnder.find(GuardPath);
  {
    auto Diag = diag(Access.Ref->getExprLoc(),
                     AtSchedule ? "%0 in a callback that runs %select{later|on another thread}1, after the lock on "
                                  "'%2' held where it is scheduled is released; '%2' guards '%3' (%select{held at %5 "
                                  "of %6 accesses|GUARDED_BY|held at every access in the other functions, %5 of %6 "
                                  "accesses}4%7): lock '%2' inside the callback"
                                : "%0 in a callback that runs %select{later|on another thread}1, without holding "
                                  "'%2', which guards '%3' (%select{held at %5 of %6 accesses|GUARDED_BY|held at "
                                  "every access in the other functions, %5 of %6 accesses}4%7); lock '%2' inside the "
                                  "callback")
                << describe(Access) << Start.NewThread << Mutex << Access.Path.spelling()
                << (Consistent        ? 2
                    : Guard.Annotated ? 1
                                      : 0)
                << Guard.HeldAt << Guard.Counted
                << heldElsewhereText(Guard) + (Consistent && Guard.Annotated ? ", named by GUARDED_BY" : "")
                << Access.Use.Site->getSourceRange();
    if (auto Fix = lockInsideLambda(Access, Guard, GuardPath, Inference, LockedLambdas, Ctx))
      Diag << *Fix;
  }
  diag(Start.Call->getBeginLoc(), "the callback is handed over here", DiagnosticIDs::Note);
  if (AtSchedule && AtSchedule->AcquiredAt)
    diag(AtSchedule->AcquiredAt->getBeginLoc(), "'%0' is locked here, and released before the callback runs",
         DiagnosticIDs::Note)
        << Mutex;
  noteGuardEvidence(Access, Guard, Mutex);
  return true;
}

void DeferredCaptureCheck::reportLocal(const FunctionDecl *Fn, const LocalCapture &Capture, const FunctionCfg &Cfg,
                                       const ContainerModel &Containers, ASTContext &Ctx) {
  StringRef Name = Capture.Local->getName();
  Outliving Life = mayOutlive(Cfg, Capture.Start, Capture.Local, Capture.Lambda);
  if (Life.MayOutlive) {
    // A local of main()'s own block lives until the program ends: only exit could outlive it.
    const DeclStmt *Declaration = Fn->isMain() ? declStmtOf(Fn->getBody(), Capture.Local) : nullptr;
    if (!Rules.enabled("local-outlived") || (Declaration && Cfg.parents().getParent(Declaration) == Fn->getBody()))
      return;
    unsigned Reason = Life.Detach ? 0 : Capture.Start.NewThread ? 1 : 2;
    SmallVector<FixItHint, 2> Fixes = moveCaptureFix(Fn, Capture, Cfg, Ctx);
    diag(Capture.At,
         "'%0' is %select{passed|captured}1 by reference into a callback that may run after '%0' is "
         "destroyed (%select{the thread is detached|the thread is not joined on every path before it goes "
         "out of scope|it is posted, scheduled or registered and may run after this scope ends}2); "
         "%select{keep it alive with shared ownership (std::shared_ptr) or wait for the callback before the "
         "scope ends|capture it by move}3")
        << Name << (Capture.Lambda != nullptr) << Reason << !Fixes.empty() << Fixes;
    diag(Capture.Start.Call->getBeginLoc(), "the callback is handed over here", DiagnosticIDs::Note);
    if (Life.Detach)
      diag(Life.Detach->getBeginLoc(), "the thread is detached here", DiagnosticIDs::Note);
    diag(Capture.Local->getLocation(), "'%0' is declared here", DiagnosticIDs::Note) << Name;
    return;
  }
  if (!Capture.Start.NewThread || !Rules.enabled("local-shared-with-thread"))
    return;
  // Both sides use the local while the thread runs, one of them writing: a race with no mutex.
  const Stmt *Other = firstBeforeWait(Cfg, Capture.Start.Call, [&](const Stmt *S) {
    const auto *Ref = dyn_cast<DeclRefExpr>(S);
    // Capturing it again (the next callable of a loop that starts several) uses nothing.
    if (!Ref || Ref->getDecl() != Capture.Local || isa_and_nonnull<LambdaExpr>(Cfg.parents().getParent(Ref)))
      return false;
    return Capture.Written || classifyContainerUse(Ref, Cfg.parents(), Containers).Write;
  });
  if (!Other)
    return;
  diag(Capture.Use ? Capture.Use->getExprLoc() : Capture.At,
       "'%0' is used in a callback that runs on another thread while this function still uses it, with no "
       "mutex; wait for the thread (join, get) before using '%0' again, or guard it with a mutex")
      << Name;
  diag(Capture.Start.Call->getBeginLoc(), "the thread is started here", DiagnosticIDs::Note);
  diag(Other->getBeginLoc(), "'%0' is used here before the thread is waited for", DiagnosticIDs::Note) << Name;
}

SmallVector<FixItHint, 2> DeferredCaptureCheck::moveCaptureFix(const FunctionDecl *Fn, const LocalCapture &Capture,
                                                               const FunctionCfg &Cfg, ASTContext &Ctx) {
  // `[&pending]` -> `[pending = std::move(pending)]` when nothing uses 'pending' after the hand-over.
  const LambdaExpr *Lambda = Capture.Lambda;
  const SourceManager &SM = Ctx.getSourceManager();
  // The move happens where the lambda is created (a stored lambda may be handed over later).
  if (!Lambda || !mayRewrite(Fn) || Lambda->getBeginLoc().isMacroID() || Cfg.mayRunAgain(Capture.Start.Call) ||
      Cfg.mayRunAgain(Lambda) || usedAfter(Fn, Capture.Local, Lambda, SM) ||
      usedAfter(Fn, Capture.Local, Capture.Start.Call, SM) ||
      (!Capture.ExplicitByReference && Lambda->getCaptureDefault() != LCD_ByRef))
    return {};
  std::string Name = Capture.Local->getNameAsString();
  std::string Moved = Name + " = std::move(" + Name + ")";
  SmallVector<FixItHint, 2> Fixes;
  if (Capture.ExplicitByReference) {
    // The '&' before the name.
    const char *NameStart = SM.getCharacterData(Capture.At);
    const char *Amp = NameStart;
    while (Amp > SM.getCharacterData(Lambda->getBeginLoc()) && Amp[-1] != '&')
      --Amp;
    if (Amp == SM.getCharacterData(Lambda->getBeginLoc()) ||
        StringRef(Amp, NameStart - Amp).find_first_not_of(" \t") != StringRef::npos)
      return {};
    SourceLocation AmpLoc = Capture.At.getLocWithOffset(-static_cast<int>(NameStart - Amp) - 1);
    SourceLocation NameEnd = Capture.At.getLocWithOffset(static_cast<int>(Name.size()));
    Fixes.push_back(FixItHint::CreateReplacement(CharSourceRange::getCharRange(AmpLoc, NameEnd), Moved));
  } else {
    Fixes.push_back(FixItHint::CreateInsertion(Lambda->getIntroducerRange().getEnd(), ", " + Moved));
  }
  // A captured copy is const in a lambda that is not mutable.
  if (Capture.Written && !Lambda->isMutable() && MadeMutable.insert(Lambda).second) {
    if (Lambda->hasExplicitParameters()) {
      SourceLocation RParen = Lambda->getCallOperator()->getFunctionTypeLoc().getRParenLoc();
      Fixes.push_back(FixItHint::CreateInsertion(RParen.getLocWithOffset(1), " mutable"));
    } else {
      SourceLocation AfterIntroducer =
          Lexer::getLocForEndOfToken(Lambda->getIntroducerRange().getEnd(), 0, SM, Ctx.getLangOpts());
      Fixes.push_back(FixItHint::CreateInsertion(AfterIntroducer, "() mutable"));
    }
  }
  return Fixes;
}

} // namespace mapguard
