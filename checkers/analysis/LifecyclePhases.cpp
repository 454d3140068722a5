#include "analysis/LifecyclePhases.h"

#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
constexpr unsigned MaxStopDepth = 3;

/// The names that stop threads when the body is not there to read: a library's `join`,
/// `join_all`; a project's `StopIOService`, `Stop`, `shutdown`, `JoinAll`.
bool namedLikeStop(const FunctionDecl *Callee, bool Library) {
  if (!Callee->getIdentifier())
    return false;
  StringRef Name = Callee->getName();
  return Name.starts_with_insensitive("join") ||
         (!Library && (Name.starts_with_insensitive("stop") || Name.starts_with_insensitive("shutdown")));
}

/// Whether \p Fn may be called from code this unit does not see: only private and protected
/// members and internal functions have all their callers here (or in the class's other files).
bool calledOnlyHere(const FunctionDecl *Fn) {
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn))
    return Method->getAccess() != AS_public && !Method->isVirtual();
  return !Fn->isExternallyVisible();
}

/// The `if` whose test is of the thread \p Stop joins and whose branch begins with the join:
/// `if (t.joinable()) t.join();`, `if (m_Thread) { m_Thread->join(); ... }`. Past that `if` no
/// thread of that handle runs on either path: it was joined, or never started.
const IfStmt *joinTestedIf(const CallExpr *Stop, const ParentMap &Parents) {
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Stop);
  const Expr *Object = Member ? Member->getImplicitObjectArgument()->IgnoreParenImpCasts() : nullptr;
  if (const auto *Arrow = dyn_cast_or_null<CXXOperatorCallExpr>(Object); Arrow && Arrow->getNumArgs() == 1)
    Object = Arrow->getArg(0); // `m_Thread->join()` through a smart pointer
  const ValueDecl *Handle = declOfExpr(Object);
  if (!Handle)
    return nullptr;
  const Stmt *Statement = Stop;
  for (const Stmt *Parent = Parents.getParent(Statement); isa_and_nonnull<Expr>(Parent);
       Parent = Parents.getParent(Statement))
    Statement = Parent;
  const Stmt *Parent = Parents.getParent(Statement);
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(Parent);
      Block && !Block->body_empty() && Block->body_front() == Statement) {
    Statement = Block;
    Parent = Parents.getParent(Block);
  }
  const auto *If = dyn_cast_or_null<IfStmt>(Parent);
  if (!If || If->getThen() != Statement || If->getElse() || If->getInit() || If->getConditionVariable())
    return nullptr;
  bool TestsHandle = anyNodeUnder<Expr>(
      If->getCond(), [&](const Expr *E) { return isa<DeclRefExpr, MemberExpr>(E) && declOfExpr(E) == Handle; });
  return TestsHandle ? If : nullptr;
}

/// The CFG element of \p S or of the nearest statement around it that the CFG holds.
CFGPoint pointAround(const FunctionCfg &Cfg, const Stmt *S) {
  CFGPoint At;
  for (; S && !At.valid(); S = Cfg.parents().getParent(S))
    At = Cfg.pointOf(S);
  return At;
}
} // namespace

void LifecyclePhases::addCallSite(const FunctionDecl *Callee, const FunctionDecl *Caller, const CallExpr *Call) {
  CallSites[canonical(Callee)].push_back({Caller, Call});
}

bool LifecyclePhases::stopsThreads(const CallExpr *Call, unsigned Depth) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee)
    return false;
  if (Ctx.getSourceManager().isInSystemHeader(Callee->getLocation()))
    return namedLikeStop(Callee, /*Library=*/true);
  const FunctionDecl *Definition = nullptr;
  if (!Callee->hasBody(Definition))
    return namedLikeStop(Callee, /*Library=*/false);
  if (Depth >= MaxStopDepth)
    return false;
  auto [It, Inserted] = Stops.try_emplace(canonical(Callee), false);
  if (!Inserted)
    return It->second;
  bool Found = anyNodeUnder<CallExpr>(
      Definition->getBody(), [&](const CallExpr *Call) { return stopsThreads(Call, Depth + 1); }, LambdaBodies::Skip);
  Stops[canonical(Callee)] = Found;
  return Found;
}

