// What decides what in a function, for check-then-act (CheckActDecisions.h).
#include "analysis/CheckActDecisions.h"

#include "analysis/ContainerAliases.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;

namespace mapguard::check_act {
namespace {
bool leaves(const Stmt *Branch) {
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(Branch))
    Branch = Block->body_empty() ? nullptr : Block->body_back();
  if (const auto *E = dyn_cast_or_null<Expr>(Branch))
    return isa<CXXThrowExpr>(E->IgnoreParenImpCasts());
  return isa_and_nonnull<ReturnStmt, BreakStmt, ContinueStmt, GotoStmt>(Branch);
}

/// A presence check (count, contains or find) and the local it initialises, if any.
struct Presence {
  const Expr *Check = nullptr;
  const VarDecl *Var = nullptr;
  bool VarMeansPresent = false;
  const VarDecl *Iterator = nullptr; // `auto it = m.find(k);`: compared with end() later
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
    // `count`, `contains`, or a query member function that answers whether it found the key.
    StringRef Name =
        Call->getMethodDecl() && Call->getMethodDecl()->getIdentifier() ? Call->getMethodDecl()->getName() : "";
    return Name == "count" || Name == "contains" || Call->getType()->isBooleanType() ? std::optional<bool>(true)
                                                                                     : std::nullopt;
  }
  if (const auto *Not = dyn_cast<UnaryOperator>(Cond); Not && Not->getOpcode() == UO_LNot) {
    std::optional<bool> Inner = presenceOf(Not->getSubExpr(), P);
    return Inner ? std::optional<bool>(!*Inner) : std::nullopt;
  }
  BinaryOperatorKind Op = BO_Comma;
  const Expr *Left = nullptr, *Right = nullptr;
  if (const auto *Binary = dyn_cast<BinaryOperator>(Cond)) {
    std::tie(Op, Left, Right) = std::make_tuple(Binary->getOpcode(), Binary->getLHS(), Binary->getRHS());
  } else if (const auto *Overloaded = dyn_cast<CXXOperatorCallExpr>(Cond);
             Overloaded && Overloaded->getNumArgs() == 2) {
    std::tie(Op, Left, Right) = std::make_tuple(BinaryOperator::getOverloadedOpcode(Overloaded->getOperator()),
                                                Overloaded->getArg(0), Overloaded->getArg(1));
  }
  const auto *Zero = Right ? dyn_cast<IntegerLiteral>(ignoringImplicit(Right)) : nullptr;
  const auto *End = Right ? dyn_cast<CXXMemberCallExpr>(ignoringImplicit(Right)) : nullptr;
  bool ComparedWithEnd = End && End->getMethodDecl() && End->getMethodDecl()->getName() == "end";
  // The local iterator the find was stored in: `it == m.end()`.
  if (const auto *Ref = Left ? dyn_cast<DeclRefExpr>(ignoringImplicit(Left)) : nullptr;
      Ref && P.Iterator && Ref->getDecl() == P.Iterator && ComparedWithEnd && (Op == BO_EQ || Op == BO_NE))
    return Op != BO_EQ;
  const auto *Checked = Left ? dyn_cast<CXXMemberCallExpr>(ignoringImplicit(Left)) : nullptr;
  if ((Op != BO_EQ && Op != BO_NE && Op != BO_GT) || !Checked || Checked != P.Check || !Checked->getMethodDecl())
    return std::nullopt;
  StringRef Name = Checked->getMethodDecl()->getName();
  if ((Name == "count" && Zero && Zero->getValue() == 0) || (Name == "find" && ComparedWithEnd && Op != BO_GT))
    return Op != BO_EQ;
  return std::nullopt;
}

} // namespace

bool isJudged(const ContainerAccess &A) {
  return !A.BeforeOrAfterSharing && !A.OptedOut && !A.HeldByContract && !A.DeferredBy && !A.ScopeExit;
}

bool removesKey(StringRef What) {
  return What == "erase" || What == "extract" || What == "remove" || What == "take" || What == "unsafe_erase";
}

bool requiresElement(StringRef What) {
  static constexpr StringRef Names[] = {"pop_front", "pop_back",    "pop",        "dequeue", "takeFirst",
                                        "takeLast",  "removeFirst", "removeLast", "front",   "back",
                                        "top",       "first",       "last"};
  return llvm::is_contained(Names, What);
}

bool isAct(const ContainerAccess &W, const ParentMap &Parents) {
  StringRef What = W.Use.What;
  if (removesKey(What) || What == "insert_or_assign" || requiresElement(What))
    return true;
  return What == "operator[]" && subscriptWritten(W.Use.Site, Parents);
}

bool isCheck(const ContainerAccess &R, const ParentMap &Parents) {
  StringRef What = R.Use.What;
  if (What == "operator[]")
    return !subscriptWritten(R.Use.Site, Parents);
  return What == "find" || What == "count" || What == "contains" || What == "at" || What == "empty" || What == "size" ||
         What == "value" || What == "lower_bound" || What == "upper_bound" || What == "equal_range";
}

bool readsValue(const ContainerAccess &R) {
  StringRef What = R.Use.What;
  return What == "at" || What == "operator[]" || What == "find" || What == "value";
}

