#include "analysis/CheckThenAct.h"

#include "analysis/ContainerAliases.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
bool isJudged(const ContainerAccess &A) {
  return !A.BeforeOrAfterSharing && !A.OptedOut && !A.HeldByContract && !A.DeferredBy && !A.ScopeExit;
}

bool removesKey(StringRef What) {
  return What == "erase" || What == "extract" || What == "remove" || What == "take" || What == "unsafe_erase";
}

/// A write whose effect depends on what is in the container: it removes a key, or overwrites
/// a value. An insert or emplace that leaves an existing key alone is idempotent, not an act.
bool isAct(const ContainerAccess &W, const ParentMap &Parents) {
  StringRef What = W.Use.What;
  if (removesKey(What) || What == "insert_or_assign")
    return true;
  return What == "operator[]" && subscriptWritten(W.Use.Site, Parents);
}

/// A read whose result can decide a write.
bool isCheck(const ContainerAccess &R, const ParentMap &Parents) {
  StringRef What = R.Use.What;
  if (What == "operator[]")
    return !subscriptWritten(R.Use.Site, Parents);
  return What == "find" || What == "count" || What == "contains" || What == "at" || What == "empty" ||
         What == "size" || What == "value" || What == "lower_bound" || What == "upper_bound" ||
         What == "equal_range";
}

bool readsValue(const ContainerAccess &R) {
  StringRef What = R.Use.What;
  return What == "at" || What == "operator[]" || What == "find" || What == "value";
}

/// The key a container call takes: its first argument (after the object for operator[]).
const Expr *keyOf(const ContainerUse &Use) {
  const auto *Call = dyn_cast_or_null<CallExpr>(Use.Site);
  if (!Call)
    return nullptr;
  unsigned First = isa<CXXOperatorCallExpr>(Call) ? 1 : 0;
  return Call->getNumArgs() > First ? ignoringImplicit(Call->getArg(First)) : nullptr;
}

/// `m.erase(m.begin())`: erasing through an iterator needs the element to still be there.
bool erasesByIterator(const ContainerAccess &W) {
  const Expr *Key = keyOf(W.Use);
  return Key && isIteratorType(Key->getType());
}

/// Whether two keys are the same: the same variable, or the same text. Unknown (either missing)
/// counts as the same: a size() or empty() check is about the whole container.
bool sameKey(const Expr *A, const Expr *B, const ASTContext &Ctx) {
  if (!A || !B)
    return true;
  const auto *RefA = dyn_cast<DeclRefExpr>(A->IgnoreParenImpCasts());
  const auto *RefB = dyn_cast<DeclRefExpr>(B->IgnoreParenImpCasts());
  if (RefA && RefB)
    return RefA->getDecl() == RefB->getDecl();
  std::string TextA = sourceText(A, Ctx);
  return !TextA.empty() && TextA == sourceText(B, Ctx);
}

/// The conditions of one function, and its local variables with what initialises them.
struct Decisions {
  SmallVector<std::pair<const Stmt *, const Expr *>, 8> Conditions; // statement, condition
  SmallVector<std::pair<const VarDecl *, const Expr *>, 8> Locals;  // variable, initialiser or assigned value
};

Decisions decisionsOf(const FunctionDecl *Fn) {
  struct Scan : RecursiveASTVisitor<Scan> {
    Decisions D;
    bool TraverseLambdaExpr(LambdaExpr *) { return true; }
    bool VisitIfStmt(IfStmt *S) {
      D.Conditions.emplace_back(S, S->getCond());
      if (const VarDecl *Var = S->getConditionVariable(); Var && Var->getInit())
        D.Locals.emplace_back(Var, Var->getInit());
      return true;
    }
    bool VisitConditionalOperator(ConditionalOperator *S) {
      D.Conditions.emplace_back(S, S->getCond());
      return true;
    }
    bool VisitWhileStmt(WhileStmt *S) {
      D.Conditions.emplace_back(S, S->getCond());
      return true;
    }
    bool VisitVarDecl(VarDecl *Var) {
      if (Var->isLocalVarDecl() && Var->getInit())
        D.Locals.emplace_back(Var, Var->getInit());
      return true;
    }
    bool VisitBinaryOperator(BinaryOperator *Op) { // `found = m.count(k) != 0;`
      const auto *Ref = Op->isAssignmentOp() ? dyn_cast<DeclRefExpr>(Op->getLHS()->IgnoreParenImpCasts()) : nullptr;
      if (const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr; Var && Var->isLocalVarDecl())
        D.Locals.emplace_back(Var, Op->getRHS());
      return true;
    }
  } S;
  S.TraverseStmt(Fn->getBody());
  return std::move(S.D);
}

