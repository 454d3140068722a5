#include "ScopeExitAfterUnlockCheck.h"

#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace mapguard {
namespace {
/// Whether \p S may leave the enclosing scope early: a jump, a throw, or (with exceptions) a call
/// that may throw. Moving a scope-exit object past such a statement would skip it on that exit.
bool mayLeaveScope(const Stmt *S, const LockModel &Locks, bool Exceptions) {
  struct Scan : RecursiveASTVisitor<Scan> {
    const LockModel &Locks;
    bool Exceptions;
    bool Found = false;
    Scan(const LockModel &Locks, bool Exceptions) : Locks(Locks), Exceptions(Exceptions) {}
    bool shouldVisitLambdaBodies() const { return false; }
    bool VisitStmt(Stmt *S) {
      Found |= isa<ReturnStmt, BreakStmt, ContinueStmt, GotoStmt, CXXThrowExpr, CoreturnStmt>(S);
      if (const auto *Call = dyn_cast<CallExpr>(S); Call && Exceptions)
        Found |= Locks.mayThrow(Call);
      if (const auto *Construct = dyn_cast<CXXConstructExpr>(S); Construct && Exceptions) {
        const auto *Proto = Construct->getConstructor()->getType()->getAs<FunctionProtoType>();
        Found |= !Construct->getConstructor()->isTrivial() && (!Proto || !Proto->isNothrow());
      }
      return !Found;
    }
  } Finder(Locks, Exceptions);
  Finder.TraverseStmt(const_cast<Stmt *>(S));
  return Finder.Found;
}

/// The statement of \p Block that declares \p Var, and its index.
std::optional<unsigned> declarationIndex(const CompoundStmt *Block, const VarDecl *Var) {
  unsigned Index = 0;
  for (const Stmt *S : Block->body()) {
    if (const auto *Declaration = dyn_cast<DeclStmt>(S);
        Declaration && Declaration->isSingleDecl() && Declaration->getSingleDecl() == Var)
      return Index;
    ++Index;
  }
  return std::nullopt;
}
} // namespace

void ScopeExitAfterUnlockCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  Moved.clear();
  if (!Rules.enabled("scope-exit-after-release"))
    return;
  llvm::DenseSet<const Expr *> Reported;
  for (const ContainerAccess &Access : Inference.accesses()) {
    if (!Access.ScopeExit || Access.OptedOut || !Reported.insert(Access.Ref).second)
      continue;
    const GuardInfo *Guard = Inference.guardOf(Access.Container);
    std::optional<ObjectPath> GuardPath = Guard ? Inference.guardPath(Access, *Guard) : std::nullopt;
    if (!GuardPath || Access.Held.find(*GuardPath))
      continue;
    // Only where the scope held the guard and gave it up before the object runs its callable;
    // a scope that never locks is mapguard-unguarded-access's.
    const ReleasedLock *Released = Access.Held.released(*GuardPath);
    if (!Released)
      continue;
    std::string Mutex = GuardPath->spelling();
    // BOOST_SCOPE_EXIT_ALL and SCOPE_EXIT name their objects in the macro.
    bool Named = !Access.ScopeExit->getName().empty() && !Access.ScopeExit->getLocation().isMacroID();
    StringRef Name = Access.ScopeExit->getName();
    const VarDecl *ReleasingGuard = Released->ByGuard;
    bool DeclaredBefore = ReleasingGuard && !Access.ScheduledUnder.find(*GuardPath);
    SmallVector<FixItHint, 2> Fixes;
    if (DeclaredBefore)
      Fixes = moveAfterGuard(Access.ScopeExit, ReleasingGuard, Inference.locks(), Ctx);
    // Otherwise lock inside the callable - only if no path reaches its end with the lock held, and
    // not after an unlock(): an exception before the unlock runs the callable with the lock held.
    if (Fixes.empty() && DeclaredBefore && !llvm::is_contained(Access.MayHoldAtExit, *GuardPath))
      if (auto Fix = lockInsideLambda(Access, *Guard, *GuardPath, Inference, LockedLambdas, Ctx))
        Fixes.push_back(*Fix);
    diag(Access.Ref->getExprLoc(),
         "%0 in a scope-exit callback that runs without '%1': %select{'%1' is released before %select{the scope-exit "
         "object|'%4'}3 runs at the end of its scope; lock '%1' inside the callback|%select{the scope-exit object|"
         "'%4'}3 is declared before '%5', so it runs after '%5' releases '%1'; declare it after '%5' or lock '%1' "
         "inside the callback}2")
        << describe(Access) << Mutex << DeclaredBefore << Named << Name
        << (DeclaredBefore ? ReleasingGuard->getName() : StringRef()) << Access.Use.Site->getSourceRange() << Fixes;
    diag(Ctx.getSourceManager().getExpansionLoc(Access.ScopeExit->getLocation()),
         "%select{the scope-exit object|'%1'}0 is declared here", DiagnosticIDs::Note)
        << Named << Name;
    if (DeclaredBefore)
      diag(ReleasingGuard->getLocation(),
           "'%0' locks '%1' here and releases it before %select{the scope-exit object|'%3'}2 runs", DiagnosticIDs::Note)
          << ReleasingGuard->getName() << Mutex << Named << Name;
    else if (Released->At.isValid())
      diag(Released->At, "'%0' is released here", DiagnosticIDs::Note) << Mutex;
  }
}

