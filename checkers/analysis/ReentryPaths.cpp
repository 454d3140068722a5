#include "analysis/ReentryPaths.h"

#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/STLExtras.h"

using namespace clang;

namespace mapguard {
namespace {
/// The lambda an argument passes, through the conversions to a `std::function` parameter,
/// `std::move`, and a local initialised with it (`auto cb = [&] {...}; bus.subscribe(cb);`).
const LambdaExpr *lambdaPassedBy(const Expr *Arg) {
  for (unsigned Steps = 0; Arg && Steps < 8; ++Steps) {
    Arg = ignoringImplicit(Arg);
    if (const auto *Lambda = dyn_cast<LambdaExpr>(Arg))
      return Lambda;
    if (const auto *Call = dyn_cast<CallExpr>(Arg))
      Arg = Call->isCallToStdMove() ? Call->getArg(0) : nullptr;
    else if (const auto *Ref = dyn_cast<DeclRefExpr>(Arg)) {
      const auto *Var = dyn_cast<VarDecl>(Ref->getDecl());
      Arg = Var && Var->isLocalVarDecl() ? Var->getInit() : nullptr;
    } else
      return nullptr;
  }
  return nullptr;
}

/// The calls \p Fn's body makes, in source order, not counting those in lambdas it creates (they
/// run later, elsewhere).
llvm::SmallVector<const CallExpr *, 16> callsIn(const FunctionDecl *Fn) {
  struct Walk : RecursiveASTVisitor<Walk> {
    llvm::SmallVector<const CallExpr *, 16> Calls;
    bool TraverseLambdaExpr(LambdaExpr *) { return true; }
    bool VisitCallExpr(CallExpr *Call) {
      Calls.push_back(Call);
      return true;
    }
  } Calls;
  Calls.TraverseStmt(Fn->getBody());
  return Calls.Calls;
}

bool isOnThis(const CallExpr *Call) {
  const auto *Member = dyn_cast<CXXMemberCallExpr>(Call);
  const Expr *Object = Member ? Member->getImplicitObjectArgument() : nullptr;
  return Object && isa<CXXThisExpr>(Object->IgnoreParenImpCasts());
}

bool sameOrDerived(const CXXRecordDecl *Class, const CXXRecordDecl *Base) {
  if (!Class || !Base || !Class->hasDefinition() || !Base->hasDefinition())
    return false;
  return Class->getCanonicalDecl() == Base->getCanonicalDecl() || Class->isDerivedFrom(Base);
}
} // namespace

void ReentryPaths::scan(ASTContext &Ctx) {
  if (Scanned)
    return;
  Scanned = true;
  struct Scan : RecursiveASTVisitor<Scan> {
    const SourceManager &SM;
    ReentryPaths &Paths;
    Scan(const SourceManager &SM, ReentryPaths &Paths) : SM(SM), Paths(Paths) {}
    bool shouldVisitTemplateInstantiations() const { return true; }
    bool TraverseDecl(Decl *D) {
      if (D && !isa<TranslationUnitDecl>(D) && SM.isInSystemHeader(D->getLocation()))
        return true;
      return RecursiveASTVisitor::TraverseDecl(D);
    }
    bool VisitCXXRecordDecl(CXXRecordDecl *Record) {
      if (Record->isThisDeclarationADefinition() && !Record->isDependentContext() && !Record->isLambda())
        Paths.Records.push_back(Record);
      return true;
    }
    bool VisitCallExpr(CallExpr *Call) {
      if (!Call->isTypeDependent())
        for (const Expr *Arg : Call->arguments())
          if (const LambdaExpr *Lambda = lambdaPassedBy(Arg))
            Paths.Handovers.push_back({Call, Lambda});
      return true;
    }
  } Scanner(Ctx.getSourceManager(), *this);
  Scanner.TraverseDecl(Ctx.getTranslationUnitDecl());
}

const CallExpr *ReentryPaths::reaches(const FunctionDecl *Fn, bool ThisIsElement, ArrayRef<ContainerEraser> Erasers,
                                      unsigned Depth, const ContainerEraser *&Reached) {
  if (!Visited.insert({Fn->getCanonicalDecl(), ThisIsElement ? 1U : 0U}).second)
    return nullptr;
  for (const CallExpr *Call : callsIn(Fn)) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (!Callee)
      continue;
    // On `this` of the element: its own container, not the looping object's.
    bool OnElement = ThisIsElement && isOnThis(Call);
    for (const ContainerEraser &Eraser : Erasers)
      if (!OnElement && Callee->getCanonicalDecl() == Eraser.Method->getCanonicalDecl()) {
        Reached = &Eraser;
        return Call;
      }
    const FunctionDecl *Definition = nullptr;
    if (Depth < MaxCallDepth && Callee->getBody(Definition) &&
        !Fn->getASTContext().getSourceManager().isInSystemHeader(Definition->getLocation()) &&
        reaches(Definition, OnElement, Erasers, Depth + 1, Reached))
      return Call;
  }
  return nullptr;
}

