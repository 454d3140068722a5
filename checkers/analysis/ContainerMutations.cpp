#include "analysis/ContainerMutations.h"

#include "analysis/IteratorLoops.h"
#include "utils/AstUtil.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace clang;

namespace mapguard {
namespace {

/// How names in the function being walked map to the caller's objects.
struct Frame {
  std::optional<ObjectPath> This; // what `*this` is in caller terms; none if unknown
  llvm::DenseMap<const ParmVarDecl *, std::pair<ObjectPath, bool /*ViaDeref*/>> Params;
  bool Identity = false; // the function that holds the searched statement
  // Values computed from the tracked variable: locals, parameters, and `*this` when the function
  // was called on such a value.
  llvm::SmallPtrSet<const ValueDecl *, 4> Derived;
  bool ThisDerived = false;
  const VarDecl *Iterator = nullptr; // the tracked iterator: what it points to is tracked
  // Scalar parameters the call passes a literal (`request(id, 0)`): a branch on one of them that
  // the literal rules out is not walked (ZeroTier's `if (requestPacketId) { ... map[k] ... }`).
  llvm::SmallDenseMap<const ParmVarDecl *, bool, 4> ArgTruths;
};

/// Whether \p E reads a value of \p F computed from the tracked variable.
bool isDerived(const Stmt *E, const Frame &F) {
  if (!E || (F.Derived.empty() && !F.ThisDerived && !F.Iterator))
    return false;
  struct Scan : RecursiveASTVisitor<Scan> {
    const Frame &F;
    bool Found = false;
    explicit Scan(const Frame &F) : F(F) {}
    bool VisitExpr(Expr *E) {
      // The element the iterator points to (`it->first`, `*it`, `it.key()`); not the iterator
      // itself (`it++`, `std::next(it)` point elsewhere).
      Found |= F.Iterator && dereferencedVariable(E) == F.Iterator;
      return !Found;
    }
    bool VisitDeclRefExpr(DeclRefExpr *Ref) {
      Found |= F.Derived.contains(Ref->getDecl());
      return !Found;
    }
    bool VisitCXXThisExpr(CXXThisExpr *) {
      Found |= F.ThisDerived;
      return !Found;
    }
  } Scanner(F);
  Scanner.TraverseStmt(const_cast<Stmt *>(E));
  return Scanner.Found;
}

/// The definition a call runs, if the finder may enter it: user code with a body.
const FunctionDecl *enterableCallee(const CallExpr *Call) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  const FunctionDecl *Def = nullptr;
  if (!Callee || !Callee->getBody(Def) || !Def)
    return nullptr;
  if (Def->getASTContext().getSourceManager().isInSystemHeader(Def->getLocation()))
    return nullptr;
  return Def;
}

class Walker : public RecursiveASTVisitor<Walker> {
public:
  Walker(const ContainerModel &Model, ObjectPathResolver &Resolver, unsigned MaxDepth, MutationSummaries &Summaries,
         const ObjectPath &Target, std::vector<ContainerOpSite> &Out)
      : Model(Model), Resolver(Resolver), MaxDepth(MaxDepth), Summaries(Summaries), Target(Target), Out(Out) {}

  void walk(const Stmt *S, const Frame &F, unsigned Depth, const CallExpr *Site, const FunctionDecl *Callee) {
    Frame *SavedFrame = CurFrame;
    Frame Copy = F;
    CurFrame = &Copy;
    unsigned SavedDepth = CurDepth;
    CurDepth = Depth;
    const CallExpr *SavedSite = CurSite;
    const FunctionDecl *SavedCallee = CurCallee;
    CurSite = Site;
    CurCallee = Callee;
    TraverseStmt(const_cast<Stmt *>(S));
    CurFrame = SavedFrame;
    CurDepth = SavedDepth;
    CurSite = SavedSite;
    CurCallee = SavedCallee;
  }

  // A lambda that is only created here runs elsewhere (or later): do not enter its body.
  bool TraverseLambdaExpr(LambdaExpr *) { return true; }

  // Only the branch a literal argument leaves feasible.
  bool TraverseIfStmt(IfStmt *If) {
    std::optional<bool> Taken = If->getConditionVariable() ? std::nullopt : argumentDecides(If->getCond());
    if (!Taken)
      return RecursiveASTVisitor::TraverseIfStmt(If);
    if (If->getInit() && !TraverseStmt(If->getInit()))
      return false;
    return TraverseStmt(If->getCond()) && TraverseStmt(*Taken ? If->getThen() : If->getElse());
  }

  // A local initialised from a tracked value is tracked too (`auto k = it->first;`,
  // `auto &[k, v] = *it;`).
  bool VisitVarDecl(VarDecl *Var) {
    if (!Var->hasLocalStorage() || !isDerived(Var->getInit(), *CurFrame))
      return true;
    CurFrame->Derived.insert(Var);
    if (const auto *Decomposition = dyn_cast<DecompositionDecl>(Var))
      for (const BindingDecl *Binding : Decomposition->bindings())
        CurFrame->Derived.insert(Binding);
    return true;
  }