SmallVector<FixItHint, 2> ScopeExitAfterUnlockCheck::moveAfterGuard(const VarDecl *ScopeExit, const VarDecl *Guard,
                                                                    const LockModel &Locks, ASTContext &Ctx) {
  // Both declared in one block, nothing between them that could leave the block or name the
  // scope-exit object: the declaration moves to just after the guard's.
  if (Moved.contains(ScopeExit) || ScopeExit->getBeginLoc().isMacroID() || Guard->getBeginLoc().isMacroID())
    return {};
  const auto *Function = dyn_cast_or_null<FunctionDecl>(ScopeExit->getParentFunctionOrMethod());
  if (!Function || !mayRewrite(Function))
    return {};
  const CompoundStmt *Block = firstNodeUnder<CompoundStmt>(
      Function->getBody(), [&](const CompoundStmt *S) { return declarationIndex(S, ScopeExit).has_value(); });
  if (!Block)
    return {};
  std::optional<unsigned> From = declarationIndex(Block, ScopeExit), To = declarationIndex(Block, Guard);
  if (!From || !To || *To <= *From)
    return {};
  bool Exceptions = Ctx.getLangOpts().CXXExceptions;
  for (unsigned I = *From + 1; I < *To; ++I)
    if (mayLeaveScope(Block->body_begin()[I], Locks, Exceptions) ||
        !referencesTo(Block->body_begin()[I], ScopeExit).empty())
      return {};
  const Stmt *Declaration = Block->body_begin()[*From];
  const Stmt *GuardDeclaration = Block->body_begin()[*To];
  if (sourceText(Declaration, Ctx).empty() || sourceText(GuardDeclaration, Ctx).empty())
    return {};
  // Whole lines move, with a trailing comment: the declaration must start its line and nothing
  // but a comment may follow it.
  const SourceManager &SM = Ctx.getSourceManager();
  auto [File, Begin] = SM.getDecomposedLoc(Declaration->getBeginLoc());
  StringRef Buffer = SM.getBufferData(File);
  size_t LineStart = Buffer.rfind('\n', Begin) + 1; // npos + 1 == 0 on the first line
  if (LineStart == 0 || !Buffer.slice(LineStart, Begin).trim(" \t").empty())
    return {};
  unsigned End = SM.getFileOffset(Lexer::getLocForEndOfToken(Declaration->getEndLoc(), 0, SM, Ctx.getLangOpts()));
  size_t LineEnd = Buffer.find('\n', End);
  StringRef Rest = Buffer.slice(End, LineEnd).trim(" \t");
  if (LineEnd == StringRef::npos || (!Rest.empty() && !Rest.starts_with("//")))
    return {};
  std::string Text = Buffer.slice(Begin, LineEnd).rtrim(" \t").str();
  std::string Indent(SM.getSpellingColumnNumber(GuardDeclaration->getBeginLoc()) - 1, ' ');
  SourceLocation AfterGuard = Lexer::getLocForEndOfToken(GuardDeclaration->getEndLoc(), 0, SM, Ctx.getLangOpts());
  SourceLocation FileStart = SM.getLocForStartOfFile(File);
  Moved.insert(ScopeExit);
  return {FixItHint::CreateRemoval(
              CharSourceRange::getCharRange(FileStart.getLocWithOffset(static_cast<int>(LineStart) - 1),
                                            FileStart.getLocWithOffset(static_cast<int>(LineEnd)))),
          FixItHint::CreateInsertion(AfterGuard, "\n" + Indent + Text)};
}

} // namespace mapguard
