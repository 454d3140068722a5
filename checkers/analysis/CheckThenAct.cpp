#include "analysis/CheckThenAct.h"

#include "analysis/ContainerAliases.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallPtrSet.h"

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
/// An access that needs an element to be there: taking one from a queue or a sequence's end
/// (`pop_front`, `pop`, `dequeue`, `takeFirst`), or reading the one at an end (`front`, `back`,
/// `top`): on an empty container it is undefined behaviour (or throws).
bool requiresElement(StringRef What) {
  static constexpr StringRef Names[] = {"pop_front", "pop_back", "pop", "dequeue", "takeFirst", "takeLast",
                                        "removeFirst", "removeLast", "front", "back", "top", "first", "last"};
  return llvm::is_contained(Names, What);
}

bool isAct(const ContainerAccess &W, const ParentMap &Parents) {
  StringRef What = W.Use.What;
  if (removesKey(What) || What == "insert_or_assign" || requiresElement(What))
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

/// Whether \p W replaces the value whatever it was: `m[k] = v` or `insert_or_assign`, not `m[k] += v`.
bool storesPlainly(const ContainerAccess &W, const ParentMap &Parents) {
  if (W.Use.What == "insert_or_assign")
    return true;
  const Stmt *Parent = parentIgnoringImplicit(Parents, W.Use.Site);
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent))
    return Op->getOperator() == OO_Equal;
  const auto *Op = dyn_cast_or_null<BinaryOperator>(Parent);
  return Op && Op->getOpcode() == BO_Assign;
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
    StringRef Name = Call->getMethodDecl() && Call->getMethodDecl()->getIdentifier() ? Call->getMethodDecl()->getName() : "";
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
  } else if (const auto *Overloaded = dyn_cast<CXXOperatorCallExpr>(Cond); Overloaded && Overloaded->getNumArgs() == 2) {
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

/// Whether \p Act runs only where \p Check found its key absent, by an `if` that tests the check
/// or a local initialised from it (`bool known = m.count(k) != 0; ... if (known) return;`).
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

/// Whether \p Value, stored by an act that runs where the key was absent, is a memoised result:
/// computed from the key (\p Key) and what does not change per call (`r = compute(k); cache[k] =
/// r;`), so two threads that both miss store equal values and the act is idempotent. Not when it
/// changes state as it is computed (`next_id_++`), takes another argument of the function (two
/// callers may store different values: the first believes its value is in), or makes a new object
/// whose identity callers keep (`new`, `make_shared`, `make_unique`). Locals are followed to what
/// initialises or assigns them.
bool memoisedValue(const Expr *Value, const Expr *Key, const Decisions &D, unsigned Depth = 0) {
  // What the key is made of: the variables it names, and those of a local key's initialiser.
  llvm::SmallPtrSet<const Decl *, 4> KeySources;
  struct Names : RecursiveASTVisitor<Names> {
    llvm::SmallPtrSet<const Decl *, 4> &Out;
    explicit Names(llvm::SmallPtrSet<const Decl *, 4> &Out) : Out(Out) {}
    bool VisitDeclRefExpr(DeclRefExpr *E) {
      Out.insert(E->getDecl());
      return true;
    }
  } KeyNames(KeySources);
  KeyNames.TraverseStmt(const_cast<Expr *>(Key));
  for (const auto &[Local, Init] : D.Locals)
    if (KeySources.contains(Local))
      KeyNames.TraverseStmt(const_cast<Expr *>(Init));
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

  /// Whether some code of the unit removes elements of \p Container (erase, pop, clear, ...).
  bool removesElements(const clang::ValueDecl *Container) const {
    return llvm::any_of(GI.accesses(), [&](const ContainerAccess &A) {
      std::optional<ContainerOpKind> Kind = containerOpKindOf(A.Use.What);
      return A.Container == Container && (Kind == ContainerOpKind::Erase || Kind == ContainerOpKind::Replace);
    });
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
      // Memoisation: a store where the key was absent, of a value computed from the key (a plain
      // store: `m[k] += v` reads the old value).
      const Expr *Stored = storedValue(W, Cfg.parents());
      if (Decides && !removesKey(W.Use.What) && Stored && storesPlainly(W, Cfg.parents()) &&
          memoisedValue(Stored, keyOf(W.Use), D) &&
          actsWhereAbsent(W.Use.Site, R->Use.Site, D, Cfg.parents(), SM))
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
    if (&R == &W || R.Function != W.Function || R.Container != W.Container || !(R.Path == W.Path) ||
        R.Use.Write || (What != "find" && What != "count" && What != "contains") || !keyOf(R.Use) ||
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
