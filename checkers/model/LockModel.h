// Which types are mutexes and lock guards, and what a call or declaration does to a lock. Names are
// configurable (check options, also settable once for all checks as global options); the defaults
// cover the standard library, pthreads, abseil, Boost and Qt. The lock-state engine interprets
// these events over a CFG; the model itself holds no flow state. Types and functions carrying
// Clang's thread-safety attributes (capability, scoped_lockable, acquire/release_capability) are
// mutexes, guards and lock functions whatever their names. A project's own wrappers are read from
// their bodies (LockModelWrappers.cpp): a model lives for one translation unit, as a check does.
#ifndef MAPGUARD_CHECKERS_MODEL_LOCKMODEL_H
#define MAPGUARD_CHECKERS_MODEL_LOCKMODEL_H

#include "model/NameList.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mapguard {

enum class LockKind { Exclusive, Shared };

struct FunctionFacts; // model/ProjectFacts.h

/// How a guard object's constructor treats its mutex (`std::defer_lock` and friends).
enum class GuardStart { Locks, Defers, TriesToLock, Adopts };

/// What a call does to a mutex it names (directly, or through a guard object).
enum class LockAction {
  Lock,     // lock(), lock_shared(), pthread_mutex_lock(&m), guard.lock()
  TryLock,  // held only on the branch where the result says so
  Unlock,   // unlock(), unlock_shared(), guard.unlock()
  Disown,   // unique_lock::release(): still locked, no longer unlocked by the guard
  OwnsLock, // guard.owns_lock() / `if (guard)`: tells a deferred or tried guard's state
  Assert,   // mu.AssertHeld(), assert_capability: the caller holds it, from here on
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
  std::string AssertHeldFunctions;

  static LockModelOptions defaults();
};

class LockModel {
public:
  explicit LockModel(const LockModelOptions &Options);

  /// \p Where, when given, is the declaration whose type \p T is (a member, a variable): a type
  /// that is a template parameter is a mutex when its default argument is one
  /// (`template <class Mutex = std::mutex>`), and \p Where finds the parameter's declaration.
  bool isMutex(clang::QualType T, const clang::Decl *Where = nullptr) const;
  /// How \p T is known as a mutex: "options" (a name of the Mutexes list), "attributes" (Clang's
  /// capability attribute), "base" (a public mutex base), "members" (its member functions, read,
  /// or its lock()/unlock() interface: LockModelWrappers.cpp), "project index" (its member functions,
  /// read in another unit); none when it is not one.
  std::optional<llvm::StringRef> mutexEvidence(clang::QualType T, const clang::Decl *Where = nullptr) const;
  /// Whether the object of a member call (`mu.lock()`, `mu_->unlock()`) is a mutex: by its type or
  /// the type it points to, also through the conversion to the base class whose method the call
  /// reaches (Qt 6's `QMutex::lock` is `QBasicMutex::lock`, declared in a system header).
  bool isMutexObject(const clang::Expr *Object) const;
  /// Whether \p T is a mutex with a reader (shared) mode: one of its member functions locks it
  /// shared (`lock_shared`, `ReaderLock`, `lockForRead`, an annotated acquire_shared), or a C
  /// reader-writer lock (`pthread_rwlock_t`).
  bool isReaderWriterMutex(clang::QualType T, const clang::Decl *Where = nullptr) const;
  /// The kind of lock a guard type takes, if the type is a configured guard.
  std::optional<LockKind> guardKind(clang::QualType T) const;
  /// The kind a guard construction takes when its constructor chooses by a flag it is given
  /// (Poco's `RWLock::ScopedLock lock(rw, true)`: `if (write) writeLock(); else readLock();`) and
  /// the argument, or its default, is a constant; none otherwise.
  std::optional<LockKind> kindChosenBy(const clang::CXXConstructExpr *Construct) const;
  /// Guard names as configured, e.g. "std::shared_lock" for a std::shared_lock<std::shared_mutex>.
  std::optional<llvm::StringRef> guardName(clang::QualType T) const;

  /// The lock function role of a function or method name, and the kind it takes.
  struct Role {
    LockAction Action;
    LockKind Kind;
    bool SuccessIsZero = false; // pthread_*trylock returns 0 when it took the lock
  };
  /// By the function's thread-safety attributes (acquire_capability, release_capability,
  /// try_acquire_capability and their older spellings), else by its name.
  std::optional<Role> roleOf(const clang::FunctionDecl *Function) const;
  std::optional<Role> roleOfName(llvm::StringRef FunctionName) const;
  /// The mutexes a thread-safety attribute names on a lock function (`void lockAll() ACQUIRE(mu_)`),
  /// in the callee's terms; empty when it names none (the function locks its own object).
  static llvm::SmallVector<const clang::Expr *, 2> annotatedMutexes(const clang::FunctionDecl *Function);

  /// The declaration of a scoped guard taking \p Kind of a mutex of type \p MutexType spelled
  /// \p MutexText, for fix-its: `std::lock_guard<std::mutex> lock(mu_);`, `std::unique_lock` /
  /// `std::shared_lock` for the shared mutexes, `absl::MutexLock lock(&mu_);`. A mutex without a
  /// shared mode is locked exclusively. Empty when the type has no well-known guard.
  /// Whether \p Call may throw: not noexcept, not C, not a builtin, not a lock operation.
  bool mayThrow(const clang::CallExpr *Call) const;
  static std::string guardDeclaration(clang::QualType MutexType, llvm::StringRef MutexText, LockKind Kind,
                                      llvm::StringRef GuardName);

