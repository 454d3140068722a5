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

} // namespace mapguard
