#include "analysis/FunctionCfg.h"

#include "utils/AstUtil.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/StmtCXX.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Config/llvm-config.h"
#include <optional>
#include <set>

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
  // The member initializers are in the CFG: their expressions' parents too (a lambda handed to the
  // thread a member is constructed with, `worker_([this] { run(); })`).
  if (const auto *Constructor = dyn_cast<CXXConstructorDecl>(Fn))
    for (const CXXCtorInitializer *Init : Constructor->inits())
      if (Init->getInit())
        Parents->addStmt(Init->getInit());
#if LLVM_VERSION_MAJOR >= 22
  StmtToBlock = std::make_unique<CFGStmtMap>(*Cfg, *Parents);
#else
  StmtToBlock.reset(CFGStmtMap::Build(Cfg.get(), Parents.get()));
#endif
}

const CFGBlock *FunctionCfg::blockOf(const Stmt *S) const { return StmtToBlock ? StmtToBlock->getBlock(S) : nullptr; }

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
  return reachesFrom(
      S, [&](const CFGBlock &B) { return B.getTerminatorStmt() == Loop; }, Restart == blockOf(S) ? nullptr : Restart);
}

bool FunctionCfg::mayRunAgain(const Stmt *S) const {
  const CFGBlock *Start = blockOf(S);
  return reachesFrom(S, [&](const CFGBlock &B) { return &B == Start; });
}

namespace {
/// What a path knows of local flags it set itself (`found = true`, `existing = &x`): each one's
/// truth value, few and sorted, so that a state compares and hashes cheaply.
using FlagTruths = llvm::SmallVector<std::pair<const VarDecl *, bool>, 4>;
constexpr size_t MaxKnownFlags = 4;

/// Whether \p D is a local variable of scalar type: a flag a path can know.
const VarDecl *asLocalFlag(const Decl *D) {
  const auto *Var = dyn_cast_or_null<VarDecl>(D);
  return Var && Var->hasLocalStorage() && Var->getType()->isScalarType() ? Var : nullptr;
}

/// The local flag \p E names, if it does.
const VarDecl *localFlag(const Expr *E) {
  const auto *Ref = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
  return Ref ? asLocalFlag(Ref->getDecl()) : nullptr;
}

void setTruth(FlagTruths &Known, const VarDecl *Var, std::optional<bool> Truth) {
  auto It = llvm::find_if(Known, [&](const auto &Entry) { return Entry.first == Var; });
  if (It != Known.end())
    Known.erase(It);
  if (!Truth || Known.size() >= MaxKnownFlags)
    return;
  Known.emplace_back(Var, *Truth);
  llvm::sort(Known, [](const auto &A, const auto &B) { return A.first < B.first; });
}

/// Updates \p Known with one element: an assignment or initialisation of a flag sets its truth
/// (or forgets it when the value is not a literal); any other use that may change it (`&found`,
/// `++n`, a reference to it) forgets it.
void updateTruths(FlagTruths &Known, const CFGElement &Element, const ParentMap &Parents) {
  auto Statement = Element.getAs<CFGStmt>();
  if (!Statement)
    return;
  const Stmt *S = Statement->getStmt();
  if (const auto *Assign = dyn_cast<BinaryOperator>(S); Assign && Assign->isAssignmentOp()) {
    if (const VarDecl *Var = localFlag(Assign->getLHS()))
      setTruth(Known, Var, Assign->getOpcode() == BO_Assign ? literalTruth(Assign->getRHS()) : std::nullopt);
    return;
  }
  if (const auto *Decl = dyn_cast<DeclStmt>(S)) {
    for (const clang::Decl *D : Decl->decls())
      if (const VarDecl *Var = asLocalFlag(D))
        setTruth(Known, Var, Var->getInit() ? literalTruth(Var->getInit()) : std::nullopt);
    return;
  }
  const auto *Ref = dyn_cast<DeclRefExpr>(S);
  if (Known.empty() || !Ref)
    return;
  const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
  if (!Var || llvm::none_of(Known, [&](const auto &Entry) { return Entry.first == Var; }))
    return;
  const Stmt *Parent = Parents.getParentIgnoreParens(const_cast<DeclRefExpr *>(Ref));
  const auto *Cast = dyn_cast_or_null<ImplicitCastExpr>(Parent);
  const auto *Assign = dyn_cast_or_null<BinaryOperator>(Parent);
  bool ReadOnly = Cast && Cast->getCastKind() == CK_LValueToRValue;
  bool AssignedHere = Assign && Assign->isAssignmentOp() && Assign->getLHS()->IgnoreParens() == Ref;
  if (!ReadOnly && !AssignedHere)
    setTruth(Known, Var, std::nullopt);
}

/// The one successor of \p B a path can take, when \p B branches on a flag whose truth it knows
/// (`if (existing) break;` after `existing = &x`); null when both can be taken.
const CFGBlock *onlyFeasibleSuccessor(const CFGBlock *B, const FlagTruths &Known) {
  const Stmt *Terminator = B->getTerminatorStmt();
  if (Known.empty() || B->succ_size() != 2 || !Terminator ||
      !isa<IfStmt, WhileStmt, ForStmt, DoStmt, BinaryOperator, ConditionalOperator>(Terminator))
    return nullptr;
  const auto *Condition = dyn_cast_or_null<Expr>(B->getTerminatorCondition());
  if (!Condition)
    return nullptr;
  auto [Var, Negated] = testedVariable(Condition);
  auto It = llvm::find_if(Known, [&, Var = Var](const auto &Entry) { return Entry.first == Var; });
  if (!Var || It == Known.end())
    return nullptr;
  bool Taken = It->second != Negated;
  return (B->succ_begin() + (Taken ? 0 : 1))->getReachableBlock(); // the true branch first
}
} // namespace

