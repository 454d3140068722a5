// Which values of a function point into a shared container: references, pointers, iterators and
// views of one of its elements (or of the whole container), where each was bound, and which
// returns and stores hand one out. A value copied out of an element (`auto v = m[k];`, a pointer
// stored in the map and loaded from it, a shared_ptr) does not point into the container.
// Shared by mapguard-escaping-reference and mapguard-check-then-act.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CONTAINERALIASES_H
#define MAPGUARD_CHECKERS_ANALYSIS_CONTAINERALIASES_H

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include <functional>
#include <optional>

namespace mapguard {

enum class AliasKind {
  Container, // a glvalue of the container itself (`auto &m = sessions_;`)
  Element,   // a glvalue inside an element (`m[k]`, `it->second`, `*it`, `p->name_`)
  Pointer,   // a pointer (or string_view, span) to storage inside an element
  Iterator,  // an iterator of the container (or of a container inside an element)
};

struct AliasOrigin {
  const clang::Expr *ContainerRef = nullptr; // the expression naming the shared container
  AliasKind Kind = AliasKind::Element;
  // Reached through a unique owner the element holds (`*v.back()` of a vector of unique_ptr): the
  // object lives on the heap, and moving or copying the owner does not move it.
  bool OwnedByElement = false;
};

/// Where a value pointing into a container is bound: a variable's initialiser or an assignment.
struct AliasBinding {
  const clang::Stmt *At = nullptr; // the DeclStmt or the assignment
  AliasOrigin Origin;
};

/// A return or a store of a value pointing into a container, out of the function.
struct AliasEscape {
  const clang::Stmt *At = nullptr;     // the ReturnStmt or the assignment
  const clang::Expr *Target = nullptr; // for stores: the member, global or out-parameter written
  AliasOrigin Origin;
};

/// Whether \p T is an iterator class (`_Rb_tree_iterator`, `__hash_map_iterator`, a nested `iterator`).
bool isIteratorType(clang::QualType T);

class ContainerAliases {
public:
  using IsSharedContainer = std::function<bool(const clang::ValueDecl *)>;
  /// Scans \p Fn's body (not nested lambdas, which are functions of their own).
  ContainerAliases(const clang::FunctionDecl *Fn, IsSharedContainer SharedContainer);

  /// The variable a use stands for: a structured binding stands for its decomposed object.
  static const clang::ValueDecl *aliasVariable(const clang::ValueDecl *D);
  bool isAlias(const clang::ValueDecl *D) const { return Bindings.count(aliasVariable(D)) != 0; }
  llvm::ArrayRef<AliasBinding> bindingsOf(const clang::ValueDecl *D) const;
  /// Whether \p Ref is the target of one of its variable's bindings, not a use of its value.
  bool isRebinding(const clang::DeclRefExpr *Ref) const { return RebindingRefs.contains(Ref); }
  llvm::ArrayRef<AliasEscape> escapes() const { return Escapes; }
  bool empty() const { return Bindings.empty() && Escapes.empty(); }

  /// What \p E designates or yields inside a container, if anything.
  std::optional<AliasOrigin> pointsInto(const clang::Expr *E) const;

private:
  class Scanner;
  std::optional<AliasOrigin> pointsIntoImpl(const clang::Expr *E, unsigned Depth) const;
  void bind(const clang::VarDecl *Var, const clang::Stmt *At, const clang::Expr *Value);

  IsSharedContainer IsShared;
  llvm::DenseMap<const clang::ValueDecl *, llvm::SmallVector<AliasBinding, 1>> Bindings;
  llvm::DenseSet<const clang::ValueDecl *> Poisoned; // also assigned something else: not followed
  llvm::DenseSet<const clang::DeclRefExpr *> RebindingRefs;
  llvm::SmallVector<AliasEscape, 2> Escapes;
};

} // namespace mapguard

#endif
