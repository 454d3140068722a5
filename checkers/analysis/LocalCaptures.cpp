#include "analysis/LocalCaptures.h"

#include "utils/AstUtil.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
const VarDecl *localContainer(const Expr *E, const ContainerModel &Containers) {
  const auto *Ref = dyn_cast_or_null<DeclRefExpr>(E ? E->IgnoreParenImpCasts() : nullptr);
  const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
  if (!Var || !Var->hasLocalStorage() || isa<ParmVarDecl>(Var) || Var->getType()->isReferenceType())
    return nullptr;
  return Containers.classify(Var->getType()) ? Var : nullptr;
}

/// Candidates before any CFG is built: lambdas of the function itself (not nested ones) that
/// capture a local container by reference or pointer, and std::ref / address-of arguments.
struct Candidates : RecursiveASTVisitor<Candidates> {
  const ContainerModel &Containers;
  std::vector<LocalCapture> Found;
  explicit Candidates(const ContainerModel &Containers) : Containers(Containers) {}
  bool shouldVisitLambdaBodies() const { return false; }

  bool VisitLambdaExpr(LambdaExpr *Lambda) {
    for (const LambdaCapture &Capture : Lambda->captures()) {
      if (!Capture.capturesVariable())
        continue;
      const auto *Captured = dyn_cast<VarDecl>(Capture.getCapturedVar());
      if (!Captured)
        continue;
      const VarDecl *Local = nullptr;
      const VarDecl *Alias = Captured; // the name the body uses
      bool Pointer = false;
      if (Captured->isInitCapture()) {
        const Expr *Init = Captured->getInit() ? ignoringImplicit(Captured->getInit()) : nullptr;
        if (Captured->getType()->isReferenceType()) {
          Local = localContainer(Init, Containers);
        } else if (const auto *AddrOf = dyn_cast_or_null<UnaryOperator>(Init);
                   AddrOf && AddrOf->getOpcode() == UO_AddrOf) {
          Local = localContainer(AddrOf->getSubExpr(), Containers);
          Pointer = true;
        }
      } else if (Capture.getCaptureKind() == LCK_ByRef && Captured->hasLocalStorage() && !isa<ParmVarDecl>(Captured) &&
                 !Captured->getType()->isReferenceType() && Containers.classify(Captured->getType())) {
        Local = Captured;
      }
      if (!Local)
        continue;
      LocalCapture C;
      C.Local = Local;
      C.Lambda = Lambda;
      C.At = Capture.getLocation();
      C.ExplicitByReference = !Capture.isImplicit() && !Captured->isInitCapture();
      C.Written = Pointer;
      noteUses(C, Alias, Pointer);
      if (C.Use)
        Found.push_back(C);
    }
    return true;
  }

  bool VisitCallExpr(CallExpr *Call) {
    bool Const = false;
    const VarDecl *Wrapped = referenceWrapped(Call, Const);
    if (Wrapped && localContainer(Call->getArg(0), Containers))
      addArgument(Call, Wrapped, !Const);
    return true;
  }

  bool VisitUnaryOperator(UnaryOperator *AddrOf) {
    if (AddrOf->getOpcode() == UO_AddrOf)
      if (const VarDecl *Local = localContainer(AddrOf->getSubExpr(), Containers))
        addArgument(AddrOf, Local, true);
    return true;
  }

  void addArgument(const Expr *Argument, const VarDecl *Local, bool Written) {
    LocalCapture C;
    C.Local = Local;
    C.Argument = Argument;
    C.At = Argument->getBeginLoc();
    C.Written = Written;
    Found.push_back(C);
  }

  void noteUses(LocalCapture &C, const VarDecl *Alias, bool Pointer) {
    SmallVector<const DeclRefExpr *, 4> Refs = referencesTo(C.Lambda->getBody(), Alias);
    if (Refs.empty())
      return;
    C.Use = Refs.front();
    if (Pointer)
      return;
    ParentMap Parents(C.Lambda->getBody());
    for (const DeclRefExpr *Ref : Refs)
      if (classifyContainerUse(Ref, Parents, Containers).Write) {
        C.Written = true;
        C.Use = Ref;
        break;
      }
  }
};
} // namespace

std::vector<LocalCapture> findLocalCaptures(const FunctionDecl *Fn, const DeferringCallees &Deferring,
                                            const ContainerModel &Containers,
                                            llvm::function_ref<const FunctionCfg *()> CfgOf) {
  Candidates Scan(Containers);
  Scan.TraverseStmt(Fn->getBody());
  if (Scan.Found.empty())
    return {};
  const FunctionCfg *Cfg = CfgOf();
  if (!Cfg)
    return {};
  std::vector<LocalCapture> Result;
  for (LocalCapture &C : Scan.Found) {
    const Expr *Callable = C.Lambda ? static_cast<const Expr *>(C.Lambda) : C.Argument;
    if (auto Deferred = Deferring.deferralOf(Callable, Cfg->parents())) {
      C.Start = *Deferred;
      Result.push_back(C);
    }
  }
  return Result;
}

bool usedAfter(const FunctionDecl *Fn, const VarDecl *Local, const Expr *After, const SourceManager &SM) {
  return llvm::any_of(referencesTo(Fn->getBody(), Local), [&](const DeclRefExpr *Ref) {
    return SM.isBeforeInTranslationUnit(After->getEndLoc(), Ref->getBeginLoc());
  });
}

} // namespace mapguard