bool contains(const Stmt *Outer, const Stmt *Inner, const ParentMap &Parents) {
  for (const Stmt *S = Inner; S; S = Parents.getParent(S))
    if (S == Outer)
      return true;
  return false;
}

/// The locals whose value is computed from \p Site: initialised or assigned from it, and one
/// more step (`auto it = m.find(k); bool known = it != m.end();`).
SmallVector<const VarDecl *, 2> valuesFrom(const Expr *Site, const Decisions &D, const ParentMap &Parents) {
  SmallVector<const VarDecl *, 2> Vars;
  for (const auto &[Var, Init] : D.Locals)
    if (contains(Init, Site, Parents) && !llvm::is_contained(Vars, Var))
      Vars.push_back(Var);
  for (unsigned I = 0; I < Vars.size() && I < 4; ++I)
    for (const auto &[Var, Init] : D.Locals)
      if (!llvm::is_contained(Vars, Var) && !referencesTo(Init, Vars[I]).empty())
        Vars.push_back(Var);
  return Vars;
}

bool referencesAny(const Stmt *S, ArrayRef<const VarDecl *> Vars) {
  return llvm::any_of(Vars, [&](const VarDecl *Var) { return !referencesTo(S, Var).empty(); });
}

/// The conditions whose value \p Site decides: those containing it, and those testing a local
/// computed from it.
SmallVector<const Stmt *, 2> decidedBy(const Expr *Site, const Decisions &D, const ParentMap &Parents) {
  SmallVector<const Stmt *, 2> Result;
  SmallVector<const VarDecl *, 2> Vars = valuesFrom(Site, D, Parents);
  for (const auto &[Statement, Cond] : D.Conditions)
    if (Cond && (contains(Cond, Site, Parents) || referencesAny(Cond, Vars)))
      Result.push_back(Statement);
  return Result;
}

/// The value an act stores (`m[k] = v`, `m[k] += v`, `insert_or_assign(k, v)`), if any.
const Expr *storedValue(const ContainerAccess &W, const ParentMap &Parents) {
  if (W.Use.What == "insert_or_assign") {
    const auto *Call = dyn_cast_or_null<CallExpr>(W.Use.Site);
    return Call && Call->getNumArgs() >= 2 ? Call->getArg(Call->getNumArgs() - 1) : nullptr;
  }
  const Stmt *Parent = parentIgnoringImplicit(Parents, W.Use.Site);
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent); Op && Op->isAssignmentOp())
    return Op->getNumArgs() == 2 ? Op->getArg(1) : nullptr;
  if (const auto *Op = dyn_cast_or_null<BinaryOperator>(Parent); Op && Op->isAssignmentOp())
    return Op->getRHS();
  return nullptr;
}

bool leaves(const Stmt *Branch) {
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(Branch))
    Branch = Block->body_empty() ? nullptr : Block->body_back();
  if (const auto *E = dyn_cast_or_null<Expr>(Branch))
    return isa<CXXThrowExpr>(E->IgnoreParenImpCasts());
  return isa_and_nonnull<ReturnStmt, BreakStmt, ContinueStmt, GotoStmt>(Branch);
}