ArrayRef<CFGPoint> LifecyclePhases::stopPoints(const FunctionCfg &Cfg) {
  auto [It, Inserted] = StopPoints.try_emplace(&Cfg);
  if (Inserted)
    for (const CFGBlock *Block : Cfg.cfg())
      for (unsigned I = 0; I < Block->size(); ++I)
        if (auto S = (*Block)[I].getAs<CFGStmt>())
          if (const auto *Call = dyn_cast<CallExpr>(S->getStmt()); Call && stopsThreads(Call, 0)) {
            It->second.push_back({Block, I});
            if (const IfStmt *If = joinTestedIf(Call, Cfg.parents()))
              if (CFGPoint Test = pointAround(Cfg, If->getCond()); Test.valid())
                It->second.push_back(Test);
          }
  return It->second;
}

bool LifecyclePhases::outsideSharing(const FunctionDecl *Fn, const Stmt *S) {
  if (OutsideSharing.contains(canonical(Fn)) || isa<CXXConstructorDecl, CXXDestructorDecl>(Fn))
    return true;
  const FunctionCfg *Cfg = Cfgs.get(Fn, Ctx);
  CFGPoint At = Cfg ? pointAround(*Cfg, S) : CFGPoint();
  if (!At.valid())
    return false;
  // Before the start of the threads kept in members, on every path, and never after one.
  SmallVector<CFGPoint, 2> StartPoints;
  for (const Expr *Start : Starts)
    if (CFGPoint Point = Cfg->pointOf(Start); Point.valid())
      StartPoints.push_back(Point);
  if (!StartPoints.empty()) {
    CFGPoint Exit{&Cfg->cfg().getExit(), 0};
    bool AfterAStart = llvm::any_of(StartPoints, [&](CFGPoint Start) { return Cfg->reaches(Start, At); });
    if (!AfterAStart && !Cfg->reaches(At, Exit, StartPoints))
      return true;
  }
  // After a stop on every path from the function's entry. A call that stops threads is not after
  // itself: it runs its callee's code before the stop (ZLToolKit's `onRead` calls `onRead_l`, which
  // reads the session map and, on some path, shuts a session down).
  SmallVector<CFGPoint, 2> Stops;
  for (CFGPoint Stop : stopPoints(*Cfg))
    if (!(Stop == At))
      Stops.push_back(Stop);
  CFGPoint Entry{&Cfg->cfg().getEntry(), 0};
  return !Stops.empty() && !Cfg->reaches(Entry, At, Stops);
}

namespace {
/// Whether \p Call runs its callee on the object its caller is constructing or destroying:
/// `helper()` or `this->helper()` (a static member or another object's runs on shared state).
bool onTheObjectItself(const CallExpr *Call) {
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Call);
  return Member && isa<CXXThisExpr>(Member->getImplicitObjectArgument()->IgnoreParenImpCasts());
}
} // namespace

void LifecyclePhases::compute(unsigned MaxDepth) {
  for (unsigned Round = 0; Round < MaxDepth; ++Round) {
    bool Changed = false;
    for (const auto &[Callee, Sites] : CallSites) {
      if (OutsideSharing.contains(Callee) || !calledOnlyHere(Callee))
        continue;
      // A constructor or destructor has only its own object to itself: a helper it calls on that
      // object runs outside sharing for the object's own state, and not otherwise (oatpp's
      // `Component` constructor registering itself in a global map under its lock).
      bool ThroughConstruction = false;
      if (llvm::all_of(Sites, [&](const CallSite &Site) {
            if (isa<CXXConstructorDecl, CXXDestructorDecl>(Site.Caller) ||
                DuringConstruction.contains(canonical(Site.Caller))) {
              ThroughConstruction = true;
              return onTheObjectItself(Site.Call);
            }
            return outsideSharing(Site.Caller, Site.Call);
          })) {
        OutsideSharing.insert(Callee);
        if (ThroughConstruction)
          DuringConstruction.insert(Callee);
        Changed = true;
      }
    }
    if (!Changed)
      break;
  }
}

} // namespace mapguard
