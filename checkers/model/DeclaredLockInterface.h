// A class's lock interface read from its declarations alone (part of LockModel, LockModelWrappers.cpp):
// what there is to read of a class whose lock and unlock bodies live in another file.
#ifndef MAPGUARD_CHECKERS_MODEL_DECLAREDLOCKINTERFACE_H
#define MAPGUARD_CHECKERS_MODEL_DECLAREDLOCKINTERFACE_H

#include "model/LockModel.h"
#include "clang/AST/DeclCXX.h"

namespace mapguard {

/// Whether \p Record declares a lock and an unlock member function by the model's names, none of
/// whose bodies this unit shows (a body it shows was read, and locks nothing of its own).
bool declaresUnreadLockInterface(const clang::CXXRecordDecl *Record, const LockModel &Model);

} // namespace mapguard

#endif
