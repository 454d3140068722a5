#include "analysis/ContainerAliases.h"

#include "utils/AstUtil.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include <utility>

using namespace clang;

namespace mapguard {
namespace {
// Chains such as `m.find(k)->second.items_.begin()` are followed this deep.
constexpr unsigned MaxDepth = 12;

StringRef recordName(QualType T) {
  const auto *Record = T.getNonReferenceType()->getAsCXXRecordDecl();
  return Record && Record->getIdentifier() ? Record->getName() : StringRef();
}

bool isViewType(QualType T) {
  StringRef Name = recordName(T);
  return Name == "basic_string_view" || Name == "string_view" || Name == "span" || Name == "QStringView" ||
         Name == "QByteArrayView";
}

/// Owners whose copies share the object: a raw pointer taken from one does not point into the map.
bool isSharedOwner(QualType T) {
  StringRef Name = recordName(T);
  return Name == "shared_ptr" || Name == "weak_ptr" || Name == "QSharedPointer" || Name == "QPointer" ||
         Name == "intrusive_ptr";
}

/// Owners that alone hold their object (`unique_ptr`, also a project's class derived from it).
bool isUniqueOwner(QualType T) {
  const CXXRecordDecl *Record = T.getNonReferenceType()->getAsCXXRecordDecl();
  if (!Record || !Record->hasDefinition())
    return false;
  StringRef Name = Record->getName();
  if (Name == "unique_ptr" || Name == "scoped_ptr" || Name == "QScopedPointer")
    return true;
  return llvm::any_of(Record->bases(), [](const CXXBaseSpecifier &Base) { return isUniqueOwner(Base.getType()); });
}

/// Whether \p Call reaches the object its owner holds: `*p`, `p->`, `p.get()`.
bool reachesOwnedObject(const CallExpr *Call) {
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(Call))
    return Op->getOperator() == OO_Star || Op->getOperator() == OO_Arrow;
  const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Call->getDirectCallee());
  return Method && Method->getIdentifier() && Method->getName() == "get";
}

/// The kind a value of type \p T holds when computed from \p From (an lvalue reference keeps it).
std::optional<AliasKind> kindOfResult(QualType T, AliasKind From) {
  if (T.isNull())
    return std::nullopt;
  if (T->isReferenceType())
    return From == AliasKind::Container ? AliasKind::Element : From;
  if (T->isPointerType() || isViewType(T))
    return AliasKind::Pointer;
  if (isIteratorType(T))
    return AliasKind::Iterator;
  return std::nullopt;
}

/// The kind a variable (or a return value) of type \p T keeps from a value of kind \p K.
std::optional<AliasKind> kindHeldBy(QualType T, AliasKind K) {
  if (T->isReferenceType())
    return K;
  if ((T->isPointerType() || isViewType(T)) && K == AliasKind::Pointer)
    return K;
  if (isIteratorType(T) && K == AliasKind::Iterator)
    return K;
  return std::nullopt;
}

/// The declared result of the function \p Call calls (a reference stays a reference).
QualType returnTypeOf(const CallExpr *Call) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  return Callee ? Callee->getReturnType() : QualType();
}

bool isThisMember(const Expr *E) {
  const auto *Member = dyn_cast<MemberExpr>(E->IgnoreParenImpCasts());
  return Member && isa<FieldDecl>(Member->getMemberDecl()) &&
         isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts());
}

/// A place that outlives the function: a member of `this`, a global, or an out-parameter.
bool outlivesFunction(const Expr *Target) {
  Target = Target->IgnoreParenImpCasts();
  if (isThisMember(Target))
    return true;
  if (const auto *Deref = dyn_cast<UnaryOperator>(Target); Deref && Deref->getOpcode() == UO_Deref)
    Target = Deref->getSubExpr()->IgnoreParenImpCasts();
  else if (const auto *Ref = dyn_cast<DeclRefExpr>(Target); Ref && isa<ParmVarDecl>(Ref->getDecl()))
    return Ref->getDecl()->getType()->isReferenceType();
  const auto *Ref = dyn_cast<DeclRefExpr>(Target);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  return Var && (isa<ParmVarDecl>(Var) || (Var->hasGlobalStorage() && !Var->isStaticLocal()));
}
} // namespace

