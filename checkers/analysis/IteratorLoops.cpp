#include "analysis/IteratorLoops.h"

#include "model/ContainerModel.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Analysis/CFG.h"

using namespace clang;

namespace mapguard {
namespace {

/// A variable local to this function, not a parameter (an iterator the loop owns).
const VarDecl *localNonParameter(const Expr *E) {
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E ? ignoringImplicit(E) : nullptr);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  return Var && Var->hasLocalStorage() && !isa<ParmVarDecl>(Var) ? Var : nullptr;
}

/// The object of `c.end()`, `c.cend()`, `std::end(c)`, or of the variable initialised with one.
const Expr *endOf(const Expr *E) {
  E = ignoringImplicit(E);
  if (const VarDecl *Var = localNonParameter(E); Var && Var->getInit()) // `auto e = c.end();`
    E = ignoringImplicit(Var->getInit());
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(E)) {
    const CXXMethodDecl *Method = Member->getMethodDecl();
    if (Method && Method->getIdentifier() && (Method->getName() == "end" || Method->getName() == "cend"))
      return Member->getImplicitObjectArgument();
    return nullptr;
  }
  if (const auto *Call = dyn_cast<CallExpr>(E)) {
    // `c.end()` on a container of dependent type, in a template's definition.
    if (std::optional<DependentMemberCall> Dependent = dependentMemberCall(Call);
        Dependent && !Dependent->ViaPointer && (Dependent->Name == "end" || Dependent->Name == "cend"))
      return Dependent->Object;
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (Call->getNumArgs() == 1 && Callee && Callee->getIdentifier() &&
        (Callee->getName() == "end" || Callee->getName() == "cend"))
      return Call->getArg(0);
  }
  return nullptr;
}

/// Finds `it != end` (or `==`, either order; rewritten C++20 comparisons too) in a condition.
bool matchComparison(const Expr *Cond, IteratorLoop &Out) {
  Cond = Cond->IgnoreParenImpCasts();
  if (const auto *Not = dyn_cast<UnaryOperator>(Cond); Not && Not->getOpcode() == UO_LNot)
    return matchComparison(Not->getSubExpr(), Out);
  const Expr *LHS = nullptr, *RHS = nullptr;
  if (const auto *Binary = dyn_cast<BinaryOperator>(Cond)) {
    if (Binary->getOpcode() == BO_LAnd || Binary->getOpcode() == BO_LOr)
      return matchComparison(Binary->getLHS(), Out) || matchComparison(Binary->getRHS(), Out);
    if (!Binary->isEqualityOp())
      return false;
    LHS = Binary->getLHS();
    RHS = Binary->getRHS();
  } else if (const auto *Rewritten = dyn_cast<CXXRewrittenBinaryOperator>(Cond)) {
    LHS = Rewritten->getLHS();
    RHS = Rewritten->getRHS();
  } else if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Cond);
             Op && (Op->getOperator() == OO_ExclaimEqual || Op->getOperator() == OO_EqualEqual) &&
             Op->getNumArgs() == 2) {
    LHS = Op->getArg(0);
    RHS = Op->getArg(1);
  } else {
    return false;
  }
  for (auto [Iter, End] : {std::pair(LHS, RHS), std::pair(RHS, LHS)}) {
    const VarDecl *Var = localNonParameter(Iter);
    if (const Expr *Container = Var ? endOf(End) : nullptr) {
      Out.Iter = Var;
      Out.Container = Container;
      return true;
    }
  }
  return false;
}

/// Whether \p Record keeps a pointer or reference to an object of type \p Container (a
/// mutable Java-style iterator, `QMutableMapIterator`), rather than a copy of it (`QMapIterator`,
/// whose copy the original's changes do not touch).
bool refersToContainerOfType(const CXXRecordDecl *Record, QualType Container) {
  if (!Record || !Record->hasDefinition())
    return false;
  QualType Wanted = Container.getNonReferenceType().getCanonicalType().getUnqualifiedType();
  return llvm::any_of(Record->getDefinition()->fields(), [&](const FieldDecl *Field) {
    QualType T = Field->getType();
    if (!T->isPointerType() && !T->isReferenceType())
      return false;
    return T->getPointeeType().getCanonicalType().getUnqualifiedType() == Wanted;
  });
}

