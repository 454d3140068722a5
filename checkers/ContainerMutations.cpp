#include "ContainerMutations.h"

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
};

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
  Walker(const ContainerModel &Model, ObjectPathResolver &Resolver, unsigned MaxDepth,
         MutationSummaries &Summaries, const ObjectPath &Target, std::vector<ContainerOpSite> &Out)
      : Model(Model), Resolver(Resolver), MaxDepth(MaxDepth), Summaries(Summaries), Target(Target), Out(Out) {}

  void walk(const Stmt *S, const Frame &F, unsigned Depth, const CallExpr *Site,
            const FunctionDecl *Callee) {
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

  bool VisitCallExpr(CallExpr *Call) {
    const CallExpr *Site = CurSite ? CurSite : Call;
    bool Matched = false;
    for (const ContainerOp &Op : containerOpsOf(Call, Model)) {
      auto Object = Op.ViaPointer ? Resolver.pointeeOf(Op.Object) : Resolver.objectOf(Op.Object);
      if (auto Path = translate(Object); Path && *Path == Target) {
        Out.push_back({Op.Kind, Op.Name, Call, Site, CurCallee});
        Matched = true;
      }
    }
    if (!Matched)
      follow(Call, Site);
    return true;
  }

private:
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
      if (P->steps().empty() || P->steps().front().Field)
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
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call))
        Next.This = translate(Resolver.objectOfCall(Member));
      unsigned ArgOffset = isa<CXXOperatorCallExpr>(Call) && Method ? 1 : 0;
      if (ArgOffset == 1)
        Next.This = translate(Resolver.objectOf(Call->getArg(0)));
      for (unsigned I = 0; I < Def->getNumParams() && I + ArgOffset < Call->getNumArgs(); ++I) {
        const ParmVarDecl *Parm = Def->getParamDecl(I);
        const Expr *Arg = Call->getArg(I + ArgOffset);
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

std::vector<ContainerOpSite> ContainerOpFinder::find(const Stmt *Root, const ObjectPath &Target) {
  std::vector<ContainerOpSite> Found;
  Walker W(Model, Resolver, MaxCallDepth, Summaries, Target, Found);
  Frame Identity;
  Identity.Identity = true;
  W.walk(Root, Identity, 0, nullptr, nullptr);
  return Found;
}

} // namespace mapguard