bool isIteratorType(QualType T) { return recordName(T).contains_insensitive("iterator"); }

class ContainerAliases::Scanner : public RecursiveASTVisitor<Scanner> {
public:
  explicit Scanner(ContainerAliases &Aliases, const FunctionDecl *Fn) : Aliases(Aliases), Fn(Fn) {}
  bool TraverseLambdaExpr(LambdaExpr *) { return true; } // a function of its own
  bool VisitCXXForRangeStmt(CXXForRangeStmt *Loop) {
    for (const DeclStmt *Implicit : {Loop->getRangeStmt(), Loop->getBeginStmt(), Loop->getEndStmt()})
      if (Implicit)
        VisitDeclStmt(const_cast<DeclStmt *>(Implicit));
    return true;
  }
  bool VisitDeclStmt(DeclStmt *Decl) {
    for (const clang::Decl *D : Decl->decls())
      if (const auto *Var = dyn_cast<VarDecl>(D); Var && Var->getInit() && !Var->hasGlobalStorage())
        Aliases.bind(Var, Decl, Var->getInit());
    return true;
  }
  bool VisitBinaryOperator(BinaryOperator *Op) {
    if (Op->getOpcode() == BO_Assign)
      assignment(Op, Op->getLHS(), Op->getRHS());
    return true;
  }
  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *Op) {
    if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2)
      assignment(Op, Op->getArg(0), Op->getArg(1));
    return true;
  }
  bool VisitReturnStmt(ReturnStmt *Return) {
    const Expr *Value = Return->getRetValue();
    std::optional<AliasOrigin> Origin = Value ? Aliases.pointsInto(Value) : std::nullopt;
    if (Origin && kindHeldBy(Fn->getReturnType(), Origin->Kind))
      Aliases.Escapes.push_back({Return, nullptr, *Origin});
    return true;
  }

private:
  void assignment(const Stmt *At, const Expr *Target, const Expr *Value) {
    const auto *Ref = dyn_cast<DeclRefExpr>(Target->IgnoreParenImpCasts());
    const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
    if (Var && Var->isLocalVarDecl()) {
      size_t Before = Aliases.Bindings.count(Var) ? Aliases.Bindings[Var].size() : 0;
      Aliases.bind(Var, At, Value);
      if (Aliases.Bindings.count(Var) && Aliases.Bindings[Var].size() > Before)
        Aliases.RebindingRefs.insert(Ref);
      else
        Aliases.Poisoned.insert(Var);
      return;
    }
    std::optional<AliasOrigin> Origin = Aliases.pointsInto(Value);
    if (Origin && (Origin->Kind == AliasKind::Pointer || Origin->Kind == AliasKind::Iterator) &&
        outlivesFunction(Target))
      Aliases.Escapes.push_back({At, Target, *Origin});
  }

  ContainerAliases &Aliases;
  const FunctionDecl *Fn;
};

ContainerAliases::ContainerAliases(const FunctionDecl *Fn, IsSharedContainer SharedContainer)
    : IsShared(std::move(SharedContainer)) {
  if (!Fn->getBody())
    return;
  Scanner Scan(*this, Fn);
  Scan.TraverseStmt(Fn->getBody());
  for (const ValueDecl *Var : Poisoned)
    Bindings.erase(Var);
}

const ValueDecl *ContainerAliases::aliasVariable(const ValueDecl *D) {
  if (const auto *Binding = dyn_cast_or_null<BindingDecl>(D))
    if (const ValueDecl *Decomposed = Binding->getDecomposedDecl())
      return Decomposed;
  return D;
}