/// `i.hasNext()` where `i` is a local mutable Java-style iterator constructed from a container.
bool matchJavaStyle(const Expr *Cond, IteratorLoop &Out) {
  const auto *Call = dyn_cast<CXXMemberCallExpr>(Cond->IgnoreParenImpCasts());
  const CXXMethodDecl *Method = Call ? Call->getMethodDecl() : nullptr;
  if (!Method || !Method->getIdentifier() || (Method->getName() != "hasNext" && Method->getName() != "hasPrevious"))
    return false;
  const VarDecl *Var = localNonParameter(Call->getImplicitObjectArgument());
  const auto *Construct =
      Var && Var->getInit() ? dyn_cast<CXXConstructExpr>(ignoringImplicit(Var->getInit())) : nullptr;
  if (!Construct || Construct->getNumArgs() < 1)
    return false;
  const Expr *Container = ignoringImplicit(Construct->getArg(0));
  if (!refersToContainerOfType(Var->getType()->getAsCXXRecordDecl(), Container->getType()))
    return false;
  Out.Iter = Var;
  Out.Container = Container;
  Out.JavaStyle = true;
  return true;
}

} // namespace

std::optional<IteratorLoop> iteratorLoopOf(const Stmt *Loop) {
  IteratorLoop Result;
  Result.Loop = Loop;
  const Expr *Cond = nullptr;
  if (const auto *For = dyn_cast<ForStmt>(Loop)) {
    Cond = For->getCond();
    Result.Body = For->getBody();
  } else if (const auto *While = dyn_cast<WhileStmt>(Loop)) {
    Cond = While->getCond();
    Result.Body = While->getBody();
  } else if (const auto *Do = dyn_cast<DoStmt>(Loop)) {
    Cond = Do->getCond();
    Result.Body = Do->getBody();
  }
  if (!Cond || !Result.Body || !(matchComparison(Cond, Result) || matchJavaStyle(Cond, Result)))
    return std::nullopt;
  return Result;
}

const VarDecl *dereferencedVariable(const Expr *E) {
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E)) {
    if ((Op->getOperator() == OO_Arrow || Op->getOperator() == OO_Star) && Op->getNumArgs() == 1)
      return localNonParameter(Op->getArg(0));
    return nullptr;
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E); Unary && Unary->getOpcode() == UO_Deref)
    return localNonParameter(Unary->getSubExpr());
  if (const auto *Member = dyn_cast<MemberExpr>(E); Member && Member->isArrow())
    return localNonParameter(Member->getBase()); // a pointer used as an iterator
  if (const auto *Member = dyn_cast<CXXDependentScopeMemberExpr>(E);
      Member && Member->isArrow() && !Member->isImplicitAccess())
    return localNonParameter(Member->getBase()); // `it->second` in a template's definition
  if (const auto *Call = dyn_cast<CXXMemberCallExpr>(E)) {
    const CXXMethodDecl *Method = Call->getMethodDecl();
    if (Method && Method->getIdentifier() && (Method->getName() == "key" || Method->getName() == "value"))
      return localNonParameter(Call->getImplicitObjectArgument()); // Qt's it.key(), it.value()
  }
  return nullptr;
}