  /// How a guard construction starts, from its tag arguments.
  static GuardStart guardStart(llvm::ArrayRef<const clang::Expr *> Args);

  /// A guard variable's construction: the lock it takes, how it starts, and its mutex operands.
  /// Also in a template's definition, where the guard's type or its mutex depends on the template's
  /// parameters (`std::lock_guard<Mutex> lock(mu_)`) and the construction is not resolved yet:
  /// there an argument of dependent type is taken for a mutex (the guard's contract).
  struct GuardConstruction {
    LockKind Kind;
    GuardStart Start;
    llvm::SmallVector<const clang::Expr *, 2> Mutexes;
  };
  std::optional<GuardConstruction> guardConstruction(const clang::VarDecl *Var) const;

  /// The lock role of a call: by its callee; for a member call a template's definition leaves
  /// unresolved, by its name when its object is a mutex (`mu_.lock()` on a `Mutex mu_` whose
  /// template parameter defaults to a mutex).
  std::optional<Role> roleOfCall(const clang::CallExpr *Call) const;
  /// The mutex operands of a guard construction or lock function call (pointers are operands too).
  llvm::SmallVector<const clang::Expr *, 2> mutexOperands(llvm::ArrayRef<const clang::Expr *> Args) const;

  /// What a member function's body does to locks, for the units that cannot read it (the project
  /// index): a lock class's method leaves a lock of its object taken or released (Effect); a
  /// guard's constructor locks the mutex it is given (GuardLocks); its destructor unlocks a member.
  struct BodyLockFacts {
    std::optional<Role> Effect;
    std::optional<LockKind> GuardLocks;
  };
  BodyLockFacts bodyLockFacts(const clang::CXXMethodDecl *Method) const;

  /// The mutex member a lock class's lock functions lock, when it is one of its own and the class
  /// is also the object its lock protects - it keeps iterable state beside it (gflags' and
  /// abseil's flag registries: `void Lock() { lock_.Lock(); }` beside the maps it guards). A lock of
  /// such an object is a lock of that member. Null for a wrapper (a handle, flags, a name), and for
  /// a class whose lock functions lock a base, a member's member, or two members.
  const clang::FieldDecl *ownLockMember(const clang::CXXRecordDecl *Record) const;

private:
  struct LockCall;
  enum class Inferred : unsigned char { Pending, None, Mutex };
  llvm::SmallVector<LockCall, 4> lockCallsIn(const clang::Stmt *Body) const;
  llvm::SmallVector<LockCall, 4> lockCallsWithOwnMethods(const clang::FunctionDecl *Def) const;
  /// Per member of `*this` (null: the object itself), the locks and unlocks \p Fn's body takes,
  /// and the kind of its last lock; Read is false when the body is not visible.
  struct MemberLockTally {
    bool Read = false;
    LockKind Kind = LockKind::Exclusive;
    llvm::SmallDenseMap<const clang::FieldDecl *, std::pair<unsigned, unsigned>, 2> Counts;
  };
  MemberLockTally memberLockTally(const clang::FunctionDecl *Fn) const;
  std::optional<Role> netEffectOnMembers(const clang::FunctionDecl *Fn) const;
  bool isInferredMutex(const clang::CXXRecordDecl *Record) const;
  static bool isBasicLockable(const clang::CXXRecordDecl *Record);
  std::optional<LockKind> inferredGuardKind(const clang::CXXRecordDecl *Record) const;
  std::optional<LockKind> derivedGuardKind(const clang::CXXRecordDecl *Record) const;
  std::optional<Role> inferredRole(const clang::FunctionDecl *Function) const;
  bool destructorUnlocksMember(const clang::CXXDestructorDecl *Dtor) const;
  std::optional<LockKind> constructorLocksParameter(const clang::CXXConstructorDecl *Ctor) const;
  /// The project index's facts of a user function this unit cannot read (noted as asked for).
  const FunctionFacts *factsOfUnseen(const clang::FunctionDecl *Function) const;
  /// Whether, by the index, some unseen method of \p Record locks it, and some unlocks it.
  std::pair<bool, bool> unseenLockEffects(const clang::CXXRecordDecl *Record) const;

  mutable llvm::DenseMap<const clang::CXXRecordDecl *, Inferred> InferredRecords;
  mutable llvm::DenseMap<const clang::CXXRecordDecl *, bool> ReaderWriterRecords;
  mutable llvm::DenseMap<const clang::CXXRecordDecl *, std::optional<LockKind>> InferredGuards;
  mutable llvm::DenseMap<const clang::FunctionDecl *, std::optional<Role>> InferredRoles;
  mutable llvm::DenseMap<const clang::CXXRecordDecl *, const clang::FieldDecl *> OwnLockMembers;
  NameList Mutexes, ExclusiveGuards, SharedGuards, LockFunctions, SharedLockFunctions, UnlockFunctions,
      TryLockFunctions, SharedTryLockFunctions, AssertHeldFunctions;
};

} // namespace mapguard

#endif
