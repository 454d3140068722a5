// Functions that hand a callable over, read from their bodies (part of DeferringCallees): a
// project's thread pool, `parallel_for`, `asyncXxx(..., cb)`, an RPC `call(..., reply)`, a setter
// that stores the callback (`setFinishCallBack(cb) { finish_ = cb; }`) need no names. A function
// defers its parameter when a use of it - through copies, `std::move`/`std::forward`, a
// `std::function` or a lambda capture - reaches a deferring call (by name, or inferred in turn, a
// few calls deep) or is stored where it outlives the call (a member, a global, a member
// container). A function that waits before it returns (`join`, `wait`, a future's `get`) runs
// the callable within the call: it does not defer. Library code (system headers) is known by
// name only.
#include "model/DeferringCallees.h"

#include "model/ProjectFacts.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
constexpr unsigned MaxInferenceDepth = 3;

/// Whether \p Body waits for what it started before it returns.
bool waitsInside(const Stmt *Body) {
  return anyNodeUnder<CXXMemberCallExpr>(
      Body,
      [](const CXXMemberCallExpr *Call) {
        const CXXMethodDecl *Method = Call->getMethodDecl();
        if (!Method || !Method->getIdentifier())
          return false;
        StringRef Name = Method->getName();
        const CXXRecordDecl *Object = Call->getRecordDecl();
        bool Future = Object && Object->getIdentifier() && Object->getName().contains_insensitive("future");
        return Name == "join" || Name.starts_with("wait") || Name == "Wait" || (Future && Name == "get");
      },
      LambdaBodies::Skip); // a callback's own waits run later
}

/// The definition of the function a call or construction calls, when it is the project's own
/// (its body is visible and not in a system header).
const FunctionDecl *projectCallee(const Expr *CallOrConstruct) {
  const FunctionDecl *Callee = nullptr;
  if (const auto *Call = dyn_cast<CallExpr>(CallOrConstruct))
    Callee = Call->getDirectCallee();
  else if (const auto *Construct = dyn_cast<CXXConstructExpr>(CallOrConstruct))
    Callee = Construct->getConstructor();
  const FunctionDecl *Def = nullptr;
  if (!Callee || !Callee->hasBody(Def) || !Def ||
      Def->getASTContext().getSourceManager().isInSystemHeader(Def->getLocation()))
    return nullptr;
  return Def;
}

/// The function a call or construction calls, as declared.
const FunctionDecl *calleeOf(const Expr *CallOrConstruct) {
  if (const auto *Call = dyn_cast<CallExpr>(CallOrConstruct))
    return Call->getDirectCallee();
  if (const auto *Construct = dyn_cast<CXXConstructExpr>(CallOrConstruct))
    return Construct->getConstructor();
  return nullptr;
}

/// What the project index read of the body of the function \p CallOrConstruct calls, when this
/// unit cannot read it.
const FunctionFacts *factsOfUnseenCallee(const Expr *CallOrConstruct) {
  const ProjectFacts *Index = projectFacts();
  return Index ? Index->ofUnseen(calleeOf(CallOrConstruct)) : nullptr;
}

/// The parameter of \p Def that \p Arg, an argument of \p CallOrConstruct, binds to.
std::optional<unsigned> parameterIndex(const Expr *CallOrConstruct, const Expr *Arg, const FunctionDecl *Def) {
  llvm::ArrayRef<const Expr *> Args;
  unsigned Offset = 0;
  if (const auto *Call = dyn_cast<CallExpr>(CallOrConstruct)) {
    Args = llvm::ArrayRef(Call->getArgs(), Call->getNumArgs());
    if (isa<CXXOperatorCallExpr>(Call) && isa<CXXMethodDecl>(Def))
      Offset = 1; // the object is argument 0
  } else if (const auto *Construct = dyn_cast<CXXConstructExpr>(CallOrConstruct)) {
    Args = llvm::ArrayRef(Construct->getArgs(), Construct->getNumArgs());
  }
  for (unsigned I = Offset; I < Args.size(); ++I)
    if (ignoringImplicit(Args[I]) == ignoringImplicit(Arg) || Args[I]->IgnoreParenImpCasts() == Arg)
      return I - Offset < Def->getNumParams() ? std::optional(I - Offset) : std::nullopt;
  return std::nullopt;
}
} // namespace

