#include "LockFixes.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"

#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace mapguard {

namespace {
/// Library calls that block: sleeping, waiting for another thread, I/O on a descriptor.
bool blocks(const FunctionDecl *Callee) {
  static constexpr llvm::StringLiteral Blocking[] = {
      "sleep_for",  "sleep_until", "sleep",   "usleep",  "nanosleep", "wait",    "wait_for",
      "wait_until", "join",        "acquire", "recv",    "recvfrom",  "recvmsg", "send",
      "sendto",     "sendmsg",     "read",    "write",   "accept",    "connect", "poll",
      "select",     "epoll_wait",  "fsync",   "getline", "system",    "pause",   "sigwait"};
  if (!Callee->getIdentifier())
    return false;
  StringRef Name = Callee->getName();
  if (llvm::is_contained(Blocking, Name))
    return true;
  // `future.get()` waits for the result; other get()s (std::get, unique_ptr::get) do not.
  const auto *Method = dyn_cast<CXXMethodDecl>(Callee);
  return Name == "get" && Method && Method->getParent()->getName().contains("future");
}

/// Whether the lambda's body calls a function that takes a lock itself: a guard added around the
/// body could then deadlock.
bool callsLockingFunction(const LambdaExpr *Lambda, const GuardInference &Inference) {
  return anyNodeUnder<CallExpr>(Lambda->getBody(), [&](const CallExpr *Call) {
    const FunctionDecl *Callee = Call->getDirectCallee();
    return Callee && Inference.takesLocks(Callee->getDefinition() ? Callee->getDefinition() : Callee);
  });
}
} // namespace

bool callsOnlyLockFreeLibrary(const Stmt *S, const LockModel &Locks, const SourceManager &SM) {
  return !anyNodeUnder<Expr>(S, [&](const Expr *E) {
    if (const auto *Call = dyn_cast<CallExpr>(E)) {
      const FunctionDecl *Callee = Call->getDirectCallee();
      return !(Callee && SM.isInSystemHeader(Callee->getLocation()) && !Locks.roleOf(Callee) && !blocks(Callee));
    }
    if (const auto *Construct = dyn_cast<CXXConstructExpr>(E))
      return Locks.guardKind(Construct->getType()) || !SM.isInSystemHeader(Construct->getConstructor()->getLocation());
    return false;
  });
}

std::optional<FixItHint> removeCallStatement(const Expr *Call, const ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  if (Call->getBeginLoc().isMacroID() || Call->getEndLoc().isMacroID())
    return std::nullopt;
  SourceLocation AfterCall = Lexer::getLocForEndOfToken(Call->getEndLoc(), 0, SM, Ctx.getLangOpts());
  if (AfterCall.isInvalid() || *SM.getCharacterData(AfterCall) != ';')
    return std::nullopt;
  // A statement alone on its line takes the line with it: the removal starts at the previous
  // line's end (the rewriter would take one more blank from a removal between two blanks).
  const char *Begin = SM.getCharacterData(Call->getBeginLoc());
  const char *End = SM.getCharacterData(AfterCall) + 1;
  StringRef Buffer = SM.getBufferData(SM.getFileID(Call->getBeginLoc()));
  const char *LineStart = Begin;
  while (LineStart > Buffer.data() && (LineStart[-1] == ' ' || LineStart[-1] == '\t'))
    --LineStart;
  const char *LineEnd = End;
  while (LineEnd < Buffer.end() && (*LineEnd == ' ' || *LineEnd == '\t'))
    ++LineEnd;
  bool OwnLine = LineStart > Buffer.data() && LineStart[-1] == '\n' && LineEnd < Buffer.end() && *LineEnd == '\n';
  SourceLocation From = Call->getBeginLoc().getLocWithOffset(OwnLine ? -static_cast<int>(Begin - LineStart) - 1 : 0);
  SourceLocation To = AfterCall.getLocWithOffset(OwnLine ? static_cast<int>(LineEnd - End) + 1 : 1);
  return FixItHint::CreateRemoval(CharSourceRange::getCharRange(From, To));
}

