// Finds the operations on one container (by ObjectPath) that a statement performs, directly or
// through functions it calls in the same translation unit: member functions on the same object,
// free functions on globals, functions given the container by reference or pointer, and local
// lambdas called in place. Lambdas that are only created (handed elsewhere) are not entered.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CONTAINERMUTATIONS_H
#define MAPGUARD_CHECKERS_ANALYSIS_CONTAINERMUTATIONS_H

#include "analysis/ObjectPath.h"
#include "model/ContainerModel.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <vector>

namespace mapguard {

struct ContainerOpSite {
  ContainerOpKind Kind;
  std::string OpName;
  const clang::CallExpr *OpCall;     // where the operation happens (maybe in a callee)
  const clang::CallExpr *SiteCall;   // the call in the searched statement that leads there
  const clang::FunctionDecl *Callee; // the function called at SiteCall; null if direct
  bool FromTracked = false;          // an argument is computed from the tracked variable
};

/// Per translation unit: whether a function can change any container, itself or through any
/// function it calls (memoised over the call graph; conservative: recursion counts as "may").
/// Lets the finder skip callees that cannot matter, so a loop costs little beyond its own body.
class MutationSummaries {
public:
  explicit MutationSummaries(const ContainerModel &Model) : Model(Model) {}
  bool mayChangeContainers(const clang::FunctionDecl *Definition);
  void clear() { Cache.clear(); }

private:
  const ContainerModel &Model;
  llvm::DenseMap<const clang::FunctionDecl *, bool> Cache;
};

class ContainerOpFinder {
public:
  ContainerOpFinder(const ContainerModel &Model, ObjectPathResolver &Resolver, unsigned MaxCallDepth,
                    MutationSummaries &Summaries)
      : Model(Model), Resolver(Resolver), MaxCallDepth(MaxCallDepth), Summaries(Summaries) {}

  /// All operations on \p Target in \p Root, in source order of their sites. With \p Tracked,
  /// each says whether its arguments are computed from that variable (`m.erase(it->first)`,
  /// `remove(it->second)` whose callee erases `m.erase(s->id())`, a method of the element that
  /// erases its own `name_`): through locals initialised from it, parameters and `this`.
  std::vector<ContainerOpSite> find(const clang::Stmt *Root, const ObjectPath &Target,
                                    const clang::VarDecl *Tracked = nullptr);

private:
  const ContainerModel &Model;
  ObjectPathResolver &Resolver;
  unsigned MaxCallDepth;
  MutationSummaries &Summaries;
};

/// Whether \p Op is a subscript (`m[k]`) whose key \p IsPresentKey says the container holds (the
/// key of the element a loop visits, or of the one an iterator points to), seen through locals
/// initialised from it and never assigned, and through the parameter of the function or lambda
/// called at Op.SiteCall that the call binds to it. Such a subscript finds its element and inserts
/// nothing: it can neither rehash nor reallocate.
bool subscriptsPresentKey(const ContainerOpSite &Op, ObjectPathResolver &Resolver,
                          llvm::function_ref<bool(const clang::Expr *Key)> IsPresentKey);

} // namespace mapguard

#endif
