// Explicit iterator loops and what a statement does to an iterator variable: shared by the
// erase check's iterator-loop rules and the value tracking of ContainerOpFinder.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_ITERATORLOOPS_H
#define MAPGUARD_CHECKERS_ANALYSIS_ITERATORLOOPS_H

#include "analysis/FunctionCfg.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Stmt.h"
#include <optional>

namespace mapguard {

/// `for (auto it = c.begin(); it != c.end(); ++it)`, `while (it != c.end())`, `do ... while`,
/// also with `end()` kept in a variable and the comparison inside `&&`.
struct IteratorLoop {
  const clang::Stmt *Loop = nullptr; // a ForStmt, WhileStmt or DoStmt
  const clang::Stmt *Body = nullptr;
  const clang::VarDecl *Iter = nullptr;   // the local iterator compared with end()
  const clang::Expr *Container = nullptr; // the object whose end() it is compared with
  bool JavaStyle = false;                 // `while (i.hasNext())` with a mutable Java-style iterator
};
std::optional<IteratorLoop> iteratorLoopOf(const clang::Stmt *Loop);

/// The variable whose pointee \p E reads (`it->`, `*it`, `it.key()`, `it.value()`), if any.
const clang::VarDecl *dereferencedVariable(const clang::Expr *E);

/// Whether \p S moves \p Var (`++it`, `it++`, `--it`, `it = ...`, `it += n`, `std::advance(it, n)`).
bool modifiesVariable(const clang::Stmt *S, const clang::VarDecl *Var);

/// The first use of \p Iter on some path after \p S (an increment, a dereference, a comparison)
/// before it gets a new value; null if every path reassigns it, ends its scope or leaves.
const clang::Stmt *firstUseAfter(const FunctionCfg &Cfg, const clang::Stmt *S, const clang::VarDecl *Iter);
/// The same for any of \p Decls (a reference and the bindings of a structured binding).
const clang::Stmt *firstUseAfter(const FunctionCfg &Cfg, const clang::Stmt *S,
                                 llvm::ArrayRef<const clang::ValueDecl *> Decls);
/// Whether every path after \p S uses \p Iter before it gets a new value, its scope ends or the
/// function returns: a use that no branch avoids (the loop's own `++it` or `it != end()` after an
/// erase in its body), as opposed to one on some path only.
bool usedOnEveryPathAfter(const FunctionCfg &Cfg, const clang::Stmt *S, const clang::VarDecl *Iter);

/// `it = c.erase(it)` (\p Reassignment, the assignment) in a `for` loop whose increment advances
/// `it` again (`for (...; ...; ++it)`): the increment, when a path from the reassignment reaches it
/// before `it` gets another value (the element after the erased one is then skipped, and erasing
/// the last one steps past end()); \p Loop is set to the loop. In a loop with no such header
/// increment (a `while`, a `for` that advances in its body): a `++it` of the body that a path
/// reaches before the loop's condition and before another value (\p Loop stays null). Null
/// otherwise.
const clang::Expr *advancedAgainAfter(const FunctionCfg &Cfg, const clang::Stmt *Reassignment,
                                      const clang::VarDecl *Iter, const clang::ForStmt *&Loop);

/// The statement in \p Root that declares \p D.
const clang::DeclStmt *declStmtOf(const clang::Stmt *Root, const clang::Decl *D);

/// Whether the erase call's first parameter is an iterator (`erase(it)`, `erase(first, last)`).
bool takesIterator(const clang::CallExpr *Erase);

/// Whether \p Site still acts on the element \p Loop's iterator points to: it reads it through the
/// iterator itself, or through a local taken from it with no path that advances the iterator in
/// between (`auto k = it->first; ++it; m.erase(k);` erases the previous element: correct).
bool actsOnCurrentElement(const clang::CallExpr *Site, const IteratorLoop &Loop, const FunctionCfg &Cfg);

/// `c.erase(it)` with a local iterator variable (also unresolved, in a template's definition):
/// the erased iterator, or null.
const clang::VarDecl *erasedIteratorVariable(const clang::CallExpr *Call);

/// In a template's definition, `auto it = c.begin()` (or `find`, `lower_bound`, ...) on an
/// object of dependent type: that object, or null.
const clang::Expr *dependentIteratorSource(const clang::VarDecl *Iter);

/// `m.erase(it->first)` / `s.erase(*it)`: the key of the element \p Iter points to, exactly.
bool isKeyOfIterator(const clang::Expr *Arg, const clang::VarDecl *Iter, bool IsSet);

} // namespace mapguard

#endif
