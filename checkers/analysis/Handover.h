// What the scheduling function does after it hands a callable over (to a thread, an executor, a
// timer, a registry): whether it waits for it (join, get, wait, the handle's destruction) before a
// given statement, and whether the callable may still run when a local variable is destroyed.
// Shared by the deferred-callback and the lock checks.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_HANDOVER_H
#define MAPGUARD_CHECKERS_ANALYSIS_HANDOVER_H

#include "analysis/FunctionCfg.h"
#include "analysis/GuardInference.h"
#include "model/DeferringCallees.h"

namespace mapguard {

/// A member call that waits for started work: `join()`, `get()`, `wait()`, `join_all()`, ...
bool isWaitCall(const clang::Stmt *S);

/// Whether \p Fn's body waits: a join, get or wait call, or a loop that tests its parameter.
bool bodyWaits(const clang::FunctionDecl *Fn);

/// Whether \p Call, a member call of the project's code, waits by what its body does
/// (`pool.WaitIdle()` whose body joins the workers); for a body in another unit, by the project
/// index.
bool waitsByItsBody(const clang::CXXMemberCallExpr *Call);

/// The first statement that may run after \p Start, on a path that does not wait for started work
/// first, for which \p Match holds; null if there is none.
const clang::Stmt *firstBeforeWait(const FunctionCfg &Cfg, const clang::Stmt *Start,
                                   llvm::function_ref<bool(const clang::Stmt *)> Match);

struct Outliving {
  bool MayOutlive = false;
  const clang::Stmt *Detach = nullptr; // the detach() that lets it outlive, if that is why
};

/// Whether the callable handed over by \p Start may still run when the local \p Local is destroyed:
/// it is detached, registered or posted to something that lives longer, or a path reaches the end
/// of \p Local's scope before the thread is joined, the future waited or the executor destroyed.
/// When \p Callable (the lambda handed over) also captures another local by reference, that local
/// is its completion signal: waiting on it (`done.wait()`, `latch.wait()`), or passing it to a
/// function that waits (read from its body) or whose body this unit cannot see
/// (`wait_for(done)`), waits for the callable.
Outliving mayOutlive(const FunctionCfg &Cfg, const Deferral &Start, const clang::VarDecl *Local,
                     const clang::LambdaExpr *Callable = nullptr);

/// Another access to \p Access's container (which has no guard) that may run at the same time as
/// \p Access, which runs in a callable started on another thread: in the starting function after
/// the start and before a wait, or (for globals) in any other function. \p Repeated is set when the
/// start itself may repeat, so that several copies of the callable run at once.
const ContainerAccess *concurrentAccess(const ContainerAccess &Access, GuardInference &Inference,
                                        clang::ASTContext &Ctx, bool &Repeated);

} // namespace mapguard

#endif