  bool VisitCallExpr(CallExpr *Call) {
    const CallExpr *Site = CurSite ? CurSite : Call;
    bool Matched = false;
    for (const ContainerOp &Op : containerOpsOf(Call, Model)) {
      auto Object = Op.ViaPointer ? Resolver.pointeeOf(Op.Object) : Resolver.objectOf(Op.Object);
      if (auto Path = translate(Object); Path && *Path == Target) {
        bool FromTracked = llvm::any_of(Call->arguments(),
                                        [&](const Expr *Arg) { return Arg != Op.Object && isDerived(Arg, *CurFrame); });
        Out.push_back({Op.Kind, Op.Name, Call, Site, CurCallee, FromTracked});
        Matched = true;
      }
    }
    if (!Matched)
      follow(Call, Site);
    return true;
  }

private:
  /// The value of a condition on a parameter that the call passed a literal (`p`, `!p`), when the
  /// callee never changes that parameter.
  std::optional<bool> argumentDecides(const Expr *Condition) const {
    if (!CurFrame || CurFrame->ArgTruths.empty() || !Condition)
      return std::nullopt;
    auto [Tested, Negated] = testedVariable(Condition);
    const auto *Parm = dyn_cast_or_null<ParmVarDecl>(Tested);
    if (!Parm)
      return std::nullopt;
    auto It = CurFrame->ArgTruths.find(Parm);
    if (It == CurFrame->ArgTruths.end())
      return std::nullopt;
    const auto *Fn = dyn_cast<FunctionDecl>(Parm->getDeclContext());
    if (!Fn || !Fn->getBody() || modifiesVariable(Fn->getBody(), Parm))
      return std::nullopt;
    return It->second != Negated;
  }

  std::optional<ObjectPath> translate(std::optional<ObjectPath> P) const {
    if (!P || CurFrame->Identity)
      return P;
    if (P->isRootedAtThis())
      return CurFrame->This ? std::optional(P->rebased(*CurFrame->This)) : std::nullopt;
    if (const auto *Parm = dyn_cast<ParmVarDecl>(P->rootVariable())) {
      auto It = CurFrame->Params.find(Parm);
      if (It == CurFrame->Params.end())
        return std::nullopt;
      auto [Bound, ViaDeref] = It->second;
      if (!ViaDeref)
        return P->rebased(Bound);
      if (P->steps().empty() || !P->steps().front().isDeref())
        return std::nullopt;
      return P->rebased(Bound, 1);
    }
    const auto *Var = dyn_cast<VarDecl>(P->rootVariable());
    // Locals (and structured bindings) of a callee are other objects than anything in the caller.
    if (!Var || Var->hasLocalStorage())
      return std::nullopt;
    return P;
  }

  void follow(const CallExpr *Call, const CallExpr *Site) {
    const FunctionDecl *Def = CurDepth < MaxDepth ? enterableCallee(Call) : nullptr;
    if (!Def || Active.contains(Def) || !Summaries.mayChangeContainers(Def))
      return;
    const Stmt *Body = Def->getBody();
    Frame Next;
    const auto *Method = dyn_cast<CXXMethodDecl>(Def);
    if (Method && Method->getParent()->isLambda()) {
      // A lambda called in place sees the caller's variables and `this` through its captures.
      Next = *CurFrame;
    } else {
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
        Next.This = translate(Resolver.objectOfCall(Member));
        Next.ThisDerived = isDerived(Member->getImplicitObjectArgument(), *CurFrame);
      }
      unsigned ArgOffset = isa<CXXOperatorCallExpr>(Call) && Method ? 1 : 0;
      if (ArgOffset == 1) {
        Next.This = translate(Resolver.objectOf(Call->getArg(0)));
        Next.ThisDerived = isDerived(Call->getArg(0), *CurFrame);
      }
      for (unsigned I = 0; I < Def->getNumParams() && I + ArgOffset < Call->getNumArgs(); ++I) {
        const ParmVarDecl *Parm = Def->getParamDecl(I);
        const Expr *Arg = Call->getArg(I + ArgOffset);
        if (isDerived(Arg, *CurFrame))
          Next.Derived.insert(Parm);
        if (Parm->getType()->isScalarType())
          if (std::optional<bool> Truth = literalTruth(Arg))
            Next.ArgTruths[Parm] = *Truth;
        if (Parm->getType()->isReferenceType()) {
          if (auto Bound = translate(Resolver.objectOf(Arg)))
            Next.Params.try_emplace(Parm, *Bound, false);
        } else if (Parm->getType()->isPointerType()) {
          if (auto Bound = translate(Resolver.pointeeOf(Arg)))
            Next.Params.try_emplace(Parm, *Bound, true);
        }
      }
    }
    Active.insert(Def);
    walk(Body, Next, CurDepth + 1, Site, CurCallee ? CurCallee : Def);
    Active.erase(Def);
  }

