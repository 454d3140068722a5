// One callable run by several threads at once: a lambda handed to a new thread inside a loop
// (`for (...) workers.emplace_back([&] { ... })`), or to a function whose body does that with its
// parameter (`parallel_for(n, [&](int i) { ... })`, read from the body, waiting or not). A
// container the lambda captured by reference and changes with no lock held is then changed by
// all of them together: a race even when the caller joins them all before using it.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CONCURRENTINVOCATIONS_H
#define MAPGUARD_CHECKERS_ANALYSIS_CONCURRENTINVOCATIONS_H

#include "analysis/GuardInference.h"
#include <vector>

namespace mapguard {

struct ConcurrentWrite {
  const clang::LambdaExpr *Lambda = nullptr;
  const clang::DeclRefExpr *Ref = nullptr; // the captured container, where it is changed
  ContainerUse Use;
  const clang::Expr *HandOver = nullptr;       // the thread start, or the call of the running function
  const clang::FunctionDecl *Runner = nullptr; // the function that runs it; null: a thread started in a loop
};

/// The changes to containers captured by reference in \p Fn's lambdas that run concurrently with
/// themselves. Changes of separate elements through an accessor (`results[i] = x` on a vector
/// sized beforehand) are not races on the container and are left out; so are lambdas that take
/// a lock themselves.
std::vector<ConcurrentWrite> findConcurrentWrites(const clang::FunctionDecl *Fn, GuardInference &Inference,
                                                  clang::ASTContext &Ctx);

} // namespace mapguard

#endif
