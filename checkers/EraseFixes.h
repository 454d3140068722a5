// Fix-its for mapguard-erase-during-iteration, offered only where the rewrite is certainly
// equivalent to the intended loop and compiles.
#ifndef MAPGUARD_CHECKERS_ERASEFIXES_H
#define MAPGUARD_CHECKERS_ERASEFIXES_H

#include "analysis/ObjectPath.h"
#include "model/ContainerModel.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Diagnostic.h"
#include <optional>
#include <vector>

namespace mapguard {

/// `for (auto& [k, v] : C) if (cond) C.erase(k);` -> `std::erase_if(C, ...)` (C++20 std containers),
/// `absl::erase_if(C, ...)` (absl), or an iterator loop with `it = C.erase(it)` (std before C++20).
std::optional<clang::FixItHint> rangeForEraseIfFix(const clang::CXXForRangeStmt *Loop, const clang::CallExpr *Erase,
                                                   const ContainerTraits &Traits, const ObjectPath &Container,
                                                   ObjectPathResolver &Resolver, clang::ASTContext &Ctx);

/// `for (...; ...; ++it) { ...; if (cond) C.erase(it); }` -> `it = C.erase(it)` (or `C.erase(it++)`
/// where erase returns void), with the increment moved into an `else` branch. With \p ReplaceKey,
/// the erase is by the current element's key (`C.erase(it->first)`, unique keys): it becomes
/// `it = C.erase(it)`.
std::optional<std::vector<clang::FixItHint>>
iteratorLoopEraseFix(const clang::CXXMemberCallExpr *Erase, const clang::VarDecl *Iter, const clang::Stmt *FirstUse,
                     const clang::ParentMap &Parents, clang::ASTContext &Ctx, bool ReplaceKey = false);

/// `for (...; ...; ++it) { ...; if (cond) it = C.erase(it); }` -> the increment moved into an
/// `else` branch, so that the loop advances only when nothing was erased.
std::optional<std::vector<clang::FixItHint>> doubleAdvanceFix(const clang::Expr *Reassignment,
                                                              const clang::VarDecl *Iter,
                                                              const clang::ParentMap &Parents, clang::ASTContext &Ctx);

} // namespace mapguard

#endif
