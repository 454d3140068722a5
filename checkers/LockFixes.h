// The fix-its and pieces of fix-its more than one check uses: whether code may run under a lock it
// did not run under before, the removal of an unlock or lock statement, a scoped guard for a hand
// lock, and a guard declared at the start of a function or a callback's lambda.
#ifndef MAPGUARD_CHECKERS_LOCKFIXES_H
#define MAPGUARD_CHECKERS_LOCKFIXES_H

#include "analysis/GuardInference.h"
#include "model/LockModel.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/Stmt.h"
#include "clang/Basic/Diagnostic.h"
#include <optional>
#include <string>

namespace mapguard {

/// Whether \p S calls only library functions (declared in system headers) that take no lock and
/// do not block (sleep, wait for another thread, I/O on a descriptor), and constructs no guard:
/// code that cannot block on, or deadlock with, a lock held over it.
bool callsOnlyLockFreeLibrary(const clang::Stmt *S, const LockModel &Locks, const clang::SourceManager &SM);

/// The removal of \p Call written as a statement of its own (`lock.unlock();`), its `;` included,
/// and its whole line when nothing else is on it; none if a macro is involved.
std::optional<clang::FixItHint> removeCallStatement(const clang::Expr *Call, const clang::ASTContext &Ctx);

/// The scoped guard declaration that replaces a hand lock call (`mu.lock()` ->
/// `std::lock_guard<std::mutex> lock(mu);`), or "" when none does (`p->lock()`, pthreads).
std::string scopedGuardFor(const clang::CXXMemberCallExpr *Lock, const LockModel &Model, const clang::ASTContext &Ctx);

/// Whether a rewrite of \p Fn's body is safe: not a template, not in a macro.
bool mayRewrite(const clang::FunctionDecl *Fn);

/// A fix-it that declares a guard of \p Mutex (spelled \p MutexSpelling) as the first statement of
/// \p Body, named `lock` (or `guard` if the body uses `lock`); none if that cannot be done cleanly or
/// the body makes a library call that blocks (a join, a wait, a sleep), which the guard would span.
std::optional<clang::FixItHint> guardAtStart(const clang::CompoundStmt *Body, const clang::ValueDecl *Mutex,
                                             llvm::StringRef MutexSpelling, LockKind Kind,
                                             const clang::ASTContext &Ctx);

/// A fix-it that locks \p Guard at the start of the lambda \p Access runs in (a deferred or
/// scope-exit callable), if the lambda can name the mutex, takes no lock itself and calls no
/// function that does (the guard could deadlock), and is not in \p Locked (lambdas already given
/// one in this unit, to which it is added).
std::optional<clang::FixItHint> lockInsideLambda(const ContainerAccess &Access, const GuardInfo &Guard,
                                                 const ObjectPath &GuardPath, const GuardInference &Inference,
                                                 llvm::DenseSet<const clang::LambdaExpr *> &Locked,
                                                 const clang::ASTContext &Ctx);

} // namespace mapguard

#endif
