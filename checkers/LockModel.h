// Which types are mutexes and lock guards, and what a call or declaration does to a lock. Names are
// configurable (check options, also settable once for all checks as global options); the defaults
// cover the standard library, pthreads, abseil, Boost and Qt. The lock-state engine interprets
// these events over a CFG; the model itself holds no flow state.
#ifndef MAPGUARD_CHECKERS_LOCKMODEL_H
#define MAPGUARD_CHECKERS_LOCKMODEL_H

#include "NameList.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mapguard {

enum class LockKind { Exclusive, Shared };

/// How a guard object's constructor treats its mutex (`std::defer_lock` and friends).
enum class GuardStart { Locks, Defers, TriesToLock, Adopts };

/// What a call does to a mutex it names (directly, or through a guard object).
enum class LockAction {
  Lock,      // lock(), lock_shared(), pthread_mutex_lock(&m), guard.lock()
  TryLock,   // held only on the branch where the result says so
  Unlock,    // unlock(), unlock_shared(), guard.unlock()
  Disown,    // unique_lock::release(): still locked, no longer unlocked by the guard
  OwnsLock,  // guard.owns_lock() / `if (guard)`: tells a deferred or tried guard's state
};

struct LockModelOptions {
  std::string Mutexes;
  std::string ExclusiveGuards;
  std::string SharedGuards;
  std::string LockFunctions;
  std::string SharedLockFunctions;
  std::string UnlockFunctions;
  std::string TryLockFunctions;
  std::string SharedTryLockFunctions;

  static LockModelOptions defaults();
};

class LockModel {
public:
  explicit LockModel(const LockModelOptions &Options);

  bool isMutex(clang::QualType T) const;
  /// The kind of lock a guard type takes, if the type is a configured guard.
  std::optional<LockKind> guardKind(clang::QualType T) const;
  /// Guard names as configured, e.g. "std::shared_lock" for a std::shared_lock<std::shared_mutex>.
  std::optional<llvm::StringRef> guardName(clang::QualType T) const;

  /// The lock function role of a function or method name, and the kind it takes.
  struct Role {
    LockAction Action;
    LockKind Kind;
    bool SuccessIsZero = false; // pthread_*trylock returns 0 when it took the lock
  };
  std::optional<Role> roleOf(llvm::StringRef FunctionName) const;

  /// How a guard construction starts, from its tag arguments.
  static GuardStart guardStart(const clang::CXXConstructExpr *Construct);
  /// The mutex operands of a guard construction or lock function call (pointers are operands too).
  llvm::SmallVector<const clang::Expr *, 2> mutexOperands(llvm::ArrayRef<const clang::Expr *> Args) const;

private:
  NameList Mutexes, ExclusiveGuards, SharedGuards, LockFunctions, SharedLockFunctions, UnlockFunctions,
      TryLockFunctions, SharedTryLockFunctions;
};

} // namespace mapguard

#endif
