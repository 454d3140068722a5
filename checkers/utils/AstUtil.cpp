#include "utils/AstUtil.h"

#include "utils/NodesUnder.h"
#include "clang/AST/DeclFriend.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace mapguard {
namespace {
bool isImplicitWrapper(const Stmt *S) {
  if (isa<ImplicitCastExpr, ParenExpr, MaterializeTemporaryExpr, CXXBindTemporaryExpr, ExprWithCleanups,
          CXXFunctionalCastExpr>(S))
    return true;
  const auto *Construct = dyn_cast<CXXConstructExpr>(S);
  // A converting constructor is a wrapper only where it converts implicitly: `QWriteLocker l(&mu)`
  // (non-explicit, written with parentheses) constructs a guard, it does not convert `&mu`.
  return Construct && Construct->getNumArgs() == 1 && !isa<CXXTemporaryObjectExpr>(Construct) &&
         (Construct->getConstructor()->isCopyOrMoveConstructor() ||
          (Construct->getConstructor()->isConvertingConstructor(false) &&
           Construct->getParenOrBraceRange().isInvalid()));
}
} // namespace

bool contains(const Stmt *Outer, const Stmt *Inner, const ParentMap &Parents) {
  for (const Stmt *S = Inner; S; S = Parents.getParent(S))
    if (S == Outer)
      return true;
  return false;
}

const Stmt *parentIgnoringImplicit(const ParentMap &Parents, const Stmt *S) {
  while (S) {
    const Stmt *Parent = Parents.getParent(S);
    if (!Parent || !isImplicitWrapper(Parent))
      return Parent;
    S = Parent;
  }
  return nullptr;
}

const Expr *ignoringImplicit(const Expr *E) {
  while (E) {
    const Expr *Next = E->IgnoreImplicit()->IgnoreParens();
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(Next); Construct && isImplicitWrapper(Construct))
      Next = Construct->getArg(0);
    if (Next == E)
      return E;
    E = Next;
  }
  return E;
}

bool isRangeForElementKey(const Expr *Key, const CXXForRangeStmt *Loop) {
  const Expr *Arg = ignoringImplicit(Key);
  const VarDecl *LoopVar = Loop->getLoopVariable();
  if (const auto *Decomposed = dyn_cast<DecompositionDecl>(LoopVar)) {
    const auto *Ref = dyn_cast<DeclRefExpr>(Arg);
    return Ref && !Decomposed->bindings().empty() && Ref->getDecl() == Decomposed->bindings()[0];
  }
  if (const auto *Ref = dyn_cast<DeclRefExpr>(Arg))
    return Ref->getDecl() == LoopVar; // sets: the element is the key
  if (const auto *Member = dyn_cast<MemberExpr>(Arg)) {
    const auto *Base = dyn_cast<DeclRefExpr>(Member->getBase()->IgnoreParenImpCasts());
    return Base && Base->getDecl() == LoopVar && Member->getMemberDecl()->getIdentifier() &&
           Member->getMemberDecl()->getName() == "first";
  }
  return false;
}

const Stmt *soleStatement(const Stmt *S) {
  if (const auto *Block = dyn_cast_or_null<CompoundStmt>(S))
    return Block->size() == 1 ? Block->body_front() : nullptr;
  return S;
}

std::string sourceText(const Stmt *S, const ASTContext &Ctx) {
  SourceRange Range = S->getSourceRange();
  if (Range.getBegin().isMacroID() || Range.getEnd().isMacroID())
    return {};
  return Lexer::getSourceText(CharSourceRange::getTokenRange(Range), Ctx.getSourceManager(), Ctx.getLangOpts()).str();
}

const Expr *assignmentTarget(const Stmt *S) {
  if (const auto *Binary = dyn_cast_or_null<BinaryOperator>(S))
    return Binary->getOpcode() == BO_Assign ? Binary->getLHS() : nullptr;
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(S))
    return Op->getOperator() == OO_Equal && Op->getNumArgs() == 2 ? Op->getArg(0) : nullptr;
  return nullptr;
}

bool assignsTo(const Stmt *S, const ValueDecl *Var) {
  const Expr *Target = assignmentTarget(S);
  const auto *Ref = Target ? dyn_cast<DeclRefExpr>(Target->IgnoreParenImpCasts()) : nullptr;
  return Ref && Ref->getDecl() == Var;
}

bool assignsMember(const Stmt *Body, const FieldDecl *Field, llvm::function_ref<bool(const Expr *Value)> Counts) {
  bool Found = false;
  forEachNodeUnder<Expr>(Body, [&](const Expr *E) {
    const Expr *Target = assignmentTarget(E);
    const auto *Member = Target ? dyn_cast<MemberExpr>(Target->IgnoreParenImpCasts()) : nullptr;
    if (Member && Member->getMemberDecl() == Field) {
      const Expr *Value = isa<BinaryOperator>(E) ? cast<BinaryOperator>(E)->getRHS() : cast<CallExpr>(E)->getArg(1);
      Found = !Counts || Counts(Value);
    }
    return !Found;
  });
  return Found;
}

