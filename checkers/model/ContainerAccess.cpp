#include "model/ContainerAccess.h"

#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
bool isNonConstReference(QualType T) { return T->isReferenceType() && !T.getNonReferenceType().isConstQualified(); }

bool isPointerToNonConst(QualType T) { return T->isPointerType() && !T->getPointeeType().isConstQualified(); }

/// The parameter an argument binds to, if \p Arg is an argument of \p Call.
const ParmVarDecl *parameterOf(const Stmt *Call, const Expr *Arg) {
  const FunctionDecl *Callee = nullptr;
  ArrayRef<const Expr *> Args;
  if (const auto *C = dyn_cast<CallExpr>(Call)) {
    Callee = C->getDirectCallee();
    Args = ArrayRef(C->getArgs(), C->getNumArgs());
    // Operators that are members take the object as argument 0.
    if (isa<CXXOperatorCallExpr>(C) && isa_and_nonnull<CXXMethodDecl>(Callee))
      Args = Args.drop_front();
  } else if (const auto *Construct = dyn_cast<CXXConstructExpr>(Call)) {
    Callee = Construct->getConstructor();
    Args = ArrayRef(Construct->getArgs(), Construct->getNumArgs());
  }
  if (!Callee)
    return nullptr;
  for (size_t I = 0; I < Args.size() && I < Callee->getNumParams(); ++I)
    if (ignoringImplicit(Args[I]) == Arg || Args[I]->IgnoreParenImpCasts() == Arg)
      return Callee->getParamDecl(I);
  return nullptr;
}

/// The parameter type an argument binds to, if \p Arg is an argument of \p Call.
std::optional<QualType> parameterTypeOf(const Stmt *Call, const Expr *Arg) {
  const ParmVarDecl *Param = parameterOf(Call, Arg);
  return Param ? std::optional(Param->getType()) : std::nullopt;
}

/// Whether \p Method has a const overload of the same name: an accessor (`operator[]`, `at`,
/// `front`, `begin`, `data`) whose non-const form is chosen for a non-const object but changes
/// nothing itself.
bool hasConstOverload(const CXXMethodDecl *Method) {
  if (Method->isConst())
    return true;
  for (const NamedDecl *D : Method->getParent()->lookup(Method->getDeclName())) {
    if (const auto *Template = dyn_cast<FunctionTemplateDecl>(D))
      D = Template->getTemplatedDecl();
    if (const auto *Other = dyn_cast<CXXMethodDecl>(D); Other && Other->isConst())
      return true;
  }
  return false;
}

/// std::atomic and its bases (libstdc++'s __atomic_base, libc++'s __atomic_base): an element of
/// that type changes atomically.
bool isAtomic(const CXXRecordDecl *Record) {
  if (!Record || !Record->getIdentifier())
    return false;
  StringRef Name = Record->getName();
  return Record->isInStdNamespace() && (Name == "atomic" || Name == "__atomic_base" || Name == "atomic_flag" ||
                                        Name == "atomic_ref" || Name.starts_with("__atomic"));
}

/// Whether the element (or member) an accessor call returns is changed where it is used:
/// `v[i] = x`, `++v.back()`, `v[i].count = 0`, `v.front().push_back(x)`.
bool accessedElementChanged(const Expr *Access, const ParentMap &Parents) {
  const Expr *Current = Access;
  for (unsigned Depth = 0; Depth < 8; ++Depth) {
    if (subscriptWritten(Current, Parents))
      return true;
    const Stmt *Parent = parentIgnoringImplicit(Parents, Current);
    const auto *Member = dyn_cast_or_null<MemberExpr>(Parent);
    if (Member && !Member->isArrow() && isa<FieldDecl>(Member->getMemberDecl())) {
      Current = Member; // `v[i].count`
      continue;
    }
    const CXXMethodDecl *Method = nullptr;
    const Expr *Call = nullptr;
    if (Member && !Member->isArrow()) {
      Method = dyn_cast<CXXMethodDecl>(Member->getMemberDecl());
      Call = dyn_cast_or_null<CXXMemberCallExpr>(Parents.getParentIgnoreParens(Member));
    } else if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent);
               Op && Op->getNumArgs() > 0 && ignoringImplicit(Op->getArg(0)) == Current) {
      Method = dyn_cast_or_null<CXXMethodDecl>(Op->getDirectCallee());
      Call = Op;
    }
    if (!Method || !Call)
      return false;
    if (isAtomic(Method->getParent()))
      return false; // `flags[i].store(true)`: the element synchronizes itself
    if (!hasConstOverload(Method))
      return true;  // `v.front().push_back(x)`, `s[i] += "x"`
    Current = Call; // an accessor of the element: `v[i][j] = x`
  }
  return false;
}

