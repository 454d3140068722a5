#include "analysis/UnitFacts.h"

#include "analysis/Handover.h"
#include "analysis/ThrowSummaries.h"
#include "model/ContainerModel.h"
#include "utils/NodesUnder.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/Path.h"
#include <set>

using namespace clang;

namespace mapguard {
namespace {
/// Whether a parameter of type \p T can carry a callable to run later: a function pointer, a
/// type-erased callable (`std::function`), or a class with a call operator.
bool carriesCallable(QualType T, const DeferringCallees &Deferring) {
  T = T.getNonReferenceType();
  if (T->isFunctionPointerType())
    return true;
  const CXXRecordDecl *Record = T->getAsCXXRecordDecl();
  if (!Record || !Record->hasDefinition())
    return false;
  if (Deferring.isCallbackType(Record))
    return true;
  return llvm::any_of(Record->methods(),
                      [](const CXXMethodDecl *Method) { return Method->getOverloadedOperator() == OO_Call; });
}

bool hasCallableParameter(const FunctionDecl *Fn, const DeferringCallees &Deferring) {
  return llvm::any_of(Fn->parameters(),
                      [&](const ParmVarDecl *Param) { return carriesCallable(Param->getType(), Deferring); });
}

class Collector : public RecursiveASTVisitor<Collector> {
public:
  Collector(ASTContext &Ctx, const ModelOptions &Models)
      : SM(Ctx.getSourceManager()), Deferring(Models.Deferring), Locks(Models.Locks),
        Containers(Models.Containers, Models.InsertInvalidatingContainers) {
    MainFile = unitFileOf(Ctx); // absolute, as the CLI names its units
  }

  bool VisitFunctionDecl(FunctionDecl *Fn) { // NOLINT(readability-identifier-naming): the visitor's name
    if (!Fn->doesThisDeclarationHaveABody() || Fn->isDependentContext() || !SM.isInMainFile(Fn->getLocation()))
      return true;
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->getParent()->isLambda())
      return true; // a lambda's body is read with the function that makes it
    define(Fn);
    scanCalls(Fn);
    return true;
  }