SmallVector<const DeclRefExpr *, 4> referencesTo(const Stmt *S, const ValueDecl *D) {
  SmallVector<const DeclRefExpr *, 4> Found;
  forEachNodeUnder<DeclRefExpr>(S, [&](const DeclRefExpr *E) {
    if (E->getDecl() == D)
      Found.push_back(E);
    return true;
  });
  return Found;
}

bool declaresMethodNamed(const CXXRecordDecl *Record, StringRef Name) {
  return llvm::any_of(Record->decls(), [&](const Decl *D) {
    const auto *Named = dyn_cast<NamedDecl>(D);
    if (const auto *Template = dyn_cast<FunctionTemplateDecl>(D))
      Named = Template->getTemplatedDecl();
    const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Named);
    return Method && Method->getIdentifier() && Method->getName() == Name;
  });
}

bool isPubliclyCallable(const CXXMethodDecl *Method) {
  return Method->getAccess() == AS_public || llvm::any_of(Method->overridden_methods(), isPubliclyCallable);
}

bool mayNameMember(const FunctionDecl *Fn, const ValueDecl *Member) {
  const auto *Owner = dyn_cast<CXXRecordDecl>(Member->getDeclContext());
  if (!Owner || Member->getAccess() == AS_public || Member->getAccess() == AS_none)
    return true;
  Owner = Owner->getCanonicalDecl();
  for (const DeclContext *Context = Fn->getDeclContext(); Context; Context = Context->getParent())
    if (const auto *Record = dyn_cast<CXXRecordDecl>(Context)) {
      if (Record->getCanonicalDecl() == Owner)
        return true;
      if (Member->getAccess() == AS_protected && Record->hasDefinition() && Record->isDerivedFrom(Owner))
        return true;
    }
  if (!Owner->hasDefinition())
    return true; // (cannot tell)
  const auto *FnClass = dyn_cast<CXXRecordDecl>(Fn->getDeclContext());
  return llvm::any_of(Owner->getDefinition()->friends(), [&](const FriendDecl *Friend) {
    if (const NamedDecl *D = Friend->getFriendDecl()) {
      if (const auto *Template = dyn_cast<FunctionTemplateDecl>(D))
        D = Template->getTemplatedDecl();
      return D->getCanonicalDecl() == Fn->getCanonicalDecl() ||
             (Fn->getPrimaryTemplate() && D == Fn->getPrimaryTemplate()->getTemplatedDecl());
    }
    const TypeSourceInfo *Type = Friend->getFriendType();
    const CXXRecordDecl *Friendly = Type ? Type->getType()->getAsCXXRecordDecl() : nullptr;
    return Friendly && FnClass && Friendly->getCanonicalDecl() == FnClass->getCanonicalDecl();
  });
}

bool isInDebugAssertion(SourceLocation Loc, const ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  for (unsigned Depth = 0; Loc.isMacroID() && Depth < 16; ++Depth) {
    StringRef Name = Lexer::getImmediateMacroName(Loc, SM, Ctx.getLangOpts());
    if (Name == "assert" || Name == "Q_ASSERT" || Name == "Q_ASSERT_X" || Name == "BOOST_ASSERT" ||
        Name == "BOOST_ASSERT_MSG" || Name == "DCHECK" || Name.starts_with("DCHECK_") || Name == "ABSL_ASSERT" ||
        Name == "DEBUG_ASSERT" || Name == "ASSERT_DEBUG")
      return true;
    Loc = SM.getImmediateMacroCallerLoc(Loc);
  }
  return false;
}

const clang::CXXRecordDecl *recordOrPattern(clang::QualType T) {
  if (T.isNull())
    return nullptr;
  T = T.getNonReferenceType();
  if (const auto *Record = T->getAsCXXRecordDecl())
    return Record;
  if (const auto *Spec = T->getAs<clang::TemplateSpecializationType>())
    if (const auto *Template =
            llvm::dyn_cast_or_null<clang::ClassTemplateDecl>(Spec->getTemplateName().getAsTemplateDecl()))
      return Template->getTemplatedDecl();
  return nullptr;
}

const ValueDecl *declOfExpr(const Expr *E) {
  E = E ? E->IgnoreParenImpCasts() : nullptr;
  if (const auto *Member = dyn_cast_or_null<MemberExpr>(E))
    return Member->getMemberDecl();
  if (const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E))
    return Ref->getDecl();
  return nullptr;
}