/// Whether the body of \p Method, a project's own, is in sight and changes nothing: no assignment,
/// increment or delete, no call of a non-const member function without a const twin, and nothing
/// handed on by non-const reference or pointer (bustub's `Watermark::GetWatermark()`, non-const but a read). Read from
/// the body; a library's member functions keep their declared constness.
bool changesNothing(const CXXMethodDecl *Method) {
  const FunctionDecl *Definition = nullptr;
  if (!Method->hasBody(Definition) || Method->isVirtual() ||
      Definition->getASTContext().getSourceManager().isInSystemHeader(Definition->getLocation()))
    return false;
  auto MayChange = [](const Stmt *S) {
    if (const auto *Binary = dyn_cast<BinaryOperator>(S))
      return Binary->isAssignmentOp();
    if (const auto *Unary = dyn_cast<UnaryOperator>(S))
      return Unary->isIncrementDecrementOp();
    if (isa<CXXDeleteExpr, CXXThrowExpr, AsmStmt>(S))
      return true;
    auto TakesNonConst = [](const FunctionDecl *Callee) {
      return llvm::any_of(Callee->parameters(), [](const ParmVarDecl *Param) {
        QualType T = Param->getType();
        return (T->isReferenceType() || T->isPointerType()) && !T->getPointeeType().isConstQualified();
      });
    };
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(S)) // a move out of a member
      return TakesNonConst(Construct->getConstructor());
    const auto *Call = dyn_cast<CallExpr>(S);
    if (!Call)
      return false;
    const auto *Callee = dyn_cast_or_null<FunctionDecl>(Call->getCalleeDecl());
    if (!Callee)
      return true;
    // (A non-const accessor with a const twin, `begin()` on a non-const map, changes nothing
    // itself; a change through its result is an assignment or a call of its own.)
    if (const auto *Member = dyn_cast<CXXMethodDecl>(Callee);
        Member && !Member->isStatic() && !hasConstOverload(Member))
      return true;
    return TakesNonConst(Callee);
  };
  return !anyNodeUnder<Stmt>(Definition->getBody(), MayChange, LambdaBodies::Enter);
}

/// A call of a member function the container model does not list: a write if the function is
/// not const and has no const overload (`push_back`, `pop_front`, `resize`, `append`, a project's
/// own `add`), or if it is an accessor whose result is changed (`v[i] = x`).
ContainerUse unlistedMemberUse(const CallExpr *Call, const CXXMethodDecl *Method, const ParentMap &Parents) {
  std::string Name = Method->getNameAsString();
  if (Method->isConst() || Method->isStatic() || changesNothing(Method))
    return {false, Name, Call};
  if (!hasConstOverload(Method))
    return {true, Name, Call};
  if (accessedElementChanged(Call, Parents))
    return {true, Name, Call, /*ElementOnly=*/true};
  return {false, Name, Call};
}

/// The class whose member functions a dependent call on \p Object may call: the record of its
/// type, or the pattern of the class template a dependent type names (`std::vector<T>`).
const CXXRecordDecl *recordOfObject(const Expr *Object, bool ViaPointer) {
  QualType T = Object->getType().getNonReferenceType();
  const CXXRecordDecl *Record = recordOrPattern(ViaPointer && !T.isNull() ? T->getPointeeType() : T);
  return Record ? Record->getDefinition() : nullptr;
}