/// Whether \p Act runs only on some outcomes of \p Decision: inside one of its branches, or after
/// an `if` one of whose branches leaves.
bool dependsOn(const Expr *Act, const Stmt *Decision, const ParentMap &Parents, const SourceManager &SM) {
  const Stmt *Child = Act;
  for (const Stmt *P = Parents.getParent(Act); P; Child = P, P = Parents.getParent(P))
    if (P == Decision) {
      if (const auto *If = dyn_cast<IfStmt>(P))
        return Child == If->getThen() || Child == If->getElse();
      if (const auto *Choice = dyn_cast<ConditionalOperator>(P))
        return Child == Choice->getTrueExpr() || Child == Choice->getFalseExpr();
      if (const auto *Loop = dyn_cast<WhileStmt>(P))
        return Child == Loop->getBody();
      return false;
    }
  const auto *If = dyn_cast<IfStmt>(Decision);
  return If && (leaves(If->getThen()) || leaves(If->getElse())) &&
         SM.isBeforeInTranslationUnit(If->getEndLoc(), Act->getBeginLoc());
}

/// A presence check (count, contains or find) and the local it initialises, if any.
struct Presence {
  const Expr *Check = nullptr;
  const VarDecl *Var = nullptr;
  bool VarMeansPresent = false;
};

/// Whether \p Cond is true exactly when the check found its key: `m.count(k)`, `m.count(k) != 0`,
/// `m.contains(k)`, `m.find(k) != m.end()`, the local holding one of them, negations of them.
std::optional<bool> presenceOf(const Expr *Cond, const Presence &P) {
  Cond = ignoringImplicit(Cond);
  if (const auto *Rewritten = dyn_cast<CXXRewrittenBinaryOperator>(Cond))
    Cond = ignoringImplicit(Rewritten->getSemanticForm());
  if (const auto *Ref = dyn_cast<DeclRefExpr>(Cond))
    return P.Var && Ref->getDecl() == P.Var ? std::optional<bool>(P.VarMeansPresent) : std::nullopt;
  const auto *Call = dyn_cast<CXXMemberCallExpr>(Cond);
  if (Call && Call == P.Check) {
    StringRef Name = Call->getMethodDecl() ? Call->getMethodDecl()->getName() : "";
    return Name == "count" || Name == "contains" ? std::optional<bool>(true) : std::nullopt;
  }
  if (const auto *Not = dyn_cast<UnaryOperator>(Cond); Not && Not->getOpcode() == UO_LNot) {
    std::optional<bool> Inner = presenceOf(Not->getSubExpr(), P);
    return Inner ? std::optional<bool>(!*Inner) : std::nullopt;
  }
  BinaryOperatorKind Op = BO_Comma;
  const Expr *Left = nullptr, *Right = nullptr;
  if (const auto *Binary = dyn_cast<BinaryOperator>(Cond)) {
    std::tie(Op, Left, Right) = std::make_tuple(Binary->getOpcode(), Binary->getLHS(), Binary->getRHS());
  } else if (const auto *Overloaded = dyn_cast<CXXOperatorCallExpr>(Cond); Overloaded && Overloaded->getNumArgs() == 2) {
    std::tie(Op, Left, Right) = std::make_tuple(BinaryOperator::getOverloadedOpcode(Overloaded->getOperator()),
                                                Overloaded->getArg(0), Overloaded->getArg(1));
  }
  const auto *Checked = Left ? dyn_cast<CXXMemberCallExpr>(ignoringImplicit(Left)) : nullptr;
  if ((Op != BO_EQ && Op != BO_NE && Op != BO_GT) || !Checked || Checked != P.Check || !Checked->getMethodDecl())
    return std::nullopt;
  StringRef Name = Checked->getMethodDecl()->getName();
  const auto *Zero = dyn_cast<IntegerLiteral>(ignoringImplicit(Right));
  const auto *End = dyn_cast<CXXMemberCallExpr>(ignoringImplicit(Right));
  bool ComparedWithEnd = End && End->getMethodDecl() && End->getMethodDecl()->getName() == "end";
  if ((Name == "count" && Zero && Zero->getValue() == 0) || (Name == "find" && ComparedWithEnd && Op != BO_GT))
    return Op != BO_EQ;
  return std::nullopt;
}

