// The fix-its of mapguard-escaping-reference: return a copy instead of a const reference, copy an
// element into a local while the lock is held instead of binding a const reference to it, and keep
// a unique_lock held until its scope ends instead of unlocking it before the last use.
#ifndef MAPGUARD_CHECKERS_ESCAPINGREFERENCEFIXES_H
#define MAPGUARD_CHECKERS_ESCAPINGREFERENCEFIXES_H

#include "model/LockModel.h"
#include "clang/AST/Decl.h"
#include "clang/AST/ParentMap.h"
#include "clang/Basic/Diagnostic.h"
#include <optional>
#include <vector>

namespace mapguard {

/// Returning by value instead of by const reference, at every declaration of \p Fn: when the type
/// is copyable and no override or template depends on the signature. Empty if not offered.
std::vector<clang::FixItHint> returnByValue(const clang::FunctionDecl *Fn, const clang::ASTContext &Ctx);

/// Copying before the release: `const T &v = m.at(k);` becomes `const T v = m.at(k);`, so the
/// copy is taken while the lock is held and later uses read the copy. Offered for a local const
/// reference to an element when T is copyable and the `&` is written in the declaration.
std::optional<clang::FixItHint> copyBeforeReleaseFix(const clang::ValueDecl *Var, const clang::ASTContext &Ctx);

/// Removing `guard.unlock();` keeps the lock until the guard's scope ends: offered when the guard
/// is a unique_lock named nowhere else (never locked again), the unlock is a statement of the
/// guard's own block, and what follows it there calls only library functions that take no lock.
std::optional<clang::FixItHint> keepLockFix(const clang::VarDecl *Guard, const clang::FunctionDecl *Fn,
                                            const clang::ParentMap &Parents, const LockModel &Locks,
                                            const clang::ASTContext &Ctx);

} // namespace mapguard

#endif