bool modifiesVariable(const Stmt *S, const VarDecl *Var) {
  struct Scan : RecursiveASTVisitor<Scan> {
    const VarDecl *Var;
    bool Found = false;
    explicit Scan(const VarDecl *V) : Var(V) {}
    bool is(const Expr *E) const { return localNonParameter(E) == Var; }
    bool VisitUnaryOperator(UnaryOperator *Op) {
      Found |= Op->isIncrementDecrementOp() && is(Op->getSubExpr());
      return !Found;
    }
    bool VisitBinaryOperator(BinaryOperator *Op) {
      Found |= Op->isAssignmentOp() && is(Op->getLHS());
      return !Found;
    }
    bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *Op) {
      OverloadedOperatorKind K = Op->getOperator();
      Found |= (K == OO_PlusPlus || K == OO_MinusMinus || K == OO_Equal || K == OO_PlusEqual || K == OO_MinusEqual) &&
               Op->getNumArgs() > 0 && is(Op->getArg(0));
      return !Found;
    }
    bool VisitCallExpr(CallExpr *Call) {
      const FunctionDecl *Callee = Call->getDirectCallee();
      Found |= Callee && Callee->getIdentifier() && Callee->getName() == "advance" && Call->getNumArgs() > 0 &&
               is(Call->getArg(0));
      return !Found;
    }
  } Scanner(Var);
  Scanner.TraverseStmt(const_cast<Stmt *>(S));
  return Scanner.Found;
}

const Stmt *firstUseAfter(const FunctionCfg &Cfg, const Stmt *S, const VarDecl *Iter) {
  const ValueDecl *Decls[] = {Iter};
  return firstUseAfter(Cfg, S, Decls);
}

namespace {
/// `pred()` where `auto pred = [&] { return it != c.end() && it->first == k; };`: a call of a local
/// lambda that captured one of \p Decls by reference and reads it (a lambda that also moves it is
/// left alone: which comes first is the lambda's business).
bool callsLambdaReading(const Stmt *S, llvm::ArrayRef<const ValueDecl *> Decls) {
  const auto *Call = dyn_cast<CXXOperatorCallExpr>(S);
  if (!Call || Call->getOperator() != OO_Call || Call->getNumArgs() == 0)
    return false;
  const auto *Ref = dyn_cast<DeclRefExpr>(ignoringImplicit(Call->getArg(0)));
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  const auto *Lambda = Var && Var->hasLocalStorage() && Var->getInit()
                           ? dyn_cast<LambdaExpr>(ignoringImplicit(Var->getInit()))
                           : nullptr;
  return Lambda && llvm::any_of(Lambda->captures(), [&](const LambdaCapture &Capture) {
           if (!Capture.capturesVariable() || Capture.getCaptureKind() != LCK_ByRef ||
               !llvm::is_contained(Decls, Capture.getCapturedVar()))
             return false;
           const auto *Captured = dyn_cast<VarDecl>(Capture.getCapturedVar());
           return Captured && !referencesTo(Lambda->getBody(), Captured).empty() &&
                  !modifiesVariable(Lambda->getBody(), Captured);
         });
}

/// What a CFG element does to the variables \p Decls name: uses one (an increment, a dereference,
/// a comparison, a call of a local lambda that reads it through a reference capture), gives it a
/// new value or ends it (its scope ends, the next iteration declares it afresh, an assignment), or
/// neither.
enum class IteratorEvent { None, Use, NewValue };
IteratorEvent eventOf(const FunctionCfg &Cfg, const CFGElement &Element, llvm::ArrayRef<const ValueDecl *> Decls) {
  if (auto Lifetime = Element.getAs<CFGLifetimeEnds>(); Lifetime && llvm::is_contained(Decls, Lifetime->getVarDecl()))
    return IteratorEvent::NewValue;
  auto Statement = Element.getAs<CFGStmt>();
  if (!Statement)
    return IteratorEvent::None;
  if (const auto *Decl = dyn_cast<DeclStmt>(Statement->getStmt());
      Decl && llvm::any_of(Decl->decls(), [&](const clang::Decl *D) {
        const auto *Var = dyn_cast<VarDecl>(D);
        return Var && (llvm::is_contained(Decls, Var) ||
                       (isa<DecompositionDecl>(Var) &&
                        llvm::any_of(cast<DecompositionDecl>(Var)->bindings(),
                                     [&](const BindingDecl *B) { return llvm::is_contained(Decls, B); })));
      }))
    return IteratorEvent::NewValue;
  // `it = m.insert(v).first`: the target is named before the insert, the assignment comes after.
  if (llvm::any_of(Decls, [&](const ValueDecl *D) { return assignsTo(Statement->getStmt(), D); }))
    return IteratorEvent::NewValue;
  if (callsLambdaReading(Statement->getStmt(), Decls))
    return IteratorEvent::Use;
  const auto *Ref = dyn_cast<DeclRefExpr>(Statement->getStmt());
  if (!Ref || !llvm::is_contained(Decls, Ref->getDecl()))
    return IteratorEvent::None;
  const Stmt *Parent = Cfg.parents().getParentIgnoreParenImpCasts(const_cast<DeclRefExpr *>(Ref));
  if (assignmentTarget(Parent) && assignmentTarget(Parent)->IgnoreParenImpCasts() == Ref)
    return IteratorEvent::NewValue; // reassigned before any use on this path
  return IteratorEvent::Use;
}
} // namespace