ArrayRef<AliasBinding> ContainerAliases::bindingsOf(const ValueDecl *D) const {
  auto It = Bindings.find(aliasVariable(D));
  return It == Bindings.end() ? ArrayRef<AliasBinding>() : ArrayRef<AliasBinding>(It->second);
}

void ContainerAliases::bind(const VarDecl *Var, const Stmt *At, const Expr *Value) {
  std::optional<AliasOrigin> Origin = pointsInto(Value);
  std::optional<AliasKind> Kind = Origin ? kindHeldBy(Var->getType(), Origin->Kind) : std::nullopt;
  if (!Kind)
    return;
  Origin->Kind = *Kind;
  Bindings[Var].push_back({At, *Origin});
}

std::optional<AliasOrigin> ContainerAliases::pointsInto(const Expr *E) const { return pointsIntoImpl(E, 0); }

std::optional<AliasOrigin> ContainerAliases::pointsIntoImpl(const Expr *E, unsigned Depth) const {
  if (!E || Depth > MaxDepth)
    return std::nullopt;
  E = E->IgnoreParens();
  auto Inner = [&](const Expr *Sub) { return pointsIntoImpl(Sub, Depth + 1); };
  auto As = [](std::optional<AliasOrigin> Origin, AliasKind Kind) {
    if (Origin)
      Origin->Kind = Kind;
    return Origin;
  };
  if (isa<ExprWithCleanups, CXXBindTemporaryExpr, ConstantExpr>(E))
    return Inner(cast<Expr>(*E->child_begin()));
  if (const auto *Temporary = dyn_cast<MaterializeTemporaryExpr>(E)) {
    // A temporary iterator or pointer still points into the map; a temporary element is a copy.
    auto Origin = Inner(Temporary->getSubExpr());
    return Origin && (Origin->Kind == AliasKind::Pointer || Origin->Kind == AliasKind::Iterator) ? Origin
                                                                                                 : std::nullopt;
  }
  if (const auto *Cast = dyn_cast<CastExpr>(E)) {
    auto Origin = Inner(Cast->getSubExpr());
    switch (Cast->getCastKind()) {
    case CK_LValueToRValue: // a value loaded from an element is a copy
      return Origin && Origin->Kind != AliasKind::Element && Origin->Kind != AliasKind::Container ? Origin
                                                                                                  : std::nullopt;
    case CK_NoOp:
    case CK_DerivedToBase:
    case CK_UncheckedDerivedToBase:
    case CK_UserDefinedConversion:
    case CK_ConstructorConversion:
      return Origin;
    case CK_ArrayToPointerDecay:
      return Origin && Origin->Kind == AliasKind::Element ? As(Origin, AliasKind::Pointer) : std::nullopt;
    default:
      return std::nullopt;
    }
  }
  if (const auto *Choice = dyn_cast<AbstractConditionalOperator>(E)) { // `found ? &it->second : nullptr`
    auto Chosen = Inner(Choice->getTrueExpr());
    return Chosen ? Chosen : Inner(Choice->getFalseExpr());
  }
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    if (IsShared(Ref->getDecl()))
      return AliasOrigin{E, AliasKind::Container};
    auto It = Bindings.find(aliasVariable(Ref->getDecl()));
    if (It == Bindings.end() || It->second.empty() || Poisoned.contains(It->first))
      return std::nullopt;
    AliasOrigin Origin = It->second.front().Origin;
    if (isa<BindingDecl>(Ref->getDecl()))
      Origin.Kind = AliasKind::Element;
    return Origin;
  }
  if (const auto *Member = dyn_cast<MemberExpr>(E)) {
    if (!isa<FieldDecl>(Member->getMemberDecl()))
      return std::nullopt;
    if (IsShared(Member->getMemberDecl()))
      return AliasOrigin{E, AliasKind::Container};
    auto Base = Inner(Member->getBase());
    if (!Base)
      return std::nullopt;
    bool IntoElement = Member->isArrow() ? Base->Kind == AliasKind::Pointer : Base->Kind == AliasKind::Element;
    return IntoElement ? As(Base, AliasKind::Element) : std::nullopt;
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
    auto Sub = Inner(Unary->getSubExpr());
    if (Unary->getOpcode() == UO_AddrOf && Sub && Sub->Kind == AliasKind::Element)
      return As(Sub, AliasKind::Pointer);
    if (Unary->getOpcode() == UO_Deref && Sub && Sub->Kind == AliasKind::Pointer)
      return As(Sub, AliasKind::Element);
    return std::nullopt;
  }
  // Calls: what the result holds follows from the object's kind and the result's type.
  const Expr *Object = nullptr;
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E);
      Op && Op->getNumArgs() >= 1 && isa_and_nonnull<CXXMethodDecl>(Op->getDirectCallee())) {
    if (Op->isAssignmentOp())
      return std::nullopt;
    Object = Op->getArg(0);
  } else if (const auto *Call = dyn_cast<CXXMemberCallExpr>(E)) {
    Object = Call->getImplicitObjectArgument();
    const auto *Callee = dyn_cast<MemberExpr>(Call->getCallee()->IgnoreParens());
    if (Object && Callee && Callee->isArrow()) { // `p->name()` on a pointer into an element
      auto Base = Inner(Object);
      if (!Base || Base->Kind != AliasKind::Pointer)
        return std::nullopt;
      std::optional<AliasKind> Kind = kindOfResult(returnTypeOf(Call), AliasKind::Element);
      return Kind ? As(Base, *Kind) : std::nullopt;
    }
  } else if (const auto *Construct = dyn_cast<CXXConstructExpr>(E); Construct && Construct->getNumArgs() >= 1) {
    // Copying an iterator, or viewing an element's string.
    auto Arg = Inner(Construct->getArg(0));
    if (!Arg)
      return std::nullopt;
    if (isIteratorType(E->getType()) && Arg->Kind == AliasKind::Iterator)
      return Arg;
    if (isViewType(E->getType()) && (Arg->Kind == AliasKind::Element || Arg->Kind == AliasKind::Pointer))
      return As(Arg, AliasKind::Pointer);
    return std::nullopt;
  } else if (const auto *Call = dyn_cast<CallExpr>(E);
             Call && Call->getNumArgs() >= 1 && isIteratorType(E->getType())) {
    // std::next(it), std::prev(it), std::begin(m)
    auto Arg = Inner(Call->getArg(0));
    return Arg && (Arg->Kind == AliasKind::Iterator || Arg->Kind == AliasKind::Container) ? As(Arg, AliasKind::Iterator)
                                                                                          : std::nullopt;
  }
  if (!Object)
    return std::nullopt;
  auto Base = Inner(Object);
  if (!Base || isSharedOwner(Object->getType()))
    return std::nullopt;
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E); Op && Base->Kind == AliasKind::Iterator) {
    if (Op->getOperator() == OO_Star)
      return As(Base, AliasKind::Element);
    if (Op->getOperator() == OO_Arrow)
      return As(Base, AliasKind::Pointer);
    return std::nullopt;
  }
  if (Base->Kind != AliasKind::Container && Base->Kind != AliasKind::Element)
    return std::nullopt;
  QualType Result = returnTypeOf(cast<CallExpr>(E));
  if (Base->Kind == AliasKind::Element && isUniqueOwner(Object->getType()) && reachesOwnedObject(cast<CallExpr>(E))) {
    // `*v.back()`, `m[k]->name`, `v[i].get()`: the owned object, not the owner.
    std::optional<AliasKind> Kind = kindOfResult(Result, AliasKind::Element);
    if (Kind)
      Base->OwnedByElement = true;
    return Kind ? As(Base, *Kind) : std::nullopt;
  }
  std::optional<AliasKind> Kind = kindOfResult(Result, Base->Kind);
  return Kind ? As(Base, *Kind) : std::nullopt;
}

} // namespace mapguard
