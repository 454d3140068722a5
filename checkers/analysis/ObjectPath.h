// Canonical identity of an object named in source: a root (a variable or `*this`) followed by
// field accesses and dereferences. Two expressions with equal paths denote the same object in
// one function activation. Shared by every check that asks "is this the same container/mutex?".
#ifndef MAPGUARD_CHECKERS_ANALYSIS_OBJECTPATH_H
#define MAPGUARD_CHECKERS_ANALYSIS_OBJECTPATH_H

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace mapguard {

class ObjectPath {
public:
  /// One step from the root: a field access, a dereference of a pointer-like value (null field), or
  /// an element of an array or container (`shards_[i]`). Elements are not told apart by their
  /// index: a lock on `shards_[i].mu` holds the guard of `shards_[j].items` (a lock striped by
  /// the same index is the protocol; the index is not followed).
  struct Step {
    const clang::FieldDecl *Field = nullptr;
    bool Element = false;
    bool isDeref() const { return !Field && !Element; }
    bool operator==(const Step &O) const { return Field == O.Field && Element == O.Element; }
  };

  static ObjectPath thisObject() { return ObjectPath(nullptr); }
  static ObjectPath variable(const clang::ValueDecl *Var) { return ObjectPath(Var); }

  bool isRootedAtThis() const { return Root == nullptr; }
  const clang::ValueDecl *rootVariable() const { return Root; }
  llvm::ArrayRef<Step> steps() const { return Steps; }

  ObjectPath withField(const clang::FieldDecl *F) const;
  ObjectPath withDeref() const;
  ObjectPath withElement() const;
  /// This path with its root replaced by \p NewRoot (e.g. `this` of a callee -> the caller's object).
  ObjectPath rebased(const ObjectPath &NewRoot, size_t DropLeadingSteps = 0) const;

  /// Whether \p Prefix is this path or a leading part of it (same root, leading steps).
  bool hasPrefix(const ObjectPath &Prefix) const;
  /// This path without its last step (the object a field belongs to); itself if it has none.
  ObjectPath withoutLastStep() const;
  /// The field named by the last step, if it is a field access.
  const clang::FieldDecl *lastField() const { return Steps.empty() ? nullptr : Steps.back().Field; }

  /// Source-like spelling for messages: "sessions_", "cache.map_", "*p".
  std::string spelling() const;

  bool operator==(const ObjectPath &O) const { return Root == O.Root && Steps == O.Steps; }
  bool operator!=(const ObjectPath &O) const { return !(*this == O); }

private:
  explicit ObjectPath(const clang::ValueDecl *Root) : Root(Root) {}
  const clang::ValueDecl *Root; // null: `*this`
  llvm::SmallVector<Step, 2> Steps;
};

/// The expression a function returns when its body only declares function-local statics and returns
/// one of them or what it points to: a Meyers singleton or a lazily created global
/// (`Map &cache() { static Map m; return m; }`), read from its body. Null for other functions and for
/// non-static member functions.
const clang::Expr *staticReturnedBy(const clang::FunctionDecl *F);

/// Computes paths for expressions, seeing through references and never-reassigned pointers that
/// were initialised from a named object (`auto &r = m;`, `auto *p = &m;`).
class ObjectPathResolver {
public:
  explicit ObjectPathResolver(clang::ASTContext &Ctx) : Ctx(Ctx) {}

  /// Path of the object a glvalue expression designates, if it has a stable name.
  std::optional<ObjectPath> objectOf(const clang::Expr *E);
  /// Path of the object a pointer (or smart pointer) expression points to.
  std::optional<ObjectPath> pointeeOf(const clang::Expr *E);
  /// The object \p E points to if it is a pointer, else the object it names: how lock functions and
  /// annotations name a mutex (`pthread_mutex_lock(&m)`, `MutexLock l(&mu_)`, `ACQUIRE(mu_)`).
  std::optional<ObjectPath> objectOrPointee(const clang::Expr *E) {
    return E->IgnoreParenImpCasts()->getType()->isPointerType() ? pointeeOf(E) : objectOf(E);
  }
  /// Path of the object a member call operates on: `m.f()`, `p->f()`, `f()` (this), `sp->f()`.
  std::optional<ObjectPath> objectOfCall(const clang::CXXMemberCallExpr *Call);
  /// Whether a variable is const or never assigned, incremented or has its address taken in its
  /// function (memoised).
  bool isNeverReassigned(const clang::VarDecl *V);

private:
  std::optional<ObjectPath> variableObject(const clang::ValueDecl *D, unsigned Depth);
  std::optional<ObjectPath> objectOfImpl(const clang::Expr *E, unsigned Depth);
  std::optional<ObjectPath> pointeeOfImpl(const clang::Expr *E, unsigned Depth);

  clang::ASTContext &Ctx;
  llvm::DenseMap<const clang::VarDecl *, bool> NeverReassigned;
};

} // namespace mapguard

#endif
