// Which calls run a callable later or on another thread: thread constructors, std::async, asio
// post/dispatch/defer and async_* operations, Qt timers, thread pools and user executors by member
// name, callbacks stored into members and globals (registration); and which objects run a callable
// when they die (scope-exit guards). Shared by the lock checks (a deferred callable starts with no
// lock held) and the deferred-callback checks. Configurable; the defaults name the common libraries.
#ifndef MAPGUARD_CHECKERS_MODEL_DEFERRINGCALLEES_H
#define MAPGUARD_CHECKERS_MODEL_DEFERRINGCALLEES_H

#include "model/NameList.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Regex.h"
#include <memory>
#include <optional>

namespace mapguard {

struct DeferringCalleesOptions {
  std::string ThreadTypes;         // constructing one runs the callable on a new thread
  std::string ThreadFunctions;     // calling one (or an override of one) runs the callable on another thread
  std::string ExecutorFunctions;   // calling one runs the callable later
  std::string ExecutorMethods;     // regex over member names that take a callable to run later
  std::string RegistrationMethods; // regex over member names that store a callable to call back later
  std::string CallbackTypes;       // type-erased callables: assigning one to a member or global registers it
  std::string ScopeExitTypes;      // objects that run a callable when they are destroyed
  static DeferringCalleesOptions defaults();
};

struct Deferral {
  const clang::Expr *Call; // the constructor, call or assignment the callable is handed to
  bool NewThread;          // runs concurrently with the caller (not only later)
};

class DeferringCallees {
public:
  explicit DeferringCallees(const DeferringCalleesOptions &Options);

  /// If \p Callable (a lambda, a std::bind result, a function reference, `std::ref(x)` bound as an
  /// argument) is handed to a call that runs it later or on another thread, that call. Sees through
  /// std::bind/bind_front, std::move, std::function conversions and a local variable that holds the
  /// callable until it is handed over.
  std::optional<Deferral> deferralOf(const clang::Expr *Callable, const clang::ParentMap &Parents) const;
  /// Whether \p Callee constructs a thread from its arguments (`std::make_shared<std::thread>`).
  bool constructsThread(const clang::FunctionDecl *Callee) const;
  /// If \p Call or \p Construct runs its callable arguments later, how.
  std::optional<Deferral> classify(const clang::Expr *CallOrConstruct) const;
  /// The local scope-exit object (absl::Cleanup, gsl::finally, ...) that runs \p Lambda when it is
  /// destroyed, if any.
  const clang::VarDecl *scopeExitObjectOf(const clang::LambdaExpr *Lambda, const clang::ParentMap &Parents) const;
  bool isScopeExitType(clang::QualType T) const;
  /// Whether \p Record is a type-erased callable (`CallbackTypes`: std::function and its kin).
  bool isCallbackType(const clang::CXXRecordDecl *Record) const;

  /// Whether the function called by \p CallOrConstruct hands its argument \p Arg over, read from its
  /// body (DeferringCalleesInference.cpp): the parameter (or a copy, a `std::move`, a `std::function` or a
  /// lambda made from it) reaches a deferring call or long-lived storage.
  std::optional<Deferral> inferredDeferral(const clang::Expr *CallOrConstruct, const clang::Expr *Arg,
                                           unsigned Depth) const;

  /// Whether the function called by \p CallOrConstruct runs its argument \p Arg on several threads
  /// at once, read from its body: the parameter is handed to a new thread (or a thread pool) inside
  /// a loop (`parallel_for`, `for (i < n) workers.emplace_back(f)`), whether or not it then waits.
  bool runsConcurrently(const clang::Expr *CallOrConstruct, const clang::Expr *Arg) const;

  /// The same two readings of a function's body by parameter, for the project index: whether
  /// \p Def hands its parameter \p Index over (to a new thread: true), and whether it runs it on
  /// several threads at once. A callee defined in another unit is read from the index instead.
  std::optional<bool> deferredParameter(const clang::FunctionDecl *Def, unsigned Index) const;
  bool parameterRunsConcurrently(const clang::FunctionDecl *Def, unsigned Index) const;

private:
  std::optional<Deferral> deferralOf(const clang::Expr *Callable, const clang::ParentMap &Parents,
                                     unsigned Depth) const;
  std::optional<bool> parameterDeferred(const clang::FunctionDecl *Def, unsigned Index, unsigned Depth) const;
  const clang::ParentMap &parentsOf(const clang::FunctionDecl *Def) const;
  std::optional<Deferral> registrationOf(const clang::Stmt *Parent) const;
  /// Whether \p Queue, a member container, is a thread pool's queue, read from its class's
  /// bodies: a member function starts threads in a loop that does not wait for them, and what
  /// the threads run reads \p Queue (directly or through a member function of the class).
  bool isPoolQueue(const clang::FieldDecl *Queue) const;
  /// Whether \p Start, a call or construction that starts a thread, runs in a loop whose body
  /// does not wait for it (in \p Parents, the map of its function's body).
  static bool startedInLoop(const clang::Stmt *Start, const clang::ParentMap &Parents);
  bool bodilessExecutor(const clang::CallExpr *Call) const;
  bool isThreadType(clang::QualType T) const;
  bool isThreadFunction(const clang::FunctionDecl *Callee) const;
  NameList ThreadTypes, ThreadFunctions, ExecutorFunctions, CallbackTypes, ScopeExitTypes;
  llvm::Regex ExecutorMethods, RegistrationMethods;
  // Per translation unit (a model lives as long as its check): the parameters found to be handed
  // over (and whether to a new thread), and the parent maps of the bodies read for that.
  mutable llvm::DenseMap<std::pair<const clang::FunctionDecl *, unsigned>, std::optional<bool>> DeferredParameters;
  mutable llvm::DenseMap<const clang::FunctionDecl *, std::unique_ptr<clang::ParentMap>> BodyParents;
  mutable llvm::DenseMap<std::pair<const clang::FunctionDecl *, unsigned>, bool> ConcurrentParameters;
  mutable llvm::DenseMap<const clang::FieldDecl *, bool> PoolQueues;
};

/// Whether \p Call is `std::bind`, `std::bind_front` or `boost::bind`.
bool isBindCall(const clang::CallExpr *Call);
/// The variable of a `std::ref(x)` / `std::cref(x)` / `boost::ref(x)` argument, and whether it is const.
const clang::VarDecl *referenceWrapped(const clang::Expr *E, bool &Const);

} // namespace mapguard

#endif
