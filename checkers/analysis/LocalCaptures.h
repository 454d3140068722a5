// Local containers handed by reference to a deferred callable: captured by reference (`[&]`,
// `[&pending]`, `[&r = pending]`, `[p = &pending]`) into a lambda that a thread, executor, timer or
// registry runs later, or bound with `std::ref(pending)` / `&pending` as an argument of one.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_LOCALCAPTURES_H
#define MAPGUARD_CHECKERS_ANALYSIS_LOCALCAPTURES_H

#include "analysis/FunctionCfg.h"
#include "analysis/GuardInference.h"
#include "model/ContainerAccess.h"
#include "model/DeferringCallees.h"

namespace mapguard {

struct LocalCapture {
  const clang::VarDecl *Local = nullptr;     // the local container
  const clang::LambdaExpr *Lambda = nullptr; // the capturing lambda; null for an argument
  const clang::Expr *Argument = nullptr;     // `std::ref(pending)` or `&pending`; null for a lambda
  clang::SourceLocation At;                  // the capture, or the argument
  bool ExplicitByReference = false;          // `&pending` written in the capture list
  const clang::Expr *Use = nullptr;          // the first use in the lambda's body, if seen
  bool Written = false;                      // the callable may change the container
  Deferral Start{};
};

/// The local containers of \p Fn's own lambdas and calls that are handed by reference to a
/// deferred callable. \p CfgOf gives the function's CFG (built only if there is a candidate).
std::vector<LocalCapture> findLocalCaptures(const clang::FunctionDecl *Fn, const DeferringCallees &Deferring,
                                            const ContainerModel &Containers,
                                            llvm::function_ref<const FunctionCfg *()> CfgOf);

/// Whether \p Local is named anywhere in \p Fn after \p After ends.
bool usedAfter(const clang::FunctionDecl *Fn, const clang::VarDecl *Local, const clang::Expr *After,
               const clang::SourceManager &SM);

} // namespace mapguard

#endif
