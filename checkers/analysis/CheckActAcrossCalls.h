// Check-then-act across calls: a query member function that locks internally, whose result
// decides a call of a member function that writes the same container under the same mutex.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_CHECKACTACROSSCALLS_H
#define MAPGUARD_CHECKERS_ANALYSIS_CHECKACTACROSSCALLS_H

#include "analysis/CheckActPairs.h"
#include "llvm/ADT/DenseMap.h"
#include <vector>

namespace mapguard::check_act {

/// A function's accesses of shared containers, in the order GuardInference found them.
using AccessesByFunction = llvm::DenseMap<const clang::FunctionDecl *, llvm::SmallVector<const ContainerAccess *, 8>>;

/// Appends to \p Out the pairs across calls in the functions of \p GI, from summaries of the
/// functions of \p Order (those with accesses).
void findAcrossCalls(GuardInference &GI, llvm::ArrayRef<const clang::FunctionDecl *> Order,
                     const AccessesByFunction &ByFunction, clang::ASTContext &Ctx, std::vector<CheckThenActPair> &Out);

} // namespace mapguard::check_act

#endif