/// A call in a template's definition of a member function the model does not list, judged by the
/// member functions of that name the class declares: all const, a read; none const, a write
/// (`push_back`); both, an accessor, a write only where its result is assigned (`v[i] = x`).
ContainerUse dependentUnlistedUse(const CallExpr *Call, const DependentMemberCall &Dependent,
                                  const ParentMap &Parents) {
  const CXXRecordDecl *Record = recordOfObject(Dependent.Object, Dependent.ViaPointer);
  bool AnyConst = false, AnyMutable = false;
  if (Record) {
    for (const NamedDecl *D : Record->lookup(&Record->getASTContext().Idents.get(Dependent.Name))) {
      if (const auto *Template = dyn_cast<FunctionTemplateDecl>(D))
        D = Template->getTemplatedDecl();
      if (const auto *Method = dyn_cast<CXXMethodDecl>(D))
        (Method->isConst() || Method->isStatic() ? AnyConst : AnyMutable) = true;
    }
  }
  if (Dependent.Name == "operator[]") // not found by identifier; an accessor of every container
    AnyConst = AnyMutable = true;
  if (Dependent.Name == "operator=")
    return {true, Dependent.Name, Call};
  if (!AnyMutable)
    return {false, Dependent.Name, Call};
  if (!AnyConst)
    return {true, Dependent.Name, Call};
  if (subscriptWritten(Call, Parents))
    return {true, Dependent.Name, Call, /*ElementOnly=*/true};
  return {false, Dependent.Name, Call};
}

bool isSequence(const Expr *Ref, const ContainerModel &Model) {
  std::optional<ContainerTraits> Traits = Model.classifyObject(Ref);
  return Traits && Traits->Shape != ContainerShape::Associative;
}

ContainerUse opUse(const CallExpr *Call, const Expr *Ref, const ContainerModel &Model) {
  for (const ContainerOp &Op : containerOpsOf(Call, Model)) {
    const Expr *Object = ignoringImplicit(Op.Object);
    if (Object == Ref || Op.Object == Ref)
      return {isMutation(Op.Kind), Op.Name, Call};
  }
  return {false, "", nullptr};
}
} // namespace

/// The container expression a handle expression leads to where it is used: `*p`, `*sp`, `sp->`
/// (the smart pointer's operator->); a raw pointer's `p->f()` is classified as it is.
static const Expr *throughHandle(const Expr *Ref, const ParentMap &Parents, const ContainerModel &Model) {
  if (Model.containerBehindHandle(Ref->getType()).isNull() || Ref->getType()->isReferenceType())
    return Ref;
  const Stmt *Parent = parentIgnoringImplicit(Parents, Ref);
  if (const auto *Deref = dyn_cast_or_null<UnaryOperator>(Parent); Deref && Deref->getOpcode() == UO_Deref)
    return Deref;
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent);
      Op && (Op->getOperator() == OO_Star || Op->getOperator() == OO_Arrow) && Op->getNumArgs() == 1)
    return Op;
  return Ref;
}