void FunctionCfg::forEachElementAfter(const Stmt *S, llvm::function_ref<Visit(const CFGElement &)> Visitor) const {
  const CFGBlock *Start = blockOf(S);
  if (!Start)
    return;
  // A path is a block and what it knows of the flags it set: a branch on such a flag has one
  // feasible successor (`found = true; break;` ... `if (found) break;` leaves the loop).
  struct PathState {
    const CFGBlock *Block;
    FlagTruths Known;
  };
  // Visits a block from element index First; false when the path (or the walk) ends inside it.
  bool Done = false;
  auto WalkBlock = [&](PathState &Path, size_t First) {
    for (size_t I = First; I < Path.Block->size(); ++I) {
      const CFGElement &Element = (*Path.Block)[I];
      Visit Result = Visitor(Element);
      if (Result == Visit::Done)
        Done = true;
      if (Result != Visit::Continue)
        return false;
      updateTruths(Path.Known, Element, parents());
    }
    return true;
  };
  size_t StartIndex = 0;
  for (size_t I = 0; I < Start->size(); ++I)
    if (auto Element = (*Start)[I].getAs<CFGStmt>(); Element && Element->getStmt() == S)
      StartIndex = I + 1;
  // Each block once per distinct knowledge; without flags known, each block once.
  std::set<std::pair<const CFGBlock *, FlagTruths>> Seen;
  llvm::SmallVector<PathState, 32> Work;
  PathState First{Start, {}};
  if (WalkBlock(First, StartIndex))
    Work.push_back(std::move(First));
  while (!Work.empty() && !Done) {
    PathState Path = Work.pop_back_val();
    const CFGBlock *Only = onlyFeasibleSuccessor(Path.Block, Path.Known);
    for (const CFGBlock::AdjacentBlock &Succ : Path.Block->succs()) {
      const CFGBlock *Next = Succ.getReachableBlock();
      if (!Next || (Only && Next != Only) || !Seen.insert({Next, Path.Known}).second)
        continue;
      PathState Successor{Next, Path.Known};
      if (WalkBlock(Successor, 0))
        Work.push_back(std::move(Successor));
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