  UnitFacts take() {
    UnitFacts Facts;
    Facts.Defined = std::move(Defined);
    std::set<std::string> Needs;
    for (const auto &[Usr, Kind] : Called)
      if (Kind.Callable || Kind.ThrowMatters)
        Needs.insert(Usr);
    // A member function called where code is handed over: it may wait for it (`pool.WaitIdle()`).
    Needs.insert(WaitCandidates.begin(), WaitCandidates.end());
    // A helper that a function locking by hand calls: what it calls may throw through the region.
    for (const auto &[Helper, Usrs] : HelperThrows)
      if (CalledWhileLocking.count(Helper))
        Needs.insert(Usrs.begin(), Usrs.end());
    Facts.Needs.assign(Needs.begin(), Needs.end());
    // The unseen functions of lock classes and guards the lock model looked up.
    Facts.LockNeeds.assign(Asked.usrs().begin(), Asked.usrs().end());
    return Facts;
  }

private:
  void define(const FunctionDecl *Fn) {
    if (!Fn->isExternallyVisible())
      return; // no other unit can call it
    FunctionFacts Facts;
    bool Read = false;
    for (unsigned I = 0; I < Fn->getNumParams(); ++I) {
      if (!carriesCallable(Fn->getParamDecl(I)->getType(), Deferring))
        continue;
      Read = true;
      if (std::optional<bool> NewThread = Deferring.deferredParameter(Fn, I))
        Facts.Deferred.emplace_back(I, *NewThread);
      // Whether or not it waits for them (`parallelFor` joins its threads).
      if (Deferring.parameterRunsConcurrently(Fn, I))
        Facts.Concurrent.push_back(I);
    }
    if (std::optional<ThrowSite> Thrown = Throws.throwSiteOfFunction(Fn)) {
      Read = true;
      Facts.Throws = Thrown->Exception;
    }
    if (isa<CXXMethodDecl>(Fn) && bodyWaits(Fn)) { // `pool.WaitIdle()`: a wait for what was handed to it
      Read = true;
      Facts.Waits = true;
    }
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn)) { // a lock class's, a guard's
      LockModel::BodyLockFacts Lock = Locks.bodyLockFacts(Method);
      Facts.LockEffect = Lock.Effect;
      Facts.GuardLocks = Lock.GuardLocks;
      Read |= Lock.Effect || Lock.GuardLocks;
    }
    if (!Read)
      return;
    std::string Usr = usrOf(Fn->getCanonicalDecl());
    if (Usr.empty())
      return;
    Facts.Name = Fn->getQualifiedNameAsString();
    Facts.File = MainFile;
    Defined.add(std::move(Usr), std::move(Facts));
  }

  void scanCalls(const FunctionDecl *Fn) {
    // Throwing callees matter where a lock is taken by hand (manual-lock's exception paths): in
    // such a function, or in a function of the unit such a function may call.
    LocksByHand = anyNodeUnder<CallExpr>(Fn->getBody(), [&](const CallExpr *Call) {
      std::optional<LockModel::Role> Role = Locks.roleOfCall(Call);
      return Role && (Role->Action == LockAction::Lock || Role->Action == LockAction::TryLock);
    });
    Scanned = Fn->getCanonicalDecl();
    HandsOverCode = false;
    std::set<std::string> MemberCallees; // unseen: one may wait for what was handed over
    forEachNodeUnder<CallExpr>(Fn->getBody(), [&](const CallExpr *Call) {
      const FunctionDecl *Callee = Call->getDirectCallee();
      if (LocksByHand && Callee && Callee->hasBody())
        CalledWhileLocking.insert(Callee->getCanonicalDecl());
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
        (void)Locks.roleOfCall(Call); // what a lock class's unseen method does: a need
        (void)Locks.isMutexObject(Member->getImplicitObjectArgument());
      }
      if (isa<CXXMemberCallExpr>(Call) && Callee && !Callee->hasBody() && !SM.isInSystemHeader(Callee->getLocation()))
        if (std::string Usr = usrOf(Callee->getCanonicalDecl()); !Usr.empty())
          MemberCallees.insert(Usr);
      noteCallee(Callee, Call, llvm::ArrayRef(Call->getArgs(), Call->getNumArgs()));
      return true;
    });
    if (HandsOverCode)
      WaitCandidates.insert(MemberCallees.begin(), MemberCallees.end());
    askLockFacts(Fn);
    forEachNodeUnder<CXXConstructExpr>(Fn->getBody(), [&](const CXXConstructExpr *Construct) {
      noteCallee(Construct->getConstructor(), Construct, llvm::ArrayRef(Construct->getArgs(), Construct->getNumArgs()));
      return true;
    });
  }

  /// Asks the lock model what the function's guards and its class's members are, as the checks
  /// will (its lock calls are asked in scanCalls' walk): the unseen lock classes' functions it
  /// looks up are the unit's needs.
  void askLockFacts(const FunctionDecl *Fn) {
    if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn))
      for (const FieldDecl *Field : Method->getParent()->fields())
        (void)Locks.isMutex(Field->getType(), Field);
    forEachNodeUnder<DeclStmt>(Fn->getBody(), [&](const DeclStmt *Declaration) {
      for (const Decl *D : Declaration->decls())
        if (const auto *Var = dyn_cast<VarDecl>(D); Var && Var->getType()->getAsCXXRecordDecl())
          (void)Locks.guardConstruction(Var);
      return true;
    });
  }

  /// Whether the facts of a function that takes a callable could change what the checks see at
  /// \p CallOrConstruct: it is given code that touches a container (a lambda, a bind), and is not
  /// already known by name (a thread, an executor: the index would not change that).
  bool callableFactsMatter(const Expr *CallOrConstruct, llvm::ArrayRef<const Expr *> Args) {
    auto TouchesContainer = [&](const Stmt *Code) {
      return anyNodeUnder<Expr>(Code, [&](const Expr *E) {
        return !E->getType().isNull() && !E->isTypeDependent() &&
               Containers.classify(E->getType().getNonReferenceType());
      });
    };
    auto IsCode = [&](const Stmt *Root) {
      return anyNodeUnder<Expr>(
          Root,
          [&](const Expr *E) {
            if (const auto *Lambda = dyn_cast<LambdaExpr>(E))
              return TouchesContainer(Lambda->getBody()) ||
                     llvm::any_of(Lambda->capture_inits(),
                                  [&](const Expr *Init) { return Init && TouchesContainer(Init); });
            const auto *Call = dyn_cast<CallExpr>(E);
            return Call && isBindCall(Call) && TouchesContainer(Call);
          },
          LambdaBodies::Skip);
    };
    bool GivenCode = llvm::any_of(Args, [&](const Expr *Arg) {
      if (IsCode(Arg))
        return true;
      // `auto Task = [&] {...}; pool.Run(Task);`
      const auto *Ref = dyn_cast<DeclRefExpr>(Arg->IgnoreParenImpCasts());
      const auto *Var = Ref ? dyn_cast<VarDecl>(Ref->getDecl()) : nullptr;
      return Var && Var->hasLocalStorage() && Var->getInit() && IsCode(Var->getInit());
    });
    HandsOverCode |= GivenCode;
    return GivenCode && !Deferring.classify(CallOrConstruct);
  }

  void noteCallee(const FunctionDecl *Callee, const Expr *CallOrConstruct, llvm::ArrayRef<const Expr *> Args) {
    if (!Callee || Callee->hasBody() || Callee->isDependentContext() || SM.isInSystemHeader(Callee->getLocation()))
      return;
    const auto *Proto = Callee->getType()->getAs<FunctionProtoType>();
    bool MayThrow = !(Proto && Proto->isNothrow()) && !Locks.roleOf(Callee);
    bool Callable = hasCallableParameter(Callee, Deferring) && callableFactsMatter(CallOrConstruct, Args);
    if (!MayThrow && !Callable)
      return;
    std::string Usr = usrOf(Callee->getCanonicalDecl());
    if (Usr.empty())
      return;
    CallKind &Kind = Called[Usr];
    Kind.Callable |= Callable;
    Kind.ThrowMatters |= MayThrow && LocksByHand;
    if (MayThrow && !LocksByHand)
      HelperThrows[Scanned].insert(Usr);
  }

  struct CallKind {
    bool Callable = false;
    bool ThrowMatters = false; // may throw, called where a lock is taken by hand
  };
  FactsAskedRecording Asked; // first: records the lookups of the models below
  const SourceManager &SM;
  std::string MainFile;
  DeferringCallees Deferring;
  LockModel Locks;
  ContainerModel Containers;
  ThrowSummaries Throws;
  ProjectFacts Defined;
  std::map<std::string, CallKind> Called; // sorted: the needs are deterministic
  const FunctionDecl *Scanned = nullptr;  // the function being scanned
  bool LocksByHand = false;               // whether it takes a lock by hand
  std::set<const FunctionDecl *> CalledWhileLocking;
  bool HandsOverCode = false; // the function being scanned gives code to a call
  std::set<std::string> WaitCandidates;
  std::map<const FunctionDecl *, std::set<std::string>> HelperThrows; // its unseen callees that may throw
};
} // namespace