/// A use of the pointer or smart pointer a container is reached through that does not reach the
/// container: the handle re-seated (`sp = std::make_shared<Map>()`, `sp.reset()`, `p = nullptr`),
/// copied (`copy = sp`, `auto keep = sp;`) or tested (`if (sp)`, `p != nullptr`). Which container a
/// copy reaches later is not followed.
static std::optional<ContainerUse> handleOnlyUse(const Expr *Ref, const ParentMap &Parents,
                                                 const ContainerModel &Model) {
  if (Ref->getType()->isReferenceType() || Model.containerBehindHandle(Ref->getType()).isNull())
    return std::nullopt;
  const Stmt *Parent = parentIgnoringImplicit(Parents, Ref);
  if (!Parent)
    return std::nullopt;
  auto Seated = [&](bool Target) {
    return ContainerUse{Target, Target ? "handle assignment" : "handle copy", Ref,
                        /*ElementOnly=*/false, /*HandleOnly=*/true};
  };
  if (const auto *Op = dyn_cast<BinaryOperator>(Parent)) {
    if (Op->getOpcode() == BO_Assign)
      return Seated(ignoringImplicit(Op->getLHS()) == Ref);
    if (Op->isEqualityOp() || Op->isLogicalOp())
      return Seated(false);
    return std::nullopt;
  }
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Parent)) {
    OverloadedOperatorKind Kind = Op->getOperator();
    if (Kind == OO_Equal && Op->getNumArgs() == 2)
      return Seated(ignoringImplicit(Op->getArg(0)) == Ref);
    if (Kind == OO_EqualEqual || Kind == OO_ExclaimEqual || Kind == OO_AmpAmp || Kind == OO_PipePipe)
      return Seated(false);
    return std::nullopt;
  }
  if (const auto *Not = dyn_cast<UnaryOperator>(Parent); Not && Not->getOpcode() == UO_LNot)
    return Seated(false);
  if (const auto *If = dyn_cast<IfStmt>(Parent); If && ignoringImplicit(If->getCond()) == Ref)
    return Seated(false);
  if (const auto *Member = dyn_cast<MemberExpr>(Parent); Member && !Member->isArrow()) {
    const auto *Method = dyn_cast<CXXMethodDecl>(Member->getMemberDecl());
    if (!Method)
      return std::nullopt;
    if (isa<CXXConversionDecl>(Method)) // `if (sp)`
      return Seated(false);
    StringRef Name = Method->getIdentifier() ? Method->getName() : StringRef();
    if (Name == "reset" || Name == "swap")
      return Seated(true);
    if (Name == "use_count" || Name == "unique")
      return Seated(false);
    return std::nullopt;
  }
  // `auto keep = sp;`, a handle passed by value: a copy of the handle.
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(Parent);
      Construct && Construct->getNumArgs() == 1 && Construct->getConstructor()->isCopyOrMoveConstructor() &&
      !Model.containerBehindHandle(Construct->getType()).isNull())
    return Seated(false);
  if (const auto *Decl = dyn_cast<DeclStmt>(Parent))
    for (const clang::Decl *D : Decl->decls())
      if (const auto *Var = dyn_cast<VarDecl>(D);
          Var && Var->getInit() && ignoringImplicit(Var->getInit()) == Ref && Var->getType()->isPointerType())
        return Seated(false);
  return std::nullopt;
}

namespace {
/// Whether \p D is the standard library's: in `std` or a namespace nested in it (`std::__detail`),
/// or libstdc++'s `__gnu_cxx`.
bool inStandardLibrary(const Decl *D) {
  for (const DeclContext *Context = D->getDeclContext(); Context; Context = Context->getParent()) {
    const auto *Namespace = dyn_cast<NamespaceDecl>(Context);
    if (Context->isStdNamespace() || (Namespace && Namespace->getIdentifier() && Namespace->getName() == "__gnu_cxx"))
      return true;
  }
  return false;
}

/// Whether \p Param, a non-const reference parameter of a function whose body is in sight, is only
/// read there, each use read as classifyContainerUse reads it and a hand-over by non-const
/// reference followed the same way (`absl::MakeSpan(v)` -> `GetData(v)` -> `v.data()`). Changes:
/// a standard library function (its internals touch fields), a constructor (its initialisers may
/// keep the reference), a field of the parameter named directly, a use with no statement around it,
/// the parameter returned by non-const reference, or a chain deeper than MaxReadDepth.
bool onlyReads(const ParmVarDecl *Param, const ContainerModel &Model) {
  constexpr unsigned MaxReadDepth = 4;
  static thread_local unsigned Depth = 0;
  const auto *Fn = Param ? dyn_cast<FunctionDecl>(Param->getDeclContext()) : nullptr;
  const FunctionDecl *Definition = nullptr;
  if (!Fn || Depth >= MaxReadDepth || isa<CXXConstructorDecl>(Fn) || inStandardLibrary(Fn) ||
      !Fn->hasBody(Definition) || Param->getFunctionScopeIndex() >= Definition->getNumParams())
    return false;
  const ParmVarDecl *Own = Definition->getParamDecl(Param->getFunctionScopeIndex());
  Stmt *Body = Definition->getBody();
  ParentMap Parents(Body);
  ++Depth;
  bool Reads = llvm::all_of(referencesTo(Body, Own), [&](const DeclRefExpr *Use) {
    const Stmt *Parent = parentIgnoringImplicit(Parents, Use);
    if (!Parent || isa<ReturnStmt>(Parent))
      return false;
    if (const auto *Member = dyn_cast<MemberExpr>(Parent); Member && isa<FieldDecl>(Member->getMemberDecl()))
      return false;
    return !classifyContainerUse(Use, Parents, Model).Write;
  });
  --Depth;
  return Reads;
}
} // namespace

