// A project's lock classes across translation units (part of LockModel; the project index, issue
// 24): what the unit that defines a lock class's or a guard's bodies reads of them, for the others
// (bodyLockFacts), and the index's facts of the functions this unit cannot read, which the body
// readings of LockModelWrappers.cpp take as they take a body (factsOfUnseen). Every lookup is noted
// as asked for: while the CLI collects a unit's facts, those are the unit's needs.
#include "model/LockModel.h"
#include "model/ProjectFacts.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {

LockModel::BodyLockFacts LockModel::bodyLockFacts(const CXXMethodDecl *Method) const {
  BodyLockFacts Facts;
  if (!Method->hasBody() || Method->isStatic())
    return Facts;
  // A constructor or destructor only of a class this unit reads as a guard: a destructor that
  // unlocks what its constructor did not lock (a mailbox waiting out its last sender) is no guard.
  if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Method)) {
    if (!Ctor->isCopyOrMoveConstructor() && inferredGuardKind(Ctor->getParent()))
      Facts.GuardLocks = constructorLocksParameter(Ctor);
  } else if (const auto *Dtor = dyn_cast<CXXDestructorDecl>(Method)) {
    if (inferredGuardKind(Dtor->getParent()))
      Facts.Effect = Role{LockAction::Unlock, LockKind::Exclusive};
  } else if (isInferredMutex(Method->getParent())) {
    Facts.Effect = netEffectOnMembers(Method);
  }
  return Facts;
}

const FunctionFacts *LockModel::factsOfUnseen(const FunctionDecl *Function) const {
  // (An implicit or defaulted function locks nothing: no body to read, in any unit.)
  if (Function->hasBody() || Function->isImplicit() || Function->isDefaulted() ||
      Function->getASTContext().getSourceManager().isInSystemHeader(Function->getLocation()))
    return nullptr;
  noteFactsAsked(Function);
  const ProjectFacts *Index = projectFacts();
  return Index ? Index->ofUnseen(Function) : nullptr;
}

std::pair<bool, bool> LockModel::unseenLockEffects(const CXXRecordDecl *Record) const {
  // Methods whose names say what they do are not looked up: `Lock()` is a lock already.
  bool Locks = false, Unlocks = false;
  for (const CXXMethodDecl *Method : Record->methods()) {
    // A lock interface's shape: no argument to give (a tag may have a default), nothing or a
    // success flag back.
    bool LockShaped = llvm::all_of(Method->parameters(), [](const ParmVarDecl *P) { return P->hasDefaultArg(); }) &&
                      (Method->getReturnType()->isVoidType() || Method->getReturnType()->isBooleanType());
    // `release()` is a guard's disowning by name; on a lock class, its body says what it does.
    std::optional<Role> Named = Method->getIdentifier() ? roleOfName(Method->getName()) : std::nullopt;
    if (Method->isStatic() || isa<CXXConstructorDecl, CXXDestructorDecl>(Method) || Method->hasBody() || !LockShaped ||
        (Named && Named->Action != LockAction::Disown))
      continue;
    if (const FunctionFacts *Facts = factsOfUnseen(Method); Facts && Facts->LockEffect) {
      Locks |= Facts->LockEffect->Action == LockAction::Lock;
      Unlocks |= Facts->LockEffect->Action == LockAction::Unlock;
    }
  }
  return {Locks, Unlocks};
}

} // namespace mapguard