const Expr *keyOf(const ContainerUse &Use) {
  const auto *Call = dyn_cast_or_null<CallExpr>(Use.Site);
  if (!Call)
    return nullptr;
  unsigned First = isa<CXXOperatorCallExpr>(Call) ? 1 : 0;
  return Call->getNumArgs() > First ? ignoringImplicit(Call->getArg(First)) : nullptr;
}

bool erasesByIterator(const ContainerAccess &W) {
  const Expr *Key = keyOf(W.Use);
  return Key && isIteratorType(Key->getType());
}

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

SmallVector<const Stmt *, 2> decidedBy(const Expr *Site, const Decisions &D, const ParentMap &Parents) {
  SmallVector<const Stmt *, 2> Result;
  SmallVector<const VarDecl *, 2> Vars = valuesFrom(Site, D, Parents);
  for (const auto &[Statement, Cond] : D.Conditions)
    if (Cond && (contains(Cond, Site, Parents) || referencesAny(Cond, Vars)))
      Result.push_back(Statement);
  return Result;
}

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

bool storesPlainly(const ContainerAccess &W, const ParentMap &Parents) {
  if (W.Use.What == "insert_or_assign")
    return true;
  const Stmt *Parent = parentIgnoringImplicit(Parents, W.Use.Site);
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent))
    return Op->getOperator() == OO_Equal;
  const auto *Op = dyn_cast_or_null<BinaryOperator>(Parent);
  return Op && Op->getOpcode() == BO_Assign;
}

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

bool actsWhereAbsent(const Expr *Act, const Expr *Check, const Decisions &D, const ParentMap &Parents,
                     const SourceManager &SM) {
  Presence P{Check};
  for (const auto &[Var, Value] : D.Locals) {
    if (ignoringImplicit(Value) == Check && isIteratorType(Var->getType()))
      P.Iterator = Var;
    if (contains(Value, Check, Parents))
      if (std::optional<bool> Present = presenceOf(Value, P)) {
        std::tie(P.Var, P.VarMeansPresent) = std::make_pair(Var, *Present);
        break;
      }
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

bool memoisedValue(const Expr *Value, const Expr *Key, const Decisions &D, unsigned Depth) {
  // What the key is made of: the variables it names, and those of a local key's initialiser.
  llvm::SmallPtrSet<const Decl *, 4> KeySources;
  auto AddNames = [&](const Expr *E) {
    forEachNodeUnder<DeclRefExpr>(E, [&](const DeclRefExpr *Ref) {
      KeySources.insert(Ref->getDecl());
      return true;
    });
  };
  AddNames(Key);
  for (const auto &[Local, Init] : D.Locals)
    if (KeySources.contains(Local))
      AddNames(Init);
  struct Scan : RecursiveASTVisitor<Scan> {
    const Expr *Key;
    const llvm::SmallPtrSet<const Decl *, 4> &KeySources;
    const Decisions &D;
    unsigned Depth;
    bool Memoised = true;
    Scan(const Expr *Key, const llvm::SmallPtrSet<const Decl *, 4> &KeySources, const Decisions &D, unsigned Depth)
        : Key(Key), KeySources(KeySources), D(D), Depth(Depth) {}
    bool VisitUnaryOperator(UnaryOperator *Op) {
      Memoised &= !Op->isIncrementDecrementOp();
      return Memoised;
    }
    bool VisitBinaryOperator(BinaryOperator *Op) {
      Memoised &= !Op->isAssignmentOp();
      return Memoised;
    }
    bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *Op) {
      Memoised &= !Op->isAssignmentOp() && Op->getOperator() != OO_PlusPlus && Op->getOperator() != OO_MinusMinus;
      return Memoised;
    }
    bool VisitDeclRefExpr(DeclRefExpr *E) {
      if (isa<ParmVarDecl>(E->getDecl()) && !KeySources.contains(E->getDecl()))
        Memoised = false;
      else if (const auto *Var = dyn_cast<VarDecl>(E->getDecl()); Var && Var->isLocalVarDecl() && Depth < 2)
        for (const auto &[Local, Init] : D.Locals)
          if (Local == Var && !memoisedValue(Init, Key, D, Depth + 1))
            Memoised = false;
      return Memoised;
    }
    bool VisitCXXNewExpr(CXXNewExpr *) { return Memoised = false; }
    bool VisitCallExpr(CallExpr *Call) {
      const FunctionDecl *Callee = Call->getDirectCallee();
      if (Callee && Callee->getIdentifier() &&
          (Callee->getName() == "make_shared" || Callee->getName() == "make_unique" ||
           Callee->getName() == "allocate_shared"))
        Memoised = false;
      return Memoised;
    }
  } Scanner(Key, KeySources, D, Depth);
  Scanner.TraverseStmt(const_cast<Expr *>(Value));
  return Scanner.Memoised;
}

bool usesAlias(const ContainerAccess &W, const ContainerAliases *Aliases) {
  const auto *Call = dyn_cast_or_null<CallExpr>(W.Use.Site);
  if (!Aliases || !Call)
    return false;
  for (const Expr *Arg : Call->arguments())
    if (anyNodeUnder<DeclRefExpr>(Arg, [&](const DeclRefExpr *Ref) { return Aliases->isAlias(Ref->getDecl()); }))
      return true;
  return false;
}

} // namespace mapguard::check_act
