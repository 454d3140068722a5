// Callbacks that may re-enter the object whose container a loop walks: observer lists, timers,
// signal/slot `notify`. A loop over a member container that invokes code the translation unit
// cannot see (a `std::function`, a function pointer, a virtual function of another object) is
// unsafe when the same class has a public or protected member function that erases from that
// container (`unsubscribe`, `removeObserver`, `cancel`): the callback may call it, and the loop's
// iterator then dangles. Read from bodies; the type-erased callable types are the deferring
// model's `CallbackTypes`.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_REENTRANTCALLBACKS_H
#define MAPGUARD_CHECKERS_ANALYSIS_REENTRANTCALLBACKS_H

#include "analysis/ContainerMutations.h"
#include "model/DeferringCallees.h"
#include "model/LockModel.h"
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
  const clang::Expr *Invocation = nullptr;         // the call of unseen code, in the loop body
  std::string Callee;                              // "onEvent", "callback", "fn"
  const clang::Expr *Holder = nullptr;             // what holds the callable: `cb`, `*it`, `timer.handler`
  const clang::CXXRecordDecl *VirtualOf = nullptr; // a virtual call: the class of its object
  bool PassesThis = false;                         // `this` or `*this` is an argument, non-const
  const clang::CXXMethodDecl *Virtual = nullptr;   // a virtual call: the function called
  const clang::FieldDecl *HolderField = nullptr;   // a callable member of `*this` (`onItem_`), not the element's
  const clang::CXXMethodDecl *Direct = nullptr;    // a non-virtual member function with a body (`s->poll()`)
};

/// Whether the code \p Call runs can reach \p Eraser of the looping object. A type-erased
/// callable or a function pointer was given by a user who may have bound the object into it. A
/// virtual function of an element needs a way back: the call hands it the object (non-const), the
/// eraser takes the element's type (`removeListener(Listener *)`: observers detach themselves), or
/// the element's class keeps a pointer or reference to the looping class.
bool mayReachBack(const ReentrantCall &Call, const ContainerEraser &Eraser);

class ReentrantCallbacks {
public:
  ReentrantCallbacks(const ContainerModel &Model, unsigned MaxCallDepth, MutationSummaries &Summaries)
      : Model(Model), Locks(LockModelOptions::defaults()), Deferring(DeferringCalleesOptions::defaults()),
        MaxCallDepth(MaxCallDepth), Summaries(Summaries) {}

  /// Calls in \p Body that run code the unit cannot see (not inside lambdas created there), held
  /// by the element being visited (\p Element: the loop variable, its bindings, or the iterator;
  /// also locals taken from them) or by a member of `*this`: a callable passed in as a parameter
  /// or an unrelated object's virtual function (`env->GetFileSize()`) has no way back to the loop.
  /// With \p AlsoDirect, also the element's (or a member's) non-virtual member functions whose
  /// bodies the unit has: code it can read, which may still lead back (`session->poll()` calling
  /// `owner_.drop(this)`), through an object the container-change search does not identify.
  llvm::SmallVector<ReentrantCall, 2>
  opaqueCalls(const clang::Stmt *Body, llvm::ArrayRef<const clang::ValueDecl *> Element, bool AlsoDirect = false) const;

  /// A public or protected member function of the class that owns \p Field (other than \p Loop's
  /// function, constructors, destructors and assignment) that erases from it, clears it, or
  /// inserts into it when inserts invalidate iterators; none when that function first tests a
  /// member that \p LoopFn assigns (a "notifying" flag that defers the removal), and none that
  /// takes a lock (a callback running under the loop's lock would deadlock before it could change
  /// the container; other threads wait for the lock). Memoised per field.
  std::optional<ContainerEraser> eraserOf(const clang::FieldDecl *Field, const ContainerTraits &Traits,
                                          const clang::FunctionDecl *LoopFn, clang::ASTContext &Ctx);

  /// Every member function of the class that owns \p Field that changes it as eraserOf() says,
  /// whatever its access: code of the unit that calls one of them is a way back into the loop.
  llvm::SmallVector<ContainerEraser, 2> erasersOf(const clang::FieldDecl *Field, const ContainerTraits &Traits,
                                                  const clang::FunctionDecl *LoopFn, clang::ASTContext &Ctx);

  void clear() { Erasers.clear(); }

private:
  bool takesLock(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx) const;

  const ContainerModel &Model;
  const LockModel Locks;
  const DeferringCallees Deferring; // its CallbackTypes: which calls run type-erased callables
  unsigned MaxCallDepth;
  MutationSummaries &Summaries;
  llvm::DenseMap<const clang::FieldDecl *, llvm::SmallVector<ContainerEraser, 1>> Erasers;
};

} // namespace mapguard

#endif