/// Whether \p Act runs only where \p Check found its key absent, by an `if` that tests the check
/// or a local initialised from it (`bool known = m.count(k) != 0; ... if (known) return;`).
bool actsWhereAbsent(const Expr *Act, const Expr *Check, const Decisions &D, const ParentMap &Parents,
                     const SourceManager &SM) {
  Presence P{Check};
  for (const auto &[Var, Value] : D.Locals)
    if (contains(Value, Check, Parents))
      if (std::optional<bool> Present = presenceOf(Value, P)) {
        std::tie(P.Var, P.VarMeansPresent) = std::make_pair(Var, *Present);
        break;
      }
  for (const auto &[Statement, Cond] : D.Conditions) {
    const auto *If = dyn_cast<IfStmt>(Statement);
    std::optional<bool> Present = If && Cond ? presenceOf(Cond, P) : std::nullopt;
    if (!Present)
      continue;
    if (contains(If->getThen(), Act, Parents))
      return !*Present;
    if (If->getElse() && contains(If->getElse(), Act, Parents))
      return *Present;
    if (SM.isBeforeInTranslationUnit(If->getEndLoc(), Act->getBeginLoc()) &&
        (*Present ? leaves(If->getThen()) : If->getElse() && leaves(If->getElse())))
      return true;
  }
  return false;
}

/// Whether the act's operands use a value pointing into the container (`m.erase(it)` with a
/// stale iterator): mapguard-escaping-reference reports that use.
bool usesAlias(const ContainerAccess &W, const ContainerAliases *Aliases) {
  const auto *Call = dyn_cast_or_null<CallExpr>(W.Use.Site);
  if (!Aliases || !Call)
    return false;
  for (const Expr *Arg : Call->arguments()) {
    struct Finder : RecursiveASTVisitor<Finder> {
      const ContainerAliases *Aliases;
      bool Found = false;
      bool VisitDeclRefExpr(DeclRefExpr *Ref) {
        Found |= Aliases->isAlias(Ref->getDecl());
        return !Found;
      }
    } Uses;
    Uses.Aliases = Aliases;
    Uses.TraverseStmt(const_cast<Expr *>(Arg));
    if (Uses.Found)
      return true;
  }
  return false;
}

class FunctionPairs {
public:
  FunctionPairs(GuardInference &GI, const FunctionDecl *Fn, const FunctionCfg &Cfg, ASTContext &Ctx)
      : GI(GI), Fn(Fn), Cfg(Cfg), Ctx(Ctx), D(decisionsOf(Fn)) {}

  void find(ArrayRef<const ContainerAccess *> Accesses, std::vector<CheckThenActPair> &Out) {
    for (const ContainerAccess *W : Accesses) {
      if (!isJudged(*W) || !W->Use.Write || !isAct(*W, Cfg.parents()) || usesAlias(*W, GI.aliasesOf(Fn)))
        continue;
      const GuardInfo *Guard = GI.guardOf(W->Container);
      std::optional<ObjectPath> GuardPath = Guard ? GI.guardPath(*W, *Guard) : std::nullopt;
      if (!GuardPath || !W->Held.find(*GuardPath))
        continue;
      if (auto Pair = pairFor(*W, *GuardPath, Accesses))
        Out.push_back(std::move(*Pair));
    }
  }

  /// Whether a check of the same container precedes \p W in its critical section.
  bool rechecked(const ContainerAccess &W, const ObjectPath &GuardPath,
                 ArrayRef<const ContainerAccess *> Accesses) const {
    CFGPoint ActPoint = Cfg.pointOf(W.Ref);
    return llvm::any_of(Accesses, [&](const ContainerAccess *R) {
      if (R == &W || R->Container != W.Container || !isCheck(*R, Cfg.parents()) || !R->Held.find(GuardPath))
        return false;
      CFGPoint CheckPoint = Cfg.pointOf(R->Ref);
      return Cfg.reaches(CheckPoint, ActPoint) && !releaseBetween(GuardPath, CheckPoint, ActPoint);
    });
  }

private:
  /// The condition or local initialiser the check is written in (none: a statement of its own).
  const Expr *regionOf(const Expr *Site) const {
    for (const auto &[Var, Init] : D.Locals)
      if (contains(Init, Site, Cfg.parents()))
        return Init;
    for (const auto &[Statement, Cond] : D.Conditions)
      if (Cond && contains(Cond, Site, Cfg.parents()))
        return Cond;
    return Site;
  }

