#include "analysis/ObjectPath.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"

using namespace clang;

namespace mapguard {
namespace {
// Aliases are followed this deep; deeper chains are treated as distinct objects.
constexpr unsigned MaxAliasDepth = 8;

bool isIdentityFunction(const FunctionDecl *F) {
  if (!F || !F->getIdentifier())
    return false;
  StringRef Name = F->getName();
  if (Name == "qAsConst")
    return true;
  return Name == "as_const" && F->isInStdNamespace();
}

/// The member a member function returns by reference and does nothing else with: an accessor
/// (`const Map &items() const { return items_; }`), read from its body.
const FieldDecl *accessedMember(const CXXMethodDecl *Method) {
  if (!Method || !Method->getReturnType()->isLValueReferenceType() || Method->isStatic())
    return nullptr;
  const FunctionDecl *Definition = nullptr;
  const auto *Body = dyn_cast_or_null<CompoundStmt>(Method->getBody(Definition));
  if (!Body || Body->size() != 1)
    return nullptr;
  const auto *Return = dyn_cast<ReturnStmt>(Body->body_front());
  const auto *Member =
      Return
          ? dyn_cast_or_null<MemberExpr>(Return->getRetValue() ? Return->getRetValue()->IgnoreParenImpCasts() : nullptr)
          : nullptr;
  if (!Member || !isa<CXXThisExpr>(Member->getBase()->IgnoreParenImpCasts()))
    return nullptr;
  return dyn_cast<FieldDecl>(Member->getMemberDecl());
}
bool isRootedAtGlobal(const ObjectPath &Path) {
  const auto *Var = dyn_cast_or_null<VarDecl>(Path.rootVariable());
  return Var && Var->hasGlobalStorage();
}

/// How code outside a static getter names the function-local static it returns: `cache()` for
/// `Map &cache() { static Map m; return m; }`, `(*cache())` when it returns `&m`; and what the
/// static points to, `mutex()` for `std::mutex &mutex() { static auto *m = new std::mutex; return *m; }`
/// (\p ThroughPointer: the name is for `*m`).
std::optional<std::string> spellingThroughGetter(const VarDecl *Var, bool ThroughPointer) {
  const auto *Getter =
      Var->isStaticLocal() ? dyn_cast_or_null<FunctionDecl>(Var->getParentFunctionOrMethod()) : nullptr;
  const Expr *Returned = Getter ? staticReturnedBy(Getter) : nullptr;
  if (!Returned)
    return std::nullopt;
  Returned = Returned->IgnoreParenImpCasts();
  bool ByAddress = false;
  const auto *Unary = dyn_cast<UnaryOperator>(Returned);
  // (`return *holder;` through a holder's operator*: abseil's `absl::NoDestructor<absl::Mutex>`.)
  const auto *Star = dyn_cast<CXXOperatorCallExpr>(Returned);
  if (Unary && Unary->getOpcode() == (ThroughPointer ? UO_Deref : UO_AddrOf)) {
    Returned = Unary->getSubExpr()->IgnoreParenImpCasts();
    ByAddress = !ThroughPointer;
  } else if (ThroughPointer && Star && Star->getOperator() == OO_Star && Star->getNumArgs() == 1) {
    Returned = Star->getArg(0)->IgnoreParenImpCasts();
  } else if (ThroughPointer) {
    return std::nullopt;
  }
  const auto *Ref = dyn_cast<DeclRefExpr>(Returned);
  if (!Ref || Ref->getDecl() != Var)
    return std::nullopt;
  std::string Call = Getter->getNameAsString() + "()";
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Getter))
    Call = Method->getParent()->getNameAsString() + "::" + Call;
  return ByAddress ? "(*" + Call + ")" : Call;
}
} // namespace

const Expr *staticReturnedBy(const FunctionDecl *F) {
  if (const auto *Method = dyn_cast_or_null<CXXMethodDecl>(F); Method && !Method->isStatic())
    return nullptr;
  const FunctionDecl *Definition = nullptr;
  const auto *Body = F ? dyn_cast_or_null<CompoundStmt>(F->getBody(Definition)) : nullptr;
  if (!Body || Body->size() < 2)
    return nullptr;
  for (const Stmt *S : llvm::drop_end(Body->body())) {
    const auto *Decls = dyn_cast<DeclStmt>(S);
    if (!Decls || !llvm::all_of(Decls->decls(), [](const Decl *D) {
          const auto *Var = dyn_cast<VarDecl>(D);
          return Var && Var->isStaticLocal();
        }))
      return nullptr;
  }
  const auto *Return = dyn_cast<ReturnStmt>(Body->body_back());
  return Return ? Return->getRetValue() : nullptr;
}

ObjectPath ObjectPath::withField(const FieldDecl *F) const {
  ObjectPath P = *this;
  P.Steps.push_back({F});
  return P;
}

ObjectPath ObjectPath::withDeref() const {
  ObjectPath P = *this;
  P.Steps.push_back({nullptr});
  return P;
}