ContainerUse classifyContainerUse(const Expr *Ref, const ParentMap &Parents, const ContainerModel &Model) {
  if (throughHandle(Ref, Parents, Model) == Ref)
    if (std::optional<ContainerUse> Handle = handleOnlyUse(Ref, Parents, Model))
      return *Handle;
  Ref = throughHandle(Ref, Parents, Model);
  const Stmt *Parent = parentIgnoringImplicit(Parents, Ref);
  ContainerUse Read{false, "read", Ref};
  if (!Parent)
    return Read;
  // `m.erase(k)`: the callee MemberExpr sits between the object and the call.
  if (const auto *Callee = dyn_cast<MemberExpr>(Parent); Callee && isa<CXXMethodDecl>(Callee->getMemberDecl())) {
    const auto *Call = dyn_cast_or_null<CXXMemberCallExpr>(Parents.getParentIgnoreParens(Callee));
    if (!Call)
      return Read;
    ContainerUse Use = opUse(Call, Ref, Model);
    if (!Use.Site) // a method the model does not list: begin(), size(), push_back(), user extensions
      Use = Call->getMethodDecl() ? unlistedMemberUse(Call, Call->getMethodDecl(), Parents)
                                  : ContainerUse{false, "read", Call};
    // A sequence's accessor whose element is changed (`v.back() = x`, `q.front().push_back(x)`).
    if (!Use.Write && Call->getMethodDecl() && isSequence(Ref, Model))
      if (ContainerUse Accessor = unlistedMemberUse(Call, Call->getMethodDecl(), Parents); Accessor.Write)
        Use = Accessor;
    return Use;
  }
  // `m.erase(k)` in a template's definition: the unresolved member sits between object and call.
  if (isa<CXXDependentScopeMemberExpr, UnresolvedMemberExpr>(Parent)) {
    const auto *Call = dyn_cast_or_null<CallExpr>(Parents.getParentIgnoreParens(Parent));
    std::optional<DependentMemberCall> Dependent = Call ? dependentMemberCall(Call) : std::nullopt;
    if (!Dependent || ignoringImplicit(Dependent->Object) != Ref)
      return Read;
    ContainerUse Use = opUse(Call, Ref, Model);
    return Use.Site ? Use : dependentUnlistedUse(Call, *Dependent, Parents);
  }
  // `m[k]` on a container of dependent type, in a template's definition: a map's inserts.
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(Parent);
      Subscript && ignoringImplicit(Subscript->getLHS()) == Ref && Ref->isTypeDependent()) {
    if (std::optional<ContainerTraits> Traits = Model.classifyObject(Ref);
        Traits && Traits->Shape == ContainerShape::Associative)
      return {true, "operator[]", Subscript};
    if (subscriptWritten(Subscript, Parents))
      return {true, "operator[]", Subscript, /*ElementOnly=*/true};
    return {false, "operator[]", Subscript};
  }
  if (const auto *Call = dyn_cast<CallExpr>(Parent)) {
    ContainerUse Use = opUse(Call, Ref, Model);
    if (Use.Site)
      return Use;
    // An operator member of a container the model does not list: `v[i] = x`, `s += t`, `v = w`.
    if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call);
        Op && Op->getNumArgs() > 0 && ignoringImplicit(Op->getArg(0)) == Ref)
      if (const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Op->getDirectCallee()))
        return unlistedMemberUse(Op, Method, Parents);
    if (std::optional<DependentMemberCall> Dependent = dependentMemberCall(Call);
        Dependent && ignoringImplicit(Dependent->Object) == Ref)
      return dependentUnlistedUse(Call, *Dependent, Parents); // `v[i] = x` in a template's definition
    // (Not to a function in sight that only reads it: `absl::MakeSpan(sinks_)` under a reader lock.)
    if (const ParmVarDecl *Param = parameterOf(Call, Ref);
        Param && isNonConstReference(Param->getType()) && !onlyReads(Param, Model))
      return {true, "non-const reference", Call};
    // `std::size(c)`, `std::empty(c)`: what the member functions of those names read.
    if (const FunctionDecl *Callee = Call->getDirectCallee();
        Callee && Callee->isInStdNamespace() && Callee->getIdentifier() &&
        (Callee->getName() == "size" || Callee->getName() == "empty" || Callee->getName() == "ssize"))
      return {false, Callee->getName().str(), Call};
    return Read;
  }
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(Parent)) {
    if (auto Param = parameterTypeOf(Construct, Ref); Param && isNonConstReference(*Param))
      return {true, "non-const reference", Construct};
    return Read;
  }
  if (const auto *AddrOf = dyn_cast<UnaryOperator>(Parent); AddrOf && AddrOf->getOpcode() == UO_AddrOf) {
    const Stmt *User = parentIgnoringImplicit(Parents, AddrOf);
    std::optional<QualType> Param = User ? parameterTypeOf(User, AddrOf) : std::nullopt;
    if (Param && !isPointerToNonConst(*Param))
      return Read;
    return {true, "pointer to non-const", AddrOf};
  }
  if (const auto *Decl = dyn_cast<DeclStmt>(Parent)) {
    for (const clang::Decl *D : Decl->decls()) {
      const auto *Var = dyn_cast<VarDecl>(D);
      if (!Var || !Var->getInit() || ignoringImplicit(Var->getInit()) != Ref)
        continue;
      if (Var->isImplicit() || isa_and_nonnull<CXXForRangeStmt>(Parents.getParent(Decl)))
        return {false, "iteration", Ref}; // the range of a range-for
      if (isNonConstReference(Var->getType()))
        return {true, "non-const reference", Ref};
    }
    return Read;
  }
  if (isa<CXXForRangeStmt>(Parent))
    return {false, "iteration", Ref};
  return Read;
}