  const ContainerModel &Model;
  ObjectPathResolver &Resolver;
  unsigned MaxDepth;
  MutationSummaries &Summaries;
  const ObjectPath &Target;
  std::vector<ContainerOpSite> &Out;
  Frame *CurFrame = nullptr;
  unsigned CurDepth = 0;
  const CallExpr *CurSite = nullptr;
  const FunctionDecl *CurCallee = nullptr;
  llvm::SmallPtrSet<const FunctionDecl *, 8> Active;
};

} // namespace

bool MutationSummaries::mayChangeContainers(const FunctionDecl *Definition) {
  if (auto Cached = Cache.find(Definition); Cached != Cache.end())
    return Cached->second;
  Cache[Definition] = true; // while computing: recursion assumes the worst
  struct Scan : RecursiveASTVisitor<Scan> {
    MutationSummaries &Summaries;
    bool Found = false;
    explicit Scan(MutationSummaries &S) : Summaries(S) {}
    bool VisitCallExpr(CallExpr *Call) {
      for (const ContainerOp &Op : containerOpsOf(Call, Summaries.Model))
        Found |= isMutation(Op.Kind);
      if (const FunctionDecl *Callee = enterableCallee(Call); !Found && Callee)
        Found = Summaries.mayChangeContainers(Callee);
      return !Found;
    }
  } Scanner(*this);
  Scanner.TraverseStmt(Definition->getBody());
  Cache[Definition] = Scanner.Found;
  return Scanner.Found;
}

std::vector<ContainerOpSite> ContainerOpFinder::find(const Stmt *Root, const ObjectPath &Target,
                                                     const VarDecl *Tracked) {
  std::vector<ContainerOpSite> Found;
  Walker W(Model, Resolver, MaxCallDepth, Summaries, Target, Found);
  Frame Identity;
  Identity.Identity = true;
  Identity.Iterator = Tracked;
  W.walk(Root, Identity, 0, nullptr, nullptr);
  return Found;
}

namespace {
/// A key as a value: past implicit casts and a copy of it.
const Expr *keyValue(const Expr *E) {
  E = E->IgnoreParenImpCasts();
  if (const auto *Copy = dyn_cast<CXXConstructExpr>(E);
      Copy && Copy->getNumArgs() == 1 && Copy->getConstructor()->isCopyOrMoveConstructor())
    E = Copy->getArg(0)->IgnoreParenImpCasts();
  return E;
}

/// A variable that holds the value it was given: const, or a scalar never assigned.
bool keepsItsValue(const VarDecl *Var, ObjectPathResolver &Resolver) {
  QualType T = Var->getType();
  if (T->isReferenceType())
    return T.getNonReferenceType().isConstQualified();
  return T.isConstQualified() || (T->isScalarType() && Resolver.isNeverReassigned(Var));
}

bool namesPresentKey(const Expr *Key, const ContainerOpSite &Op, ObjectPathResolver &Resolver,
                     llvm::function_ref<bool(const Expr *)> IsPresentKey, unsigned Depth) {
  Key = keyValue(Key);
  if (IsPresentKey(Key))
    return true;
  const auto *Ref = dyn_cast<DeclRefExpr>(Key);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var || Depth > 4 || !keepsItsValue(Var, Resolver))
    return false;
  if (const auto *Param = dyn_cast<ParmVarDecl>(Var)) {
    // Bound at the call that leads to the subscript, when the subscript is in the callee itself.
    const auto *Owner = dyn_cast<FunctionDecl>(Param->getDeclContext());
    if (!Op.Callee || !Owner || Owner->getCanonicalDecl() != Op.Callee->getCanonicalDecl())
      return false;
    // A lambda's or functor's operator() call lists the object first.
    unsigned Index =
        Param->getFunctionScopeIndex() + (isa<CXXOperatorCallExpr>(Op.SiteCall) && isa<CXXMethodDecl>(Owner) ? 1 : 0);
    return Index < Op.SiteCall->getNumArgs() &&
           namesPresentKey(Op.SiteCall->getArg(Index), Op, Resolver, IsPresentKey, Depth + 1);
  }
  return Var->hasLocalStorage() && Var->getInit() &&
         namesPresentKey(Var->getInit(), Op, Resolver, IsPresentKey, Depth + 1);
}
} // namespace

bool subscriptsPresentKey(const ContainerOpSite &Op, ObjectPathResolver &Resolver,
                          llvm::function_ref<bool(const Expr *Key)> IsPresentKey) {
  const auto *Subscript = dyn_cast_or_null<CXXOperatorCallExpr>(Op.OpCall);
  if (Op.OpName != "operator[]" || !Subscript || Subscript->getNumArgs() != 2)
    return false;
  return namesPresentKey(Subscript->getArg(1), Op, Resolver, IsPresentKey, 0);
}

} // namespace mapguard