ObjectPath ObjectPath::withElement() const {
  ObjectPath P = *this;
  P.Steps.push_back({nullptr, /*Element=*/true});
  return P;
}

ObjectPath ObjectPath::rebased(const ObjectPath &NewRoot, size_t DropLeadingSteps) const {
  ObjectPath P = NewRoot;
  for (const Step &S : llvm::ArrayRef<Step>(Steps).drop_front(DropLeadingSteps))
    P.Steps.push_back(S);
  return P;
}

bool ObjectPath::hasPrefix(const ObjectPath &Prefix) const {
  return Root == Prefix.Root && Prefix.Steps.size() <= Steps.size() &&
         std::equal(Prefix.Steps.begin(), Prefix.Steps.end(), Steps.begin());
}

ObjectPath ObjectPath::withoutLastStep() const {
  ObjectPath P = *this;
  if (!P.Steps.empty())
    P.Steps.pop_back();
  return P;
}

std::string ObjectPath::spelling() const {
  std::string S;
  ArrayRef<Step> Rest = Steps;
  if (const auto *Var = dyn_cast_or_null<VarDecl>(Root)) {
    std::optional<std::string> Getter;
    if (!Rest.empty() && Rest.front().isDeref())
      Getter = spellingThroughGetter(Var, /*ThroughPointer=*/true);
    if (Getter)
      Rest = Rest.drop_front();
    else
      Getter = spellingThroughGetter(Var, /*ThroughPointer=*/false);
    S = Getter.value_or(Var->getNameAsString());
  } else if (Root) {
    S = Root->getNameAsString();
  }
  bool PendingDeref = false;
  for (const Step &Part : Rest) {
    if (Part.Element) {
      if (PendingDeref) {
        S.insert(0, "(*");
        S += ')';
      }
      S += "[...]";
      PendingDeref = false;
      continue;
    }
    if (!Part.Field) {
      PendingDeref = true;
      continue;
    }
    std::string Name = Part.Field->getNameAsString();
    if (S.empty())
      S = Name;
    else
      S += (PendingDeref ? "->" : ".") + Name;
    PendingDeref = false;
  }
  if (S.empty())
    return "*this";
  return PendingDeref ? "*" + S : S;
}

std::optional<ObjectPath> ObjectPathResolver::objectOf(const Expr *E) { return objectOfImpl(E, 0); }
std::optional<ObjectPath> ObjectPathResolver::pointeeOf(const Expr *E) { return pointeeOfImpl(E, 0); }

std::optional<ObjectPath> ObjectPathResolver::objectOfCall(const CXXMemberCallExpr *Call) {
  const auto *Callee = dyn_cast<MemberExpr>(Call->getCallee()->IgnoreParens());
  if (!Callee)
    return std::nullopt;
  return Callee->isArrow() ? pointeeOf(Callee->getBase()) : objectOf(Callee->getBase());
}

bool ObjectPathResolver::isNeverReassigned(const VarDecl *V) {
  if (V->getType().isConstQualified())
    return true;
  auto Cached = NeverReassigned.find(V);
  if (Cached != NeverReassigned.end())
    return Cached->second;
  bool Result = false;
  if (const auto *Fn = dyn_cast_or_null<FunctionDecl>(V->getParentFunctionOrMethod())) {
    if (const Stmt *Body = Fn->getBody()) {
      using namespace ast_matchers;
      auto Ref = ignoringParenImpCasts(declRefExpr(to(varDecl(equalsNode(V)))));
      auto Change = stmt(anyOf(binaryOperator(isAssignmentOperator(), hasLHS(Ref)),
                               unaryOperator(hasAnyOperatorName("++", "--", "&"), hasUnaryOperand(Ref))));
      Result = match(findAll(Change.bind("change")), *Body, Ctx).empty();
    }
  }
  NeverReassigned[V] = Result;
  return Result;
}

std::optional<ObjectPath> ObjectPathResolver::variableObject(const ValueDecl *D, unsigned Depth) {
  const auto *V = dyn_cast<VarDecl>(D);
  // A reference local is another name for the object it was bound to. Range-for variables are
  // bound to `*__begin`, which names an element, not a stable object: keep them as they are.
  if (V && V->getType()->isReferenceType() && !isa<ParmVarDecl>(V) && !V->isCXXForRangeDecl() && V->getInit() &&
      Depth < MaxAliasDepth) {
    if (auto Aliased = objectOfImpl(V->getInit(), Depth + 1))
      return Aliased;
  }
  return ObjectPath::variable(D);
}

