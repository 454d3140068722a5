// The lock-state engine: which mutexes are held before each element of a function's CFG, and how.
// Modelled on Clang's thread safety analysis: a small fact set per block, intersected where paths
// join, iterated over loops to a fixpoint; a guard's lock ends at its implicit destructor; a try-lock
// holds only on the branch that tested its result. The engine reports to a handler and formats no
// text; every lock-aware check builds on it.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_LOCKSTATE_H
#define MAPGUARD_CHECKERS_ANALYSIS_LOCKSTATE_H

#include "analysis/FunctionCfg.h"
#include "analysis/ObjectPath.h"
#include "model/LockModel.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace mapguard {

struct HeldLock {
  ObjectPath Mutex = ObjectPath::thisObject();
  LockKind Kind = LockKind::Exclusive;
  const clang::VarDecl *Guard = nullptr;   // the guard whose destructor unlocks it; null: by hand
  const clang::Stmt *AcquiredAt = nullptr; // null: held on entry (annotation, every caller)
  /// The same lock by the member the object's lock functions lock, when the object is a lock class
  /// that guards its own state (`registry.lock_` for a lock of `registry`: LockModel::ownLockMember).
  std::optional<ObjectPath> AlsoNamed;
  bool names(const ObjectPath &Path) const { return Mutex == Path || (AlsoNamed && *AlsoNamed == Path); }
};

struct ReleasedLock {
  ObjectPath Mutex = ObjectPath::thisObject();
  clang::SourceLocation At;                // the unlock() call, or the end of the guard's scope
  const clang::VarDecl *ByGuard = nullptr; // the guard whose destructor released it
  std::optional<ObjectPath> AlsoNamed;     // as HeldLock's
  bool names(const ObjectPath &Path) const { return Mutex == Path || (AlsoNamed && *AlsoNamed == Path); }
};

/// The locks held at one program point, and the locks released on some path before it.
class LockSet {
public:
  const HeldLock *find(const ObjectPath &Mutex) const;
  llvm::ArrayRef<HeldLock> held() const { return Held; }
  bool empty() const { return Held.empty(); }
  /// Where \p Mutex was last released on some path reaching this point, if it was.
  const ReleasedLock *released(const ObjectPath &Mutex) const;

  /// Takes a lock. A mutex its guard gave up by hand (`mu.unlock()` under a guard, then
  /// `mu.lock()`) goes back to that guard, which unlocks it at scope end as before.
  void acquire(const HeldLock &Lock);
  void release(const ObjectPath &Mutex, clang::SourceLocation At, const clang::VarDecl *ByGuard = nullptr);
  /// A lock that was not taken after all (a lock call that reported failure): no release point.
  void forget(const ObjectPath &Mutex);
  void releaseGuard(const clang::VarDecl *Guard, clang::SourceLocation At);
  void disown(const clang::VarDecl *Guard);

  /// Locks held on both sides (shared if either side holds it shared); releases from either.
  static LockSet meet(const LockSet &A, const LockSet &B);
  bool operator==(const LockSet &O) const;
  bool operator!=(const LockSet &O) const { return !(*this == O); }

private:
  llvm::SmallVector<HeldLock, 4> Held;
  llvm::SmallVector<ReleasedLock, 2> Released;
  llvm::SmallVector<std::pair<ObjectPath, const clang::VarDecl *>, 1> Suspended; // unlocked under a live guard
};

class LockStateHandler {
public:
  virtual ~LockStateHandler();
  /// Every reachable CFG element once, in block order, with the locks held just before it.
  virtual void element(const clang::CFGElement &Element, const LockSet &Before);
  /// A lock taken by hand that is held on the path from \p HoldingPred into \p Join but not on
  /// another path into it: an unlock that some path (return, break, throw) skips.
  virtual void heldOnSomePaths(const HeldLock &Lock, const clang::CFGBlock &Join, const clang::CFGBlock &HoldingPred);
  /// \p Lock, held before element \p At, is not held after it (an unlock, a guard's destructor):
  /// the end of a critical section, for checks that ask what happened between two of them.
  virtual void released(const HeldLock &Lock, CFGPoint At);
};

class LockStateAnalysis {
public:
  LockStateAnalysis(const LockModel &Model, ObjectPathResolver &Resolver) : Model(Model), Resolver(Resolver) {}

  /// Computes the lock state of \p Cfg starting with \p Entry held, then replays it to \p Handler.
  void run(const FunctionCfg &Cfg, const LockSet &Entry, LockStateHandler &Handler);

  /// The locks a function holds on entry by its annotations (requires_capability and its spellings).
  LockSet annotatedEntry(const clang::FunctionDecl *Fn);

  /// Whether \p S takes a lock (a guard declaration or a lock call): "this function locks".
  bool acquiresLock(const clang::Stmt *S);

private:
  /// A mutex a lock operation names, and the member it also is (HeldLock::AlsoNamed).
  struct LockOperand {
    ObjectPath Path;
    std::optional<ObjectPath> AlsoNamed;
  };
  struct GuardBinding {
    llvm::SmallVector<LockOperand, 2> Mutexes;
    LockKind Kind;
  };
  void transfer(const clang::CFGElement &Element, LockSet &State);
  void transferDecl(const clang::VarDecl *Var, const clang::Stmt *Site, LockSet &State);
  void transferCall(const clang::CallExpr *Call, LockSet &State);
  void applyBranch(const clang::CFGBlock &Pred, const clang::CFGBlock &Succ, LockSet &State);
  llvm::SmallVector<LockOperand, 2> mutexPaths(llvm::ArrayRef<const clang::Expr *> Args);
  llvm::SmallVector<LockOperand, 2> operandPaths(llvm::ArrayRef<const clang::Expr *> Operands);
  /// \p Object, the lock operand \p Operand names, with the member it also is.
  LockOperand lockOperand(const ObjectPath &Object, const clang::Expr *Operand) const;
  llvm::SmallVector<ObjectPath, 2> annotatedPaths(const clang::CallExpr *Call,
                                                  llvm::ArrayRef<const clang::Expr *> Named);
  const GuardBinding *bindingOf(const clang::Expr *GuardExpr, const clang::VarDecl *&Guard);

  const LockModel &Model;
  ObjectPathResolver &Resolver;
  llvm::DenseMap<const clang::VarDecl *, GuardBinding> Guards;
};

} // namespace mapguard

#endif