bool subscriptOnlyReads(const Expr *Subscript, const ParentMap &Parents) {
  const Stmt *Parent = parentIgnoringImplicit(Parents, Subscript);
  if (const Expr *Target = assignmentTarget(Parent); Target && ignoringImplicit(Target) == Subscript)
    return false;
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent); Op && Op->isAssignmentOp())
    return false;
  if (const auto *Op = dyn_cast_or_null<BinaryOperator>(Parent); Op && Op->isAssignmentOp())
    return false;
  if (const auto *Op = dyn_cast_or_null<UnaryOperator>(Parent); Op && Op->isIncrementDecrementOp())
    return false;
  if (isa_and_nonnull<MemberExpr, CXXMemberCallExpr, DeclStmt, CallExpr>(Parent))
    return false; // calls on, or references to, the element may change it
  return Parent != nullptr;
}

bool subscriptWritten(const Expr *Subscript, const ParentMap &Parents) {
  const Stmt *Parent = parentIgnoringImplicit(Parents, Subscript);
  if (const Expr *Target = assignmentTarget(Parent))
    return ignoringImplicit(Target) == Subscript;
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent))
    return Op->isAssignmentOp() && Op->getNumArgs() > 0 && ignoringImplicit(Op->getArg(0)) == Subscript;
  if (const auto *Op = dyn_cast_or_null<BinaryOperator>(Parent))
    return Op->isAssignmentOp() && ignoringImplicit(Op->getLHS()) == Subscript;
  if (const auto *Op = dyn_cast_or_null<UnaryOperator>(Parent))
    return Op->isIncrementDecrementOp();
  return false;
}

} // namespace mapguard
