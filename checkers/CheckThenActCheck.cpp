#include "CheckThenActCheck.h"

#include "analysis/CheckThenAct.h"
#include "clang/AST/ASTContext.h"

using namespace clang;

namespace mapguard {
namespace {
/// The atomic alternative for an act, by what it does.
StringRef alternativeFor(StringRef Act) {
  if (Act == "erase" || Act == "extract" || Act == "remove" || Act == "take" || Act == "unsafe_erase")
    return "find and erase under one lock, or erase(key) and test what it returns";
  if (Act == "operator[]" || Act == "insert_or_assign")
    return "try_emplace or insert(...).second under one lock";
  return "one member function that checks and acts under the lock";
}
} // namespace

void CheckThenActCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  for (const CheckThenActPair &Pair : findCheckThenAct(Inference, Ctx)) {
    std::string Mutex = Pair.Mutex.spelling();
    switch (Pair.Form) {
    case CheckThenActForm::TwoSections:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' acts on a '%2' check made under an earlier lock of '%3', "
                                   "released in between; another thread may have changed '%1' since: check "
                                   "again under this lock, or do both in one critical section (%4)")
          << Pair.ActName << Pair.Container << Pair.CheckName << Mutex << alternativeFor(Pair.ActName);
      break;
    case CheckThenActForm::UnlockedCheck:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' acts on a '%2' check made without '%3' held; another "
                                   "thread may change '%1' between the check and the lock: check again "
                                   "under '%3' before acting (%4)")
          << Pair.ActName << Pair.Container << Pair.CheckName << Mutex << alternativeFor(Pair.ActName);
      break;
    case CheckThenActForm::GetThenErase:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' removes a key whose value was read under an earlier lock of "
                                   "'%2', released in between; another thread may have replaced or removed "
                                   "it since: read and remove in one critical section (extract, or find and "
                                   "erase under one lock)")
          << Pair.ActName << Pair.Container << Mutex;
      break;
    case CheckThenActForm::LostUpdate:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' stores a value computed from a read under an earlier lock "
                                   "of '%2', released in between; an update another thread made in between "
                                   "is lost: read, compute and write in one critical section")
          << Pair.ActName << Pair.Container << Mutex;
      break;
    case CheckThenActForm::AcrossCalls:
      diag(Pair.Act->getExprLoc(), "'%0' locks '%1' and changes '%2' on the strength of '%3', which released "
                                   "'%1' when it returned; another thread may change '%2' in between: do "
                                   "both in one member function under one lock")
          << Pair.ActName << Mutex << Pair.Container << Pair.CheckName;
      break;
    }
    diag(Pair.Check->getExprLoc(), "the check is here", DiagnosticIDs::Note);
    if (Pair.Form == CheckThenActForm::AcrossCalls && Pair.Write)
      diag(Pair.Write->Ref->getExprLoc(), "'%0' changes '%1' here", DiagnosticIDs::Note)
          << Pair.ActName << Pair.Container;
    if (Pair.ReleasedAt.isValid())
      diag(Pair.ReleasedAt, "'%0' is released here", DiagnosticIDs::Note) << Mutex;
  }
}

} // namespace mapguard