const Stmt *firstUseAfter(const FunctionCfg &Cfg, const Stmt *S, llvm::ArrayRef<const ValueDecl *> Decls) {
  const Stmt *FirstUse = nullptr;
  Cfg.forEachElementAfter(S, [&](const CFGElement &Element) {
    switch (eventOf(Cfg, Element, Decls)) {
    case IteratorEvent::None:
      return FunctionCfg::Visit::Continue;
    case IteratorEvent::NewValue:
      return FunctionCfg::Visit::StopPath;
    case IteratorEvent::Use:
      FirstUse = Element.castAs<CFGStmt>().getStmt();
      return FunctionCfg::Visit::Done;
    }
    return FunctionCfg::Visit::Continue;
  });
  return FirstUse;
}

bool usedOnEveryPathAfter(const FunctionCfg &Cfg, const Stmt *S, const VarDecl *Iter) {
  CFGPoint From = Cfg.pointOf(S);
  if (!From.valid())
    return false;
  const ValueDecl *Decls[] = {Iter};
  SmallVector<CFGPoint, 8> Uses;
  SmallVector<CFGPoint, 8> NewValues{CFGPoint{&Cfg.cfg().getExit(), 0}}; // or leaves the function
  for (const CFGBlock *Block : Cfg.cfg()) {
    unsigned Index = 0;
    for (const CFGElement &Element : *Block) {
      IteratorEvent Event = eventOf(Cfg, Element, Decls);
      if (Event != IteratorEvent::None)
        (Event == IteratorEvent::Use ? Uses : NewValues).push_back(CFGPoint{Block, Index});
      ++Index;
    }
  }
  return llvm::none_of(NewValues, [&](CFGPoint To) { return Cfg.reaches(From, To, Uses); });
}

namespace {
/// `++it` or `it++` on \p Iter itself.
bool isIncrementOf(const Stmt *S, const VarDecl *Iter) {
  if (const auto *Unary = dyn_cast<UnaryOperator>(S); Unary && Unary->isIncrementOp())
    return localNonParameter(Unary->getSubExpr()) == Iter;
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(S); Op && Op->getOperator() == OO_PlusPlus)
    return Op->getNumArgs() > 0 && localNonParameter(Op->getArg(0)) == Iter;
  return false;
}

/// `it = c.erase(it); ... ++it;` in the body of the innermost loop around the reassignment: the
/// increment a path reaches inside the body, before the loop tests its condition again and before
/// `it` gets another value.
const Expr *incrementInBodyAfter(const FunctionCfg &Cfg, const Stmt *Reassignment, const VarDecl *Iter) {
  const Stmt *Loop = nullptr;
  for (const Stmt *S = Cfg.parents().getParent(Reassignment); S && !Loop; S = Cfg.parents().getParent(S))
    if (isa<WhileStmt, ForStmt, DoStmt>(S))
      Loop = S;
  const Stmt *Body = !Loop                  ? nullptr
                     : isa<WhileStmt>(Loop) ? cast<WhileStmt>(Loop)->getBody()
                     : isa<ForStmt>(Loop)   ? cast<ForStmt>(Loop)->getBody()
                                            : cast<DoStmt>(Loop)->getBody();
  if (!Body)
    return nullptr;
  auto InBody = [&](const Stmt *S) {
    for (; S && S != Loop; S = Cfg.parents().getParent(S))
      if (S == Body)
        return true;
    return false;
  };
  const Expr *Increment = nullptr;
  Cfg.forEachElementAfter(Reassignment, [&](const CFGElement &Element) {
    auto Statement = Element.getAs<CFGStmt>();
    if (!Statement)
      return FunctionCfg::Visit::Continue;
    const Stmt *S = Statement->getStmt();
    if (!InBody(S)) // the condition, the header's increment, or out of the loop: the next iteration
      return FunctionCfg::Visit::StopPath;
    if (!modifiesVariable(S, Iter))
      return FunctionCfg::Visit::Continue;
    if (!isIncrementOf(S, Iter))
      return FunctionCfg::Visit::StopPath; // another value first (`--it`, `it = c.begin()`)
    Increment = cast<Expr>(S);
    return FunctionCfg::Visit::Done;
  });
  return Increment;
}
} // namespace