std::optional<ReentryPath> ReentryPaths::throughOverrides(const ReentrantCall &Call,
                                                          ArrayRef<ContainerEraser> Erasers) {
  const CXXMethodDecl *Called = Call.Virtual;
  for (const CXXRecordDecl *Record : Records) {
    if (!sameOrDerived(Record, Called->getParent()))
      continue;
    const CXXMethodDecl *Override = Called->getCorrespondingMethodDeclaredInClass(Record);
    const FunctionDecl *Definition = nullptr;
    if (!Override || !Override->getBody(Definition))
      continue;
    Visited.clear();
    const ContainerEraser *Reached = nullptr;
    // The override runs on the element: its `this` is not the looping object.
    if (const CallExpr *Step = reaches(Definition, /*ThisIsElement=*/true, Erasers, 1, Reached))
      return ReentryPath{Definition, nullptr, nullptr, Step, Step->getDirectCallee(), *Reached};
  }
  return std::nullopt;
}

bool ReentryPaths::stores(const FunctionDecl *Registrar, const FieldDecl *Field, const FieldDecl *HolderField,
                          ASTContext &Ctx) {
  const FunctionDecl *Definition = nullptr;
  if (!Registrar->getBody(Definition))
    return false;
  if (!HolderField) {
    ObjectPathResolver Resolver(Ctx);
    ContainerOpFinder Finder(Model, Resolver, MaxCallDepth, Summaries);
    return llvm::any_of(Finder.find(Definition->getBody(), ObjectPath::thisObject().withField(Field)),
                        [](const ContainerOpSite &Op) { return Op.Kind == ContainerOpKind::Insert; });
  }
  return assignsMember(Definition->getBody(), HolderField);
}

std::optional<ReentryPath> ReentryPaths::throughLambdas(const ReentrantCall &Call, const CXXRecordDecl *LoopClass,
                                                        const FieldDecl *Field, ArrayRef<ContainerEraser> Erasers,
                                                        ASTContext &Ctx) {
  for (const Handover &Given : Handovers) {
    const auto *Registrar = dyn_cast_or_null<CXXMethodDecl>(Given.Call->getDirectCallee());
    if (!Registrar || !sameOrDerived(LoopClass, Registrar->getParent()) ||
        !stores(Registrar, Field, Call.HolderField, Ctx))
      continue;
    Visited.clear();
    const ContainerEraser *Reached = nullptr;
    const FunctionDecl *Body = Given.Lambda->getCallOperator();
    if (const CallExpr *Step = reaches(Body, /*ThisIsElement=*/false, Erasers, 1, Reached))
      return ReentryPath{Body, Given.Lambda, Given.Call, Step, Step->getDirectCallee(), *Reached};
  }
  return std::nullopt;
}

std::optional<ReentryPath> ReentryPaths::find(const ReentrantCall &Call, const CXXRecordDecl *LoopClass,
                                              const FieldDecl *Field, ArrayRef<ContainerEraser> Erasers,
                                              ASTContext &Ctx) {
  if (Erasers.empty() || !LoopClass)
    return std::nullopt;
  scan(Ctx);
  if (Call.Direct) {
    const FunctionDecl *Definition = nullptr;
    const ContainerEraser *Reached = nullptr;
    Visited.clear();
    // The element's own member function: its `this` is the element, not the looping object.
    if (Call.Direct->getBody(Definition))
      if (const CallExpr *Step = reaches(Definition, /*ThisIsElement=*/true, Erasers, 1, Reached))
        return ReentryPath{Definition, nullptr, nullptr, Step, Step->getDirectCallee(), *Reached};
    return std::nullopt;
  }
  return Call.Virtual ? throughOverrides(Call, Erasers) : throughLambdas(Call, LoopClass, Field, Erasers, Ctx);
}

} // namespace mapguard
