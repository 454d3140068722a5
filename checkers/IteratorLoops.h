// Explicit iterator loops and what a statement does to an iterator variable: shared by the
// erase check's iterator-loop rules and the value tracking of ContainerOpFinder.
#ifndef MAPGUARD_CHECKERS_ITERATORLOOPS_H
#define MAPGUARD_CHECKERS_ITERATORLOOPS_H

#include "clang/AST/Expr.h"
#include "clang/AST/Stmt.h"
#include <optional>

namespace mapguard {

/// `for (auto it = c.begin(); it != c.end(); ++it)`, `while (it != c.end())`, `do ... while`,
/// also with `end()` kept in a variable and the comparison inside `&&`.
struct IteratorLoop {
  const clang::Stmt *Loop = nullptr;      // a ForStmt, WhileStmt or DoStmt
  const clang::Stmt *Body = nullptr;
  const clang::VarDecl *Iter = nullptr;   // the local iterator compared with end()
  const clang::Expr *Container = nullptr; // the object whose end() it is compared with
};
std::optional<IteratorLoop> iteratorLoopOf(const clang::Stmt *Loop);

/// The variable whose pointee \p E reads (`it->`, `*it`, `it.key()`, `it.value()`), if any.
const clang::VarDecl *dereferencedVariable(const clang::Expr *E);

/// Whether \p S moves \p Var (`++it`, `it++`, `--it`, `it = ...`, `it += n`, `std::advance(it, n)`).
bool modifiesVariable(const clang::Stmt *S, const clang::VarDecl *Var);

} // namespace mapguard

#endif