const Expr *advancedAgainAfter(const FunctionCfg &Cfg, const Stmt *Reassignment, const VarDecl *Iter,
                               const ForStmt *&Loop) {
  Loop = nullptr;
  for (const Stmt *S = Cfg.parents().getParent(Reassignment); S && !Loop; S = Cfg.parents().getParent(S))
    if (const auto *For = dyn_cast<ForStmt>(S); For && For->getInc() && modifiesVariable(For->getInc(), Iter))
      Loop = For;
  if (!Loop)
    return incrementInBodyAfter(Cfg, Reassignment, Iter);
  const Expr *Inc = Loop->getInc();
  auto InIncrement = [&](const Stmt *S) {
    for (; S && S != Loop; S = Cfg.parents().getParent(S))
      if (S == Inc)
        return true;
    return false;
  };
  // `for (...; ...; it = c.erase(it))`: the erase is the loop's own advance, not a second one.
  if (InIncrement(Reassignment))
    return nullptr;
  bool Reached = false;
  Cfg.forEachElementAfter(Reassignment, [&](const CFGElement &Element) {
    auto Statement = Element.getAs<CFGStmt>();
    if (!Statement)
      return FunctionCfg::Visit::Continue;
    if (InIncrement(Statement->getStmt())) {
      Reached = true;
      return FunctionCfg::Visit::Done;
    }
    // Another value first (`it = c.erase(it); --it;`, `it = c.begin();`): the increment is meant.
    return modifiesVariable(Statement->getStmt(), Iter) ? FunctionCfg::Visit::StopPath : FunctionCfg::Visit::Continue;
  });
  return Reached ? Inc : nullptr;
}

/// Whether the erase call's first parameter is an iterator (`erase(it)`, `erase(first, last)`).
bool takesIterator(const CallExpr *Erase) {
  const FunctionDecl *Callee = Erase->getDirectCallee();
  if (!Callee && Erase->getNumArgs() > 0) {
    // Not resolved yet (a template's definition): the argument is a local iterator variable,
    // one initialised from begin()/find()/... of a container, or declared as an iterator.
    const VarDecl *Var = localNonParameter(Erase->getArg(0));
    return Var &&
           (StringRef(Var->getType().getAsString()).contains_insensitive("iterator") || dependentIteratorSource(Var));
  }
  return Callee && Callee->getNumParams() > 0 &&
         StringRef(Callee->getParamDecl(0)->getType().getAsString()).contains_insensitive("iterator");
}

const DeclStmt *declStmtOf(const Stmt *Root, const Decl *D) {
  return firstNodeUnder<DeclStmt>(Root, [&](const DeclStmt *S) { return llvm::is_contained(S->decls(), D); });
}