UnitFacts collectUnitFacts(ASTContext &Ctx, const ModelOptions &Models, const GuardInference *Inference) {
  Collector Collect(Ctx, Models);
  Collect.TraverseDecl(Ctx.getTranslationUnitDecl());
  UnitFacts Facts = Collect.take();
  if (Inference)
    Inference->tallyForIndex(Ctx, Facts.Defined);
  return Facts;
}

std::string unitFactsJson(const UnitFacts &Facts) {
  llvm::json::Array Needs, LockNeeds;
  for (const std::string &Usr : Facts.Needs)
    Needs.push_back(Usr);
  for (const std::string &Usr : Facts.LockNeeds)
    LockNeeds.push_back(Usr);
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << llvm::json::Value(llvm::json::Object{
      {"defined", Facts.Defined.toJson()}, {"needs", std::move(Needs)}, {"lockNeeds", std::move(LockNeeds)}});
  return Text;
}

std::optional<UnitFacts> parseUnitFacts(llvm::StringRef Json) {
  llvm::Expected<llvm::json::Value> Value = llvm::json::parse(Json);
  if (!Value) {
    llvm::consumeError(Value.takeError());
    return std::nullopt;
  }
  const llvm::json::Object *Object = Value->getAsObject();
  const llvm::json::Object *DefinedJson = Object ? Object->getObject("defined") : nullptr;
  const llvm::json::Array *Needs = Object ? Object->getArray("needs") : nullptr;
  std::optional<ProjectFacts> Defined = DefinedJson ? ProjectFacts::fromJson(*DefinedJson) : std::nullopt;
  if (!Defined || !Needs)
    return std::nullopt;
  UnitFacts Facts;
  Facts.Defined = std::move(*Defined);
  for (const llvm::json::Value &Usr : *Needs)
    if (auto Text = Usr.getAsString())
      Facts.Needs.push_back(Text->str());
  if (const llvm::json::Array *LockNeeds = Object->getArray("lockNeeds"))
    for (const llvm::json::Value &Usr : *LockNeeds)
      if (auto Text = Usr.getAsString())
        Facts.LockNeeds.push_back(Text->str());
  return Facts;
}

std::optional<std::string> unitFactsToReport(ASTContext &Ctx, const ModelOptions &Models,
                                             const GuardInference *Inference) {
  FactsRequest *Request = factsRequest();
  if (!Request || !Request->Collect || Request->Reported)
    return std::nullopt;
  Request->Reported = true;
  return unitFactsJson(collectUnitFacts(Ctx, Models, Inference));
}

} // namespace mapguard
