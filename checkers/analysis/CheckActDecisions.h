// What decides what in a function, for check-then-act: which reads are checks and which writes
// are acts, the conditions a read decides and the code that depends on them, keys and stored
// values, presence tests and memoised values. Shared by the pairs within one function
// (CheckActWithinFunction) and across calls (CheckActAcrossCalls); private to them.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CHECKACTDECISIONS_H
#define MAPGUARD_CHECKERS_ANALYSIS_CHECKACTDECISIONS_H

#include "analysis/GuardInference.h"
#include "clang/AST/ParentMap.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <utility>

namespace mapguard::check_act {
using clang::ArrayRef;
using clang::SmallVector;
using clang::StringRef;

/// An access judged by the check: made while the container is shared, not opted out, not under a
/// caller's lock by contract, not in a callable handed over or run at scope exit.
bool isJudged(const ContainerAccess &A);

/// erase, extract, remove, take, unsafe_erase.
bool removesKey(StringRef What);

/// An access that needs an element to be there: taking one from a queue or a sequence's end
/// (`pop_front`, `pop`, `dequeue`, `takeFirst`), or reading the one at an end (`front`, `back`,
/// `top`): on an empty container it is undefined behaviour (or throws).
bool requiresElement(StringRef What);

/// A write whose effect depends on what is in the container: it removes a key, or overwrites
/// a value. An insert or emplace that leaves an existing key alone is idempotent, not an act.
bool isAct(const ContainerAccess &W, const clang::ParentMap &Parents);

/// A read whose result can decide a write.
bool isCheck(const ContainerAccess &R, const clang::ParentMap &Parents);

/// A read that returns an element's value, not only whether a key is there.
bool readsValue(const ContainerAccess &R);

/// The key a container call takes: its first argument (after the object for operator[]).
const clang::Expr *keyOf(const ContainerUse &Use);

/// `m.erase(m.begin())`: erasing through an iterator needs the element to still be there.
bool erasesByIterator(const ContainerAccess &W);

/// Whether two keys are the same: the same variable, or the same text. Unknown (either missing)
/// counts as the same: a size() or empty() check is about the whole container.
bool sameKey(const clang::Expr *A, const clang::Expr *B, const clang::ASTContext &Ctx);

/// The conditions of one function, and its local variables with what initialises them.
struct Decisions {
  SmallVector<std::pair<const clang::Stmt *, const clang::Expr *>, 8> Conditions; // statement, condition
  SmallVector<std::pair<const clang::VarDecl *, const clang::Expr *>, 8>
      Locals; // variable, initialiser or assigned value
};

Decisions decisionsOf(const clang::FunctionDecl *Fn);

/// The locals whose value is computed from \p Site: initialised or assigned from it, and one
/// more step (`auto it = m.find(k); bool known = it != m.end();`).
SmallVector<const clang::VarDecl *, 2> valuesFrom(const clang::Expr *Site, const Decisions &D,
                                                  const clang::ParentMap &Parents);

/// Whether \p S names one of \p Vars.
bool referencesAny(const clang::Stmt *S, ArrayRef<const clang::VarDecl *> Vars);

/// The conditions whose value \p Site decides: those containing it, and those testing a local
/// computed from it.
SmallVector<const clang::Stmt *, 2> decidedBy(const clang::Expr *Site, const Decisions &D,
                                              const clang::ParentMap &Parents);

/// The value an act stores (`m[k] = v`, `m[k] += v`, `insert_or_assign(k, v)`), if any.
const clang::Expr *storedValue(const ContainerAccess &W, const clang::ParentMap &Parents);

/// Whether \p W replaces the value whatever it was: `m[k] = v` or `insert_or_assign`, not `m[k] += v`.
bool storesPlainly(const ContainerAccess &W, const clang::ParentMap &Parents);

/// Whether \p Act runs only on some outcomes of \p Decision: inside one of its branches, or after
/// an `if` one of whose branches leaves.
bool dependsOn(const clang::Expr *Act, const clang::Stmt *Decision, const clang::ParentMap &Parents,
               const clang::SourceManager &SM);

/// Whether \p Act runs only where \p Check found its key absent, by an `if` that tests the check
/// or a local initialised from it (`bool known = m.count(k) != 0; ... if (known) return;`).
bool actsWhereAbsent(const clang::Expr *Act, const clang::Expr *Check, const Decisions &D,
                     const clang::ParentMap &Parents, const clang::SourceManager &SM);

/// Whether \p Value, stored by an act that runs where the key was absent, is a memoised result:
/// computed from the key (\p Key) and what does not change per call (`r = compute(k); cache[k] =
/// r;`), so two threads that both miss store equal values and the act is idempotent. Not when it
/// changes state as it is computed (`next_id_++`), takes another argument of the function (two
/// callers may store different values: the first believes its value is in), or makes a new object
/// whose identity callers keep (`new`, `make_shared`, `make_unique`). Locals are followed to what
/// initialises or assigns them.
bool memoisedValue(const clang::Expr *Value, const clang::Expr *Key, const Decisions &D, unsigned Depth = 0);

/// Whether the act's operands use a value pointing into the container (`m.erase(it)` with a
/// stale iterator): mapguard-escaping-reference reports that use.
bool usesAlias(const ContainerAccess &W, const ContainerAliases *Aliases);

} // namespace mapguard::check_act

#endif