const ParentMap &DeferringCallees::parentsOf(const FunctionDecl *Def) const {
  std::unique_ptr<ParentMap> &Parents = BodyParents[Def];
  if (!Parents)
    Parents = std::make_unique<ParentMap>(Def->getBody());
  return *Parents;
}

std::optional<Deferral> DeferringCallees::inferredDeferral(const Expr *CallOrConstruct, const Expr *Arg,
                                                           unsigned Depth) const {
  if (const FunctionFacts *Facts = factsOfUnseenCallee(CallOrConstruct)) {
    std::optional<unsigned> Index = parameterIndex(CallOrConstruct, Arg, calleeOf(CallOrConstruct));
    for (const auto &[Param, NewThread] : Facts->Deferred)
      if (Index == Param)
        return Deferral{CallOrConstruct, NewThread};
    return std::nullopt;
  }
  const FunctionDecl *Def = Depth < MaxInferenceDepth ? projectCallee(CallOrConstruct) : nullptr;
  std::optional<unsigned> Index = Def ? parameterIndex(CallOrConstruct, Arg, Def) : std::nullopt;
  if (!Index)
    return std::nullopt;
  std::optional<bool> NewThread = parameterDeferred(Def, *Index, Depth);
  if (!NewThread)
    return std::nullopt;
  return Deferral{CallOrConstruct, *NewThread};
}

std::optional<bool> DeferringCallees::parameterDeferred(const FunctionDecl *Def, unsigned Index, unsigned Depth) const {
  auto Key = std::make_pair(Def, Index);
  if (auto Known = DeferredParameters.find(Key); Known != DeferredParameters.end())
    return Known->second;
  DeferredParameters[Key] = std::nullopt; // recursion: a cycle defers nothing by itself
  std::optional<bool> Result;
  if (!waitsInside(Def->getBody())) {
    const ParmVarDecl *Param = Def->getParamDecl(Index);
    const ParentMap &Parents = parentsOf(Def);
    if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def)) // `Timer(F cb) : cb_(std::move(cb))`
      for (const CXXCtorInitializer *Init : Ctor->inits())
        if (Init->isWritten() && Init->getMember() && Init->getInit())
          if (const auto *FieldRecord = Init->getMember()->getType()->getAsCXXRecordDecl();
              FieldRecord && CallbackTypes.match(FieldRecord) && !referencesTo(Init->getInit(), Param).empty())
            Result = false;
    for (const DeclRefExpr *Use : referencesTo(Def->getBody(), Param)) {
      if (Result)
        break;
      if (std::optional<Deferral> Deferred = deferralOf(Use, Parents, Depth + 1))
        Result = Deferred->NewThread;
    }
  }
  DeferredParameters[Key] = Result;
  return Result;
}

std::optional<bool> DeferringCallees::deferredParameter(const FunctionDecl *Def, unsigned Index) const {
  return parameterDeferred(Def, Index, 0);
}

bool DeferringCallees::runsConcurrently(const Expr *CallOrConstruct, const Expr *Arg) const {
  if (const FunctionFacts *Facts = factsOfUnseenCallee(CallOrConstruct)) {
    std::optional<unsigned> Index = parameterIndex(CallOrConstruct, Arg, calleeOf(CallOrConstruct));
    return Index && llvm::is_contained(Facts->Concurrent, *Index);
  }
  const FunctionDecl *Def = projectCallee(CallOrConstruct);
  std::optional<unsigned> Index = Def ? parameterIndex(CallOrConstruct, Arg, Def) : std::nullopt;
  return Index && parameterRunsConcurrently(Def, *Index);
}