std::string scopedGuardFor(const CXXMemberCallExpr *Lock, const LockModel &Model, const ASTContext &Ctx) {
  const Expr *Object = Lock->getImplicitObjectArgument();
  const auto *Callee = dyn_cast<MemberExpr>(Lock->getCallee()->IgnoreParens());
  std::optional<LockModel::Role> Role = Model.roleOf(Lock->getMethodDecl());
  if (!Object || !Callee || Callee->isArrow() || !Role)
    return "";
  return LockModel::guardDeclaration(Object->getType(), sourceText(Object, Ctx), Role->Kind, "lock");
}

bool mayRewrite(const FunctionDecl *Fn) {
  return !Fn->isTemplateInstantiation() && !Fn->isTemplated() && Fn->getBody() &&
         !Fn->getBody()->getBeginLoc().isMacroID();
}

std::optional<FixItHint> guardAtStart(const CompoundStmt *Body, const ValueDecl *Mutex, StringRef MutexSpelling,
                                      LockKind Kind, const ASTContext &Ctx) {
  if (!Body || Body->body_empty())
    return std::nullopt;
  // A guard over the whole body would be held across a library call that blocks (a join of the
  // thread that takes the same mutex deadlocks).
  const SourceManager &SM = Ctx.getSourceManager();
  if (anyNodeUnder<CallExpr>(
          Body,
          [&](const CallExpr *Call) {
            const FunctionDecl *Callee = Call->getDirectCallee();
            return Callee && SM.isInSystemHeader(Callee->getLocation()) && blocks(Callee);
          },
          LambdaBodies::Skip))
    return std::nullopt;
  StringRef GuardName = namesDeclaredOrUsed(Body, "lock") ? "guard" : "lock";
  if (namesDeclaredOrUsed(Body, GuardName))
    return std::nullopt;
  // (A mutex held through a pointer, `*mu`, is locked as the mutex it points to.)
  QualType MutexType = Mutex->getType().getNonReferenceType();
  if (MutexType->isPointerType())
    MutexType = MutexType->getPointeeType();
  std::string Declaration = LockModel::guardDeclaration(MutexType, MutexSpelling.str(), Kind, GuardName);
  const Stmt *First = Body->body_front();
  SourceLocation At = First->getBeginLoc();
  if (Declaration.empty() || At.isMacroID())
    return std::nullopt;
  if (SM.getSpellingLineNumber(At) == SM.getSpellingLineNumber(Body->getLBracLoc()))
    return FixItHint::CreateInsertion(At, Declaration + " ");
  std::string Indent(SM.getSpellingColumnNumber(At) - 1, ' ');
  return FixItHint::CreateInsertion(At, Declaration + "\n" + Indent);
}

std::optional<FixItHint> lockInsideLambda(const ContainerAccess &Access, const GuardInfo &Guard,
                                          const ObjectPath &GuardPath, const GuardInference &Inference,
                                          llvm::DenseSet<const LambdaExpr *> &Locked, const ASTContext &Ctx) {
  const auto *Lambda = dyn_cast_or_null<LambdaExpr>(Access.Callable);
  if (!Lambda || Access.Function != Lambda->getCallOperator() || Locked.contains(Lambda) ||
      !mayRewrite(Access.Enclosing) || Inference.takesLocks(Access.Function) || callsLockingFunction(Lambda, Inference))
    return std::nullopt;
  bool ViaThis = GuardPath.isRootedAtThis() && GuardPath.steps().size() == 1 &&
                 llvm::any_of(Lambda->captures(), [](const LambdaCapture &C) { return C.capturesThis(); });
  if (!ViaThis && !(isa<VarDecl>(Guard.Mutex) && GuardPath.steps().empty()))
    return std::nullopt;
  bool Write = llvm::any_of(Inference.accesses(), [&](const ContainerAccess &Other) {
    return Other.Function == Access.Function && Other.Container == Access.Container && Other.Use.Write;
  });
  auto Fix = guardAtStart(Lambda->getCompoundStmtBody(), Guard.Mutex, GuardPath.spelling(),
                          Write ? LockKind::Exclusive : LockKind::Shared, Ctx);
  if (Fix)
    Locked.insert(Lambda);
  return Fix;
}

} // namespace mapguard