  /// A release of \p Mutex on some path from \p From to \p To that does not run \p From again
  /// after the release (a check in a loop runs again in the act's section: that is a re-check).
  const LockRelease *releaseBetween(const ObjectPath &Mutex, CFGPoint From, CFGPoint To) const {
    for (const LockRelease &Release : GI.releasesIn(Fn))
      if (Release.Lock.Mutex == Mutex && Cfg.reaches(From, Release.At) && Cfg.reaches(Release.At, To, {From}))
        return &Release;
    return nullptr;
  }

  std::optional<CheckThenActPair> pairFor(const ContainerAccess &W, const ObjectPath &GuardPath,
                                          ArrayRef<const ContainerAccess *> Accesses) {
    CFGPoint ActPoint = Cfg.pointOf(W.Ref);
    const SourceManager &SM = Ctx.getSourceManager();
    std::optional<CheckThenActPair> Found;
    for (const ContainerAccess *R : Accesses) {
      if (R == &W || (R->Use.Write && R->Use.What != "operator[]") || R->Container != W.Container || R->Path != W.Path || !isJudged(*R) ||
          !isCheck(*R, Cfg.parents()))
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

  GuardInference &GI;
  const FunctionDecl *Fn;
  const FunctionCfg &Cfg;
  ASTContext &Ctx;
  Decisions D;
};
/// What a member function does with one container of its class, under a mutex it locks itself.
struct LockingSummary {
  const ValueDecl *Container = nullptr;
  const ValueDecl *Mutex = nullptr;
  bool Query = false;       // only reads it, and returns what it found
  bool ReadsValue = false;  // ... a value, not only whether a key is there
  const ContainerAccess *Act = nullptr; // a write not re-checked in the same critical section
};

/// Summaries of the member functions that lock internally, from their accesses.
llvm::DenseMap<const FunctionDecl *, LockingSummary>
lockingSummaries(GuardInference &GI, ArrayRef<const FunctionDecl *> Order,
                 const llvm::DenseMap<const FunctionDecl *, SmallVector<const ContainerAccess *, 8>> &ByFunction,
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
void findAcrossCalls(GuardInference &GI, const FunctionDecl *Caller,
                     const llvm::DenseMap<const FunctionDecl *, LockingSummary> &Summaries, ASTContext &Ctx,
                     std::vector<CheckThenActPair> &Out) {
  struct Calls : RecursiveASTVisitor<Calls> {
    SmallVector<const CXXMemberCallExpr *, 8> Found;
    bool TraverseLambdaExpr(LambdaExpr *) { return true; }
    bool VisitCXXMemberCallExpr(CXXMemberCallExpr *Call) {
      Found.push_back(Call);
      return true;
    }
  } Scan;
  Scan.TraverseStmt(Caller->getBody());
  auto SummaryOf = [&](const CXXMemberCallExpr *Call) -> const LockingSummary * {
    const FunctionDecl *Callee = Call->getMethodDecl();
    auto It = Callee ? Summaries.find(Callee->getCanonicalDecl()) : Summaries.end();
    return It == Summaries.end() ? nullptr : &It->second;
  };
  SmallVector<const CXXMemberCallExpr *, 4> Queries, Acts;
  for (const CXXMemberCallExpr *Call : Scan.Found)
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

std::vector<CheckThenActPair> findCheckThenAct(GuardInference &Inference, ASTContext &Ctx) {
  std::vector<const FunctionDecl *> Order;
  llvm::DenseMap<const FunctionDecl *, SmallVector<const ContainerAccess *, 8>> ByFunction;
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
      FunctionPairs(Inference, Fn, *Cfg, Ctx).find(Accesses, Pairs);
  }
  auto Summaries = lockingSummaries(Inference, Order, ByFunction, Ctx);
  if (!Summaries.empty())
    for (const FunctionDecl *Caller : Inference.functions())
      findAcrossCalls(Inference, Caller, Summaries, Ctx, Pairs);
  return Pairs;
}

} // namespace mapguard