bool DeferringCallees::parameterRunsConcurrently(const FunctionDecl *Def, unsigned Index) const {
  auto [It, Inserted] = ConcurrentParameters.try_emplace({Def, Index}, false);
  if (!Inserted)
    return It->second;
  const ParentMap &Parents = parentsOf(Def);
  bool Concurrent = false;
  for (const DeclRefExpr *Use : referencesTo(Def->getBody(), Def->getParamDecl(Index))) {
    std::optional<Deferral> Deferred = deferralOf(Use, Parents, 1);
    if (Deferred && Deferred->NewThread && startedInLoop(Deferred->Call, Parents)) {
      Concurrent = true;
      break;
    }
  }
  ConcurrentParameters[{Def, Index}] = Concurrent;
  return Concurrent;
}

bool DeferringCallees::startedInLoop(const Stmt *Start, const ParentMap &Parents) {
  for (const Stmt *S = Parents.getParent(Start); S; S = Parents.getParent(S)) {
    const Stmt *Body = nullptr;
    if (const auto *For = dyn_cast<ForStmt>(S))
      Body = For->getBody();
    else if (const auto *While = dyn_cast<WhileStmt>(S))
      Body = While->getBody();
    else if (const auto *Do = dyn_cast<DoStmt>(S))
      Body = Do->getBody();
    else if (const auto *Range = dyn_cast<CXXForRangeStmt>(S))
      Body = Range->getBody();
    // In a loop whose body does not wait for what it started (`t.join()` each pass is one at a time).
    if (Body && !waitsInside(Body))
      return true;
  }
  return false;
}

namespace {
/// Whether \p Code reads \p Field, directly or through the member functions of its class it
/// calls (a worker's `run()` that pops the queue), a few calls deep.
bool readsField(const Stmt *Code, const FieldDecl *Field, unsigned Depth) {
  const auto *Class = dyn_cast<CXXRecordDecl>(Field->getParent());
  return anyNodeUnder<Expr>(Code, [&](const Expr *E) {
    const CXXMethodDecl *Method = nullptr;
    if (const auto *Member = dyn_cast<MemberExpr>(E)) {
      if (Member->getMemberDecl() == Field)
        return true;
      Method = dyn_cast<CXXMethodDecl>(Member->getMemberDecl()); // `this->run()`, `&Pool::run`
    } else if (const auto *Ref = dyn_cast<DeclRefExpr>(E)) {
      Method = dyn_cast<CXXMethodDecl>(Ref->getDecl()); // `&Pool::run`
    }
    const FunctionDecl *Def = nullptr;
    return Method && Depth > 0 && Method->getParent() == Class && Method->hasBody(Def) &&
           readsField(Def->getBody(), Field, Depth - 1);
  });
}
} // namespace

bool DeferringCallees::isPoolQueue(const FieldDecl *Queue) const {
  auto [It, Inserted] = PoolQueues.try_emplace(Queue, false);
  if (!Inserted)
    return It->second;
  const auto *Class = dyn_cast<CXXRecordDecl>(Queue->getParent());
  if (!Class)
    return false;
  bool Pool = false;
  for (const CXXMethodDecl *Method : Class->methods()) {
    const FunctionDecl *Def = nullptr;
    if (Pool || !Method->hasBody(Def) || !Def->getBody())
      continue;
    const ParentMap &Parents = parentsOf(Def);
    Pool = anyNodeUnder<Expr>(Def->getBody(), [&](const Expr *E) {
      if (!isa<CXXConstructExpr, CXXMemberCallExpr>(E))
        return false;
      std::optional<Deferral> Start = classify(E);
      if (!Start || !Start->NewThread || !startedInLoop(E, Parents))
        return false;
      llvm::ArrayRef<const Expr *> Args;
      if (const auto *Construct = dyn_cast<CXXConstructExpr>(E))
        Args = llvm::ArrayRef(Construct->getArgs(), Construct->getNumArgs());
      else
        Args = llvm::ArrayRef(cast<CallExpr>(E)->getArgs(), cast<CallExpr>(E)->getNumArgs());
      return llvm::any_of(Args, [&](const Expr *Arg) {
        const auto *Lambda = dyn_cast<LambdaExpr>(ignoringImplicit(Arg));
        return readsField(Lambda ? Lambda->getBody() : static_cast<const Stmt *>(Arg), Queue, 2);
      });
    });
  }
  PoolQueues[Queue] = Pool;
  return Pool;
}

} // namespace mapguard