/// Whether \p Site still acts on the element \p Loop's iterator points to: it reads it through the
/// iterator itself, or through a local taken from it with no path that advances the iterator in
/// between (`auto k = it->first; ++it; m.erase(k);` erases the previous element: correct).
bool actsOnCurrentElement(const CallExpr *Site, const IteratorLoop &Loop, const FunctionCfg &Cfg) {
  if (modifiesVariable(Site, Loop.Iter))
    return false; // `m.erase((it++)->first)`
  bool Direct = false;
  SmallVector<const DeclStmt *, 2> Locals;
  struct Scan : RecursiveASTVisitor<Scan> {
    const IteratorLoop &Loop;
    bool &Direct;
    SmallVector<const DeclStmt *, 2> &Locals;
    Scan(const IteratorLoop &L, bool &D, SmallVector<const DeclStmt *, 2> &Ls) : Loop(L), Direct(D), Locals(Ls) {}
    bool VisitExpr(Expr *E) {
      Direct |= dereferencedVariable(E) == Loop.Iter;
      return true;
    }
    bool VisitDeclRefExpr(DeclRefExpr *Ref) {
      const Decl *D = Ref->getDecl();
      if (const auto *Binding = dyn_cast<BindingDecl>(D))
        D = Binding->getDecomposedDecl();
      if (const DeclStmt *Decl = D ? declStmtOf(Loop.Body, D) : nullptr)
        Locals.push_back(Decl);
      return true;
    }
  } Scanner(Loop, Direct, Locals);
  Scanner.TraverseStmt(const_cast<CallExpr *>(Site));
  if (Direct)
    return true;
  return llvm::any_of(Locals, [&](const DeclStmt *Decl) {
    if (modifiesVariable(Decl, Loop.Iter))
      return false;
    bool Reaches = false;
    Cfg.forEachElementAfter(Decl, [&](const CFGElement &Element) {
      auto Statement = Element.getAs<CFGStmt>();
      if (!Statement)
        return FunctionCfg::Visit::Continue;
      if (Statement->getStmt() == Site) {
        Reaches = true;
        return FunctionCfg::Visit::Done;
      }
      return modifiesVariable(Statement->getStmt(), Loop.Iter) ? FunctionCfg::Visit::StopPath
                                                               : FunctionCfg::Visit::Continue;
    });
    return Reaches;
  });
}

/// `m.erase(it->first)` / `s.erase(*it)`: the key of the element \p Iter points to, exactly.
bool isKeyOfIterator(const Expr *Arg, const VarDecl *Iter, bool IsSet) {
  Arg = ignoringImplicit(Arg);
  if (const auto *Member = dyn_cast<MemberExpr>(Arg); Member && Member->getMemberDecl()->getName() == "first")
    return dereferencedVariable(Member->getBase()->IgnoreParenImpCasts()) == Iter ||
           dereferencedVariable(Member) == Iter;
  if (const auto *Member = dyn_cast<CXXDependentScopeMemberExpr>(Arg);
      Member && Member->getMember().getAsString() == "first")
    return dereferencedVariable(Member) == Iter;
  return IsSet && dereferencedVariable(Arg) == Iter;
}

const Expr *dependentIteratorSource(const VarDecl *Iter) {
  const auto *Init = Iter->getInit() ? dyn_cast<CallExpr>(ignoringImplicit(Iter->getInit())) : nullptr;
  std::optional<DependentMemberCall> Source = Init ? dependentMemberCall(Init) : std::nullopt;
  if (!Source || Source->ViaPointer ||
      !llvm::is_contained({"begin", "cbegin", "find", "lower_bound", "upper_bound"}, Source->Name))
    return nullptr;
  return Source->Object;
}

const VarDecl *erasedIteratorVariable(const CallExpr *Call) {
  if (Call->getNumArgs() != 1)
    return nullptr;
  if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
    const CXXMethodDecl *Method = Member->getMethodDecl();
    if (!Method || !Method->getIdentifier() || Method->getNumParams() != 1 ||
        (Method->getName() != "erase" && Method->getName() != "unsafe_erase"))
      return nullptr;
  } else if (std::optional<DependentMemberCall> Dependent = dependentMemberCall(Call); // a template's definition
             !Dependent || (Dependent->Name != "erase" && Dependent->Name != "unsafe_erase")) {
    return nullptr;
  }
  // Debug-mode and class iterators arrive copied into a bound temporary.
  const VarDecl *Var = localNonParameter(Call->getArg(0));
  return Var && takesIterator(Call) ? Var : nullptr;
}

} // namespace mapguard