std::optional<DependentMemberCall> dependentMemberCall(const CallExpr *Call) {
  const Expr *Callee = Call->getCallee()->IgnoreParens();
  if (const auto *Member = dyn_cast<CXXDependentScopeMemberExpr>(Callee); Member && !Member->isImplicitAccess())
    return DependentMemberCall{Member->getBase(), Member->getMember().getAsString(), Member->isArrow()};
  if (const auto *Member = dyn_cast<UnresolvedMemberExpr>(Callee); Member && !Member->isImplicitAccess())
    return DependentMemberCall{Member->getBase(), Member->getMemberName().getAsString(), Member->isArrow()};
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call);
      Op && Op->getNumArgs() > 0 && isa<UnresolvedLookupExpr>(Callee) &&
      (Op->getOperator() == OO_Subscript || Op->getOperator() == OO_Equal))
    return DependentMemberCall{Op->getArg(0), Op->getOperator() == OO_Subscript ? "operator[]" : "operator=", false};
  return std::nullopt;
}

namespace {
bool instantiatesAMember(const clang::CXXRecordDecl *Specialization) {
  return llvm::any_of(Specialization->methods(), [](const clang::CXXMethodDecl *M) {
    return M->isTemplateInstantiation() && M->doesThisDeclarationHaveABody();
  });
}
} // namespace

bool templateInstantiatedInUnit(const clang::FunctionDecl *Pattern) {
  // The templates around it, innermost first (a lambda in a function template, a member of a
  // class template, a member of a class nested in one): any that the unit instantiates.
  for (const clang::DeclContext *Context = Pattern; Context; Context = Context->getParent()) {
    if (const auto *Function = llvm::dyn_cast<clang::FunctionDecl>(Context)) {
      if (const clang::FunctionTemplateDecl *Template = Function->getDescribedFunctionTemplate())
        for (const clang::FunctionDecl *Instance : Template->specializations())
          if (Instance->doesThisDeclarationHaveABody())
            return true;
      continue;
    }
    const auto *Record = llvm::dyn_cast<clang::CXXRecordDecl>(Context);
    const clang::ClassTemplateDecl *Template = Record ? Record->getDescribedClassTemplate() : nullptr;
    if (const auto *Partial = llvm::dyn_cast_or_null<clang::ClassTemplatePartialSpecializationDecl>(Record))
      Template = Partial->getSpecializedTemplate();
    if (Template)
      for (const clang::ClassTemplateSpecializationDecl *Specialization : Template->specializations())
        if (instantiatesAMember(Specialization))
          return true;
  }
  return false;
}

bool namesDeclaredOrUsed(const Stmt *Body, StringRef Name) {
  struct Finder : RecursiveASTVisitor<Finder> {
    StringRef Name;
    bool Found = false;
    bool check(const NamedDecl *D) {
      Found |= D && D->getIdentifier() && D->getName() == Name;
      return !Found;
    }
    bool VisitDeclRefExpr(DeclRefExpr *E) { return check(E->getDecl()); }
    bool VisitMemberExpr(MemberExpr *E) { return check(E->getMemberDecl()); }
    bool VisitNamedDecl(NamedDecl *D) { return check(D); }
  } Uses;
  Uses.Name = Name;
  Uses.TraverseStmt(const_cast<Stmt *>(Body));
  return Uses.Found;
}

std::pair<const ValueDecl *, bool> testedVariable(const Expr *Condition) {
  bool Negated = false;
  Condition = Condition->IgnoreParenImpCasts();
  while (const auto *Not = dyn_cast<UnaryOperator>(Condition)) {
    if (Not->getOpcode() != UO_LNot)
      return {nullptr, false};
    Negated = !Negated;
    Condition = Not->getSubExpr()->IgnoreParenImpCasts();
  }
  const auto *Ref = dyn_cast<DeclRefExpr>(Condition);
  return {Ref ? Ref->getDecl() : nullptr, Negated};
}

std::optional<bool> literalTruth(const Expr *E) {
  E = E->IgnoreParenCasts();
  if (const auto *Bool = dyn_cast<CXXBoolLiteralExpr>(E))
    return Bool->getValue();
  if (const auto *Int = dyn_cast<IntegerLiteral>(E))
    return Int->getValue() != 0;
  if (isa<CXXNullPtrLiteralExpr, GNUNullExpr>(E))
    return false;
  if (isa<CXXThisExpr>(E))
    return true;
  if (const auto *Unary = dyn_cast<UnaryOperator>(E); Unary && Unary->getOpcode() == UO_AddrOf)
    return true;
  return std::nullopt;
}

const Stmt *breakTarget(const BreakStmt *Break, const ParentMap &Parents) {
  for (const Stmt *P = Parents.getParent(Break); P; P = Parents.getParent(P))
    if (isa<SwitchStmt, ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(P))
      return P;
  return nullptr;
}

} // namespace mapguard
