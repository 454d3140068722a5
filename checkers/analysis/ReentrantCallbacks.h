// Callbacks that may re-enter the object whose container a loop walks: observer lists, timers,
// signal/slot `notify`. A loop over a member container that invokes code the translation unit
// cannot see (a `std::function`, a function pointer, a virtual function of another object) is
// unsafe when the same class has a public or protected member function that erases from that
// container (`unsubscribe`, `removeObserver`, `cancel`): the callback may call it, and the loop's
// iterator then dangles. Read from bodies; only the type-erased callable types are names.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_REENTRANTCALLBACKS_H
#define MAPGUARD_CHECKERS_ANALYSIS_REENTRANTCALLBACKS_H

#include "analysis/ContainerMutations.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace mapguard {

/// A member function through which a callback can change the container.
struct ContainerEraser {
  const clang::CXXMethodDecl *Method = nullptr; // public or protected
  ContainerOpSite Op;                           // the change, inside it (or in what it calls)
};

struct ReentrantCall {
  const clang::Expr *Invocation = nullptr; // the call of unseen code, in the loop body
  std::string Callee;                      // "onEvent", "callback", "fn"
};

class ReentrantCallbacks {
public:
  ReentrantCallbacks(const ContainerModel &Model, unsigned MaxCallDepth, MutationSummaries &Summaries)
      : Model(Model), MaxCallDepth(MaxCallDepth), Summaries(Summaries) {}

  /// Calls in \p Body that run code the unit cannot see (not inside lambdas created there).
  static llvm::SmallVector<ReentrantCall, 2> opaqueCalls(const clang::Stmt *Body);

  /// A public or protected member function of the class that owns \p Field (other than \p Loop's
  /// function, constructors, destructors and assignment) that erases from it, clears it, or
  /// inserts into it when inserts invalidate iterators; none when that function first tests a
  /// member that \p LoopFn assigns (a "notifying" flag that defers the removal). Memoised per field.
  std::optional<ContainerEraser> eraserOf(const clang::FieldDecl *Field, const ContainerTraits &Traits,
                                          const clang::FunctionDecl *LoopFn, clang::ASTContext &Ctx);

  void clear() { Erasers.clear(); }

private:
  const ContainerModel &Model;
  unsigned MaxCallDepth;
  MutationSummaries &Summaries;
  llvm::DenseMap<const clang::FieldDecl *, llvm::SmallVector<ContainerEraser, 1>> Erasers;
};

} // namespace mapguard

#endif
