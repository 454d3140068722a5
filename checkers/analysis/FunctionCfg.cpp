#include "analysis/FunctionCfg.h"

#include "clang/AST/ExprCXX.h"
#include "clang/AST/StmtCXX.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Config/llvm-config.h"
#include <optional>

using namespace clang;

namespace mapguard {
namespace {
/// Whether error recovery left a mark in \p Body: the CFG builder does not expect one.
bool containsErrors(Stmt *Body) {
  struct Finder : RecursiveASTVisitor<Finder> {
    bool Found = false;
    bool VisitExpr(Expr *E) {
      Found |= E->containsErrors();
      return !Found;
    }
    bool VisitDecl(Decl *D) {
      Found |= D->isInvalidDecl();
      return !Found;
    }
  } Scan;
  Scan.TraverseStmt(Body);
  return Scan.Found;
}
} // namespace

FunctionCfg::FunctionCfg(const FunctionDecl *Fn, ASTContext &Ctx) {
  Stmt *Body = Fn->getBody();
  if (!Body || Fn->isInvalidDecl())
    return;
  // A unit that did not compile: only functions that error recovery did not touch. After a fatal
  // error (a missing header: a database used before the build generated its headers) the parser
  // stops diagnosing and the AST is not trustworthy anywhere; Clang's CFG builder crashed on
  // sogou/workflow's EncodeStream.cc there. Clang's own CFG-based warnings skip such units too.
  const DiagnosticsEngine &Diags = Ctx.getDiagnostics();
  if (Diags.hasFatalErrorOccurred() || (Diags.hasUncompilableErrorOccurred() && containsErrors(Body)))
    return;
  CFG::BuildOptions Options;
  Options.setAllAlwaysAdd();
  Options.AddImplicitDtors = true;
  Options.AddTemporaryDtors = true;
  Options.AddInitializers = true;
  Options.AddLifetime = true;
  Cfg = CFG::buildCFG(Fn, Body, &Ctx, Options);
  if (!Cfg)
    return;
  Parents = std::make_unique<ParentMap>(Body);
#if LLVM_VERSION_MAJOR >= 22
  StmtToBlock = std::make_unique<CFGStmtMap>(*Cfg, *Parents);
#else
  StmtToBlock.reset(CFGStmtMap::Build(Cfg.get(), Parents.get()));
#endif
}

const CFGBlock *FunctionCfg::blockOf(const Stmt *S) const {
  return StmtToBlock ? StmtToBlock->getBlock(S) : nullptr;
}

CFGPoint FunctionCfg::pointOf(const Stmt *S) const {
  const CFGBlock *Block = blockOf(S);
  if (!Block)
    return {};
  for (unsigned I = 0; I < Block->size(); ++I)
    if (auto Element = (*Block)[I].getAs<CFGStmt>(); Element && Element->getStmt() == S)
      return {Block, I};
  return {};
}

SourceLocation FunctionCfg::locationOf(CFGPoint At) {
  if (!At.valid() || At.Index >= At.Block->size())
    return {};
  const CFGElement &Element = (*At.Block)[At.Index];
  if (auto Statement = Element.getAs<CFGStmt>())
    return Statement->getStmt()->getBeginLoc();
  if (auto Dtor = Element.getAs<CFGAutomaticObjDtor>())
    return Dtor->getTriggerStmt() ? Dtor->getTriggerStmt()->getEndLoc() : SourceLocation();
  return {};
}

bool FunctionCfg::reaches(CFGPoint From, CFGPoint To, ArrayRef<CFGPoint> Avoid) const {
  if (!From.valid() || !To.valid())
    return false;
  // Within one block, the first of To and an avoided point after the start decides.
  auto ReachesInBlock = [&](const CFGBlock *B, unsigned Start) -> std::optional<bool> {
    std::optional<unsigned> FirstAvoided;
    for (const CFGPoint &Point : Avoid)
      if (Point.Block == B && Point.Index >= Start && (!FirstAvoided || Point.Index < *FirstAvoided))
        FirstAvoided = Point.Index;
    bool HasTo = B == To.Block && To.Index >= Start;
    if (HasTo && (!FirstAvoided || To.Index < *FirstAvoided))
      return true;
    if (FirstAvoided)
      return false;
    return std::nullopt;
  };
  if (auto Decided = ReachesInBlock(From.Block, From.Index + 1))
    return *Decided;
  llvm::SmallPtrSet<const CFGBlock *, 32> Seen;
  llvm::SmallVector<const CFGBlock *, 32> Work{From.Block};
  while (!Work.empty()) {
    const CFGBlock *B = Work.pop_back_val();
    for (const CFGBlock::AdjacentBlock &Succ : B->succs()) {
      const CFGBlock *Next = Succ.getReachableBlock();
      if (!Next || !Seen.insert(Next).second)
        continue;
      if (auto Decided = ReachesInBlock(Next, 0)) {
        if (*Decided)
          return true;
        continue;
      }
      Work.push_back(Next);
    }
  }
  return false;
}

bool FunctionCfg::reachesFrom(const Stmt *S, llvm::function_ref<bool(const CFGBlock &)> Target,
                              const CFGBlock *Avoid) const {
  const CFGBlock *Start = blockOf(S);
  if (!Start)
    return false;
  llvm::SmallPtrSet<const CFGBlock *, 32> Seen;
  if (Avoid)
    Seen.insert(Avoid);
  llvm::SmallVector<const CFGBlock *, 32> Work{Start};
  while (!Work.empty()) {
    const CFGBlock *B = Work.pop_back_val();
    for (const CFGBlock::AdjacentBlock &Succ : B->succs()) {
      const CFGBlock *Next = Succ.getReachableBlock();
      if (!Next)
        continue;
      if (Target(*Next))
        return true;
      if (Seen.insert(Next).second)
        Work.push_back(Next);
    }
  }
  return false;
}

bool leavesLoopSyntactically(const Stmt *S, const Stmt *Loop, const ParentMap &Parents) {
  const Stmt *Child = S;
  for (const Stmt *Parent = Parents.getParent(S); Parent && Parent != Loop;
       Child = Parent, Parent = Parents.getParent(Parent)) {
    if (isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt, SwitchStmt>(Parent))
      return false; // a break there leaves that statement, not Loop
    const auto *Block = dyn_cast<CompoundStmt>(Parent);
    if (!Block)
      continue;
    bool After = false;
    for (const Stmt *Sibling : Block->body()) {
      if (Sibling == Child) {
        After = true;
        continue;
      }
      if (!After)
        continue;
      if (isa<ContinueStmt>(Sibling))
        return false;
      if (isa<BreakStmt, ReturnStmt, GotoStmt, CXXThrowExpr>(Sibling))
        return true;
    }
  }
  return false;
}

namespace {
bool isDependentRangeFor(const Stmt *Loop) {
  const auto *RangeFor = dyn_cast<CXXForRangeStmt>(Loop);
  return RangeFor && !RangeFor->getBeginStmt();
}
} // namespace

bool FunctionCfg::mayContinueLoopAfter(const Stmt *S, const Stmt *Loop) const {
  if (!blockOf(S) || isDependentRangeFor(Loop))
    return !leavesLoopSyntactically(S, Loop, parents());
  // A path that leaves the loop and enters it again (an outer loop restarting it) starts over:
  // it runs the loop's initialisation (`auto __begin = range.begin()`, a for's init) on the way.
  const Stmt *Initialisation = nullptr;
  if (const auto *RangeFor = dyn_cast<CXXForRangeStmt>(Loop))
    Initialisation = RangeFor->getBeginStmt();
  else if (const auto *For = dyn_cast<ForStmt>(Loop))
    Initialisation = For->getInit();
  const CFGBlock *Restart = Initialisation ? blockOf(Initialisation) : nullptr;
  return reachesFrom(S, [&](const CFGBlock &B) { return B.getTerminatorStmt() == Loop; },
                     Restart == blockOf(S) ? nullptr : Restart);
}

bool FunctionCfg::mayRunAgain(const Stmt *S) const {
  const CFGBlock *Start = blockOf(S);
  return reachesFrom(S, [&](const CFGBlock &B) { return &B == Start; });
}

void FunctionCfg::forEachElementAfter(const Stmt *S, llvm::function_ref<Visit(const CFGElement &)> Visitor) const {
  const CFGBlock *Start = blockOf(S);
  if (!Start)
    return;
  // Visits a block from element index First; false when the path (or the walk) ends inside it.
  bool Done = false;
  auto WalkBlock = [&](const CFGBlock *B, size_t First) {
    for (size_t I = First; I < B->size(); ++I) {
      Visit Result = Visitor((*B)[I]);
      if (Result == Visit::Done)
        Done = true;
      if (Result != Visit::Continue)
        return false;
    }
    return true;
  };
  size_t StartIndex = 0;
  for (size_t I = 0; I < Start->size(); ++I)
    if (auto Element = (*Start)[I].getAs<CFGStmt>(); Element && Element->getStmt() == S)
      StartIndex = I + 1;
  llvm::SmallPtrSet<const CFGBlock *, 32> Seen;
  llvm::SmallVector<const CFGBlock *, 32> Work;
  if (WalkBlock(Start, StartIndex))
    Work.push_back(Start);
  while (!Work.empty() && !Done) {
    const CFGBlock *B = Work.pop_back_val();
    for (const CFGBlock::AdjacentBlock &Succ : B->succs()) {
      const CFGBlock *Next = Succ.getReachableBlock();
      if (!Next || !Seen.insert(Next).second)
        continue;
      if (WalkBlock(Next, 0))
        Work.push_back(Next);
      if (Done)
        return;
    }
  }
}

const FunctionCfg *FunctionCfgCache::get(const FunctionDecl *Fn, ASTContext &Ctx) {
  auto &Entry = Cache[Fn];
  if (!Entry)
    Entry = std::make_unique<FunctionCfg>(Fn, Ctx);
  return Entry->valid() ? Entry.get() : nullptr;
}

} // namespace mapguard