std::optional<ObjectPath> ObjectPathResolver::objectOfImpl(const Expr *E, unsigned Depth) {
  if (!E)
    return std::nullopt;
  E = E->IgnoreParenImpCasts();
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    if (isa<VarDecl, BindingDecl>(Ref->getDecl()))
      return variableObject(Ref->getDecl(), Depth);
    return std::nullopt;
  }
  if (const auto *Member = dyn_cast<MemberExpr>(E)) {
    if (const auto *Static = dyn_cast<VarDecl>(Member->getMemberDecl()))
      return variableObject(Static, Depth);
    const auto *Field = dyn_cast<FieldDecl>(Member->getMemberDecl());
    if (!Field)
      return std::nullopt;
    auto Base = Member->isArrow() ? pointeeOfImpl(Member->getBase(), Depth) : objectOfImpl(Member->getBase(), Depth);
    if (!Base)
      return std::nullopt;
    return Base->withField(Field);
  }
  if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
    if (Unary->getOpcode() == UO_Deref)
      return pointeeOfImpl(Unary->getSubExpr(), Depth);
    return std::nullopt;
  }
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E)) {
    if (Op->getOperator() == OO_Star && Op->getNumArgs() == 1)
      return pointeeOfImpl(Op->getArg(0), Depth);
    // `shards_[i]`: an element of a container (a stripe of a sharded map, with its own mutex).
    if (Op->getOperator() == OO_Subscript && Op->getNumArgs() == 2 && Op->isLValue())
      if (auto Owner = objectOfImpl(Op->getArg(0), Depth))
        return Owner->withElement();
    return std::nullopt;
  }
  if (const auto *Subscript = dyn_cast<ArraySubscriptExpr>(E)) {
    // `shards_[i]` on a member array (not `p[i]` through a pointer).
    if (Subscript->getBase()->IgnoreParenImpCasts()->getType()->isArrayType())
      if (auto Owner = objectOfImpl(Subscript->getBase(), Depth))
        return Owner->withElement();
    return std::nullopt;
  }
  if (const auto *Call = dyn_cast<CXXMemberCallExpr>(E)) {
    // `obj->items()`: the member its accessor returns.
    if (const FieldDecl *Field = accessedMember(Call->getMethodDecl()); Field && Depth < MaxAliasDepth) {
      const auto *Callee = dyn_cast<MemberExpr>(Call->getCallee()->IgnoreParens());
      std::optional<ObjectPath> Owner = !Callee             ? std::nullopt
                                        : Callee->isArrow() ? pointeeOfImpl(Callee->getBase(), Depth + 1)
                                                            : objectOfImpl(Callee->getBase(), Depth + 1);
      return Owner ? std::optional(Owner->withField(Field)) : std::nullopt;
    }
    return std::nullopt;
  }
  if (const auto *Call = dyn_cast<CallExpr>(E)) {
    if (Call->getNumArgs() == 1 && isIdentityFunction(Call->getDirectCallee()))
      return objectOfImpl(Call->getArg(0), Depth);
    // `cache()[k]`: the function-local static its getter returns, the same object at every call.
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (Callee && Callee->getReturnType()->isLValueReferenceType() && Depth < MaxAliasDepth)
      if (const Expr *Returned = staticReturnedBy(Callee))
        if (auto Static = objectOfImpl(Returned, Depth + 1); Static && isRootedAtGlobal(*Static))
          return Static;
  }
  return std::nullopt;
}

std::optional<ObjectPath> ObjectPathResolver::pointeeOfImpl(const Expr *E, unsigned Depth) {
  if (!E)
    return std::nullopt;
  E = E->IgnoreParenImpCasts();
  if (isa<CXXThisExpr>(E))
    return ObjectPath::thisObject();
  if (const auto *Unary = dyn_cast<UnaryOperator>(E)) {
    if (Unary->getOpcode() == UO_AddrOf)
      return objectOfImpl(Unary->getSubExpr(), Depth);
    return std::nullopt;
  }
  if (const auto *Op = dyn_cast<CXXOperatorCallExpr>(E)) {
    // `sp->` on a smart pointer: the pointee of the smart pointer object.
    if (Op->getOperator() == OO_Arrow && Op->getNumArgs() == 1) {
      auto Owner = objectOfImpl(Op->getArg(0), Depth);
      return Owner ? std::optional(Owner->withDeref()) : std::nullopt;
    }
  }
  if (const auto *Call = dyn_cast<CallExpr>(E); Call && !isa<CXXMemberCallExpr, CXXOperatorCallExpr>(Call)) {
    // `instance()->items`: what a static getter's function-local static points to.
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (Callee && Callee->getReturnType()->isPointerType() && Depth < MaxAliasDepth)
      if (const Expr *Returned = staticReturnedBy(Callee))
        if (auto Static = pointeeOfImpl(Returned, Depth + 1); Static && isRootedAtGlobal(*Static))
          return Static;
  }
  if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
    const auto *V = dyn_cast<VarDecl>(Ref->getDecl());
    if (V && V->getType()->isPointerType() && V->hasLocalStorage() && !isa<ParmVarDecl>(V) && V->getInit() &&
        Depth < MaxAliasDepth && isNeverReassigned(V)) {
      if (auto Target = pointeeOfImpl(V->getInit(), Depth + 1))
        return Target;
    }
  }
  auto Pointer = objectOfImpl(E, Depth);
  return Pointer ? std::optional(Pointer->withDeref()) : std::nullopt;
}

} // namespace mapguard
