// Decisions taken under one critical section and acted on under another: a read of a guarded
// container (find, count, contains, at, empty, size) whose result decides a write of the same
// container (erase, an assigning operator[], insert_or_assign) made after the guard was released
// and taken again, or made under the guard after a read that held no lock; a value read under the
// guard and its key erased under a later lock; and the same across calls, a query member function
// that locks internally deciding a call of a member function that writes under the same mutex.
// Computed from GuardInference's accesses and the lock-state engine's releases (pairs within a
// function: CheckActWithinFunction; across calls: CheckActAcrossCalls); shared by
// mapguard-check-then-act (which reports) and mapguard-unguarded-access (which leaves the
// unlocked check of such a pair to it).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CHECKACTPAIRS_H
#define MAPGUARD_CHECKERS_ANALYSIS_CHECKACTPAIRS_H

#include "analysis/GuardInference.h"
#include <vector>

namespace mapguard {

enum class CheckThenActForm {
  TwoSections,   // the check under the guard, released, the act under the guard again
  UnlockedCheck, // the check with no lock, the act under the guard, no second check
  GetThenErase,  // a value read under the guard, released, its key erased under the guard again
  LostUpdate,    // a value read under the guard, released, a value computed from it stored again
  AcrossCalls,   // a locking query member function deciding a locking writing one
};

struct CheckThenActPair {
  CheckThenActForm Form;
  const clang::Expr *Check = nullptr;       // the read (or the query call)
  const clang::Expr *CheckRegion = nullptr; // the condition or initialiser the check is part of
  const clang::Expr *Act = nullptr;         // the write (or the writing call)
  const ContainerAccess *Read = nullptr;    // null across calls
  const ContainerAccess *Write = nullptr;   // across calls: the write inside the writing function
  ObjectPath Mutex = ObjectPath::thisObject();
  std::string Container;                  // its spelling
  std::string ActName;                    // "erase", "operator[]", or the writing member function
  std::string CheckName;                  // "count", or the query member function
  clang::SourceLocation ReleasedAt;       // between the two, if known
  bool ActsWhereAbsent = false;           // the act runs only where the check found the key absent
  const clang::Stmt *Release = nullptr;   // the statement that released the guard in between, if one
  const clang::Stmt *Reacquire = nullptr; // the statement that took it again for the act, if one
};

/// Every check-then-act pair of the translation unit, one per act.
std::vector<CheckThenActPair> findCheckThenAct(GuardInference &Inference, clang::ASTContext &Ctx);

/// Whether the write \p W (`m[k] = v`, `insert_or_assign`) runs only where a lookup of the same key
/// in the same critical section (`find`, `count`, `contains`) found the key absent: an insert, not
/// an overwrite (a grow-only cache).
bool insertsWhereAbsent(const ContainerAccess &W, GuardInference &Inference, clang::ASTContext &Ctx);

} // namespace mapguard

#endif
