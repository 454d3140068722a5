// What the parts of GuardInference (the collector, the helper entry locks, the sharing phases, the
// inference itself) share: which declarations may be shared, and where an object is its own.
// Private to analysis/GuardInference*.cpp.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_GUARDINFERENCEDETAIL_H
#define MAPGUARD_CHECKERS_ANALYSIS_GUARDINFERENCEDETAIL_H

#include "analysis/LockState.h"
#include "model/ContainerModel.h"
#include "utils/AstUtil.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"

namespace mapguard::guard_inference {

/// A container that may be shared between threads: a member, or a variable with static storage
/// that is neither constant nor thread-local. A reference member names a container owned elsewhere.
bool mayBeSharedObject(const clang::ValueDecl *D);

/// A shared declaration whose type is a modelled container or the project's own.
bool isSharedContainerDecl(const clang::ValueDecl *D, const ContainerModel &Model);

bool isGlobalVariable(const clang::ValueDecl *D);

/// Constructors, destructors and copy or move assignment: the object is not shared yet, any
/// more, or is being (re)initialised from another.
bool isConstructionOrDestruction(const clang::FunctionDecl *Fn);

/// Whether \p Path stays inside the object itself (rooted at `*this`, through members held by value
/// or by `std::unique_ptr`) or inside the source of a copy or move (a parameter of the class's own
/// type). A constructor or destructor has those to itself, not the objects its pointer,
/// reference or `shared_ptr` members or its other arguments lead to (an iterator registering
/// itself with its database in its constructor: tkrzw).
bool insideTheObject(const ObjectPath &Path, const clang::FunctionDecl *Fn);

/// The locks held at a call, as the callee names them: the object's locks become `this`-rooted,
/// an argument's locks become rooted at the parameter, global mutexes stay as they are.
LockSet rebaseToCallee(const clang::CallExpr *Call, const clang::FunctionDecl *Callee, const LockSet &Held,
                       ObjectPathResolver &Resolver);

} // namespace mapguard::guard_inference

#endif
