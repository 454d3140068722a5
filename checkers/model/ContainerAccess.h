// What an expression that names a container does with it: a read (find, size, iteration, const
// access, copy) or a write (erase, insert*, emplace*, operator[] on a non-const container, clear,
// swap, merge, rehash, assignment, binding or passing by non-const reference).
#ifndef MAPGUARD_CHECKERS_MODEL_CONTAINERACCESS_H
#define MAPGUARD_CHECKERS_MODEL_CONTAINERACCESS_H

#include "model/ContainerModel.h"
#include "clang/AST/ParentMap.h"
#include <string>

namespace mapguard {

struct ContainerUse {
  bool Write = false;
  std::string What;                  // "erase", "operator[]", "iteration", "non-const reference", "read"
  const clang::Expr *Site = nullptr; // the call or expression that performs the use
  bool ElementOnly = false;          // a write of one element through an accessor (`v[i] = x`)
  bool HandleOnly = false;           // a use of the pointer or smart pointer, not of the container behind it
};

/// Classifies the use of \p Ref, an expression that designates a container, by its parents.
ContainerUse classifyContainerUse(const clang::Expr *Ref, const clang::ParentMap &Parents, const ContainerModel &Model);

/// Whether `m[k]` is used only to read: not assigned to, changed, or bound to a non-const reference.
bool subscriptOnlyReads(const clang::Expr *Subscript, const clang::ParentMap &Parents);

/// Whether `m[k]` is written: `m[k] = v`, `m[k] += v`, `++m[k]` (not a call on the element).
bool subscriptWritten(const clang::Expr *Subscript, const clang::ParentMap &Parents);

} // namespace mapguard

#endif
