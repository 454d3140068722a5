// Which calls run a callable later or on another thread: thread constructors, std::async, asio
// post/dispatch/defer and async_* operations, Qt timers, and user executors by member name.
// Shared by the lock checks (a deferred callable starts with no lock held) and the
// deferred-callback checks. Configurable; the defaults name the common libraries.
#ifndef MAPGUARD_CHECKERS_DEFERRINGCALLEES_H
#define MAPGUARD_CHECKERS_DEFERRINGCALLEES_H

#include "NameList.h"
#include "clang/AST/ParentMap.h"
#include "llvm/Support/Regex.h"
#include <optional>

namespace mapguard {

struct DeferringCalleesOptions {
  std::string ThreadTypes;        // constructing one runs the callable on a new thread
  std::string ThreadFunctions;    // calling one runs the callable on another thread
  std::string ExecutorFunctions;  // calling one runs the callable later
  std::string ExecutorMethods;    // regex over member names that take a callable to run later
  static DeferringCalleesOptions defaults();
};

struct Deferral {
  const clang::Expr *Call; // the constructor or call the callable is handed to
  bool NewThread;          // runs concurrently with the caller (not only later)
};

class DeferringCallees {
public:
  explicit DeferringCallees(const DeferringCalleesOptions &Options);

  /// If \p Callable (a lambda, a std::bind result, a function reference) is an argument of a call
  /// that runs it later or on another thread, that call.
  std::optional<Deferral> deferralOf(const clang::Expr *Callable, const clang::ParentMap &Parents) const;
  /// If \p Call or \p Construct runs its callable arguments later, how.
  std::optional<Deferral> classify(const clang::Expr *CallOrConstruct) const;

private:
  bool isThreadType(clang::QualType T) const;
  NameList ThreadTypes, ThreadFunctions, ExecutorFunctions;
  llvm::Regex ExecutorMethods;
};

} // namespace mapguard

#endif
