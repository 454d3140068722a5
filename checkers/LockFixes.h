// Shared pieces of the fix-its that move a lock's release: whether code may run under a lock it
// did not run under before, and the removal of an unlock or lock statement.
#ifndef MAPGUARD_CHECKERS_LOCKFIXES_H
#define MAPGUARD_CHECKERS_LOCKFIXES_H

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

} // namespace mapguard

#endif
