#include "CheckThenActCheck.h"

#include "LockFixes.h"
#include "analysis/CheckActPairs.h"
#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"

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
/// Whether \p Record (or a base, as for abseil's maps) declares a member named \p Name.
bool declaresMember(const CXXRecordDecl *Record, StringRef Name, unsigned Depth = 0) {
  if (!Record || !Record->hasDefinition() || Depth > 4)
    return false;
  if (declaresMethodNamed(Record->getDefinition(), Name))
    return true;
  return llvm::any_of(Record->bases(), [&](const CXXBaseSpecifier &Base) {
    return declaresMember(Base.getType()->getAsCXXRecordDecl(), Name, Depth + 1);
  });
}

/// `m[k] = v` (or `m.insert_or_assign(k, v)`) acting where a check found `k` absent becomes
/// `m.try_emplace(k, v)`: the check is made again, atomically, under the act's lock, and an
/// element another thread inserted in between is kept. Offered when the assignment is a statement
/// of its own and assigns a value of the mapped type.
std::optional<FixItHint> tryEmplaceFix(const ContainerAccess &Act, const ParentMap &Parents, const ASTContext &Ctx) {
  if (!declaresMember(Act.Container->getType().getNonReferenceType()->getAsCXXRecordDecl(), "try_emplace"))
    return std::nullopt;
  if (Act.Use.What == "insert_or_assign") {
    const auto *Call = dyn_cast<CXXMemberCallExpr>(Act.Use.Site);
    const auto *Callee = Call ? dyn_cast<MemberExpr>(Call->getCallee()->IgnoreParens()) : nullptr;
    if (!Callee || Callee->getMemberLoc().isMacroID() || Call->getNumArgs() != 2)
      return std::nullopt;
    return FixItHint::CreateReplacement(CharSourceRange::getTokenRange(Callee->getMemberLoc()), "try_emplace");
  }
  const auto *Subscript = dyn_cast<CXXOperatorCallExpr>(Act.Use.Site);
  if (!Subscript || Subscript->getOperator() != OO_Subscript || Subscript->getNumArgs() != 2)
    return std::nullopt;
  const Stmt *Parent = parentIgnoringImplicit(Parents, Subscript);
  const Expr *Assignment = nullptr, *Value = nullptr;
  if (const auto *Op = dyn_cast_or_null<CXXOperatorCallExpr>(Parent); Op && Op->getOperator() == OO_Equal) {
    const auto *Method = dyn_cast_or_null<CXXMethodDecl>(Op->getDirectCallee());
    if (Method && (Method->isCopyAssignmentOperator() || Method->isMoveAssignmentOperator()))
      std::tie(Assignment, Value) = std::make_pair(Op, Op->getArg(1));
  } else if (const auto *Builtin = dyn_cast_or_null<BinaryOperator>(Parent);
             Builtin && Builtin->getOpcode() == BO_Assign) {
    std::tie(Assignment, Value) = std::make_pair(Builtin, Builtin->getRHS());
  }
  // The assignment's value must be unused: try_emplace returns something else.
  if (!Assignment || isa_and_nonnull<Expr>(parentIgnoringImplicit(Parents, Assignment)) ||
      isa<InitListExpr>(ignoringImplicit(Value)) || Assignment->getBeginLoc().isMacroID() ||
      Assignment->getEndLoc().isMacroID())
    return std::nullopt;
  std::string Object = sourceText(Subscript->getArg(0), Ctx);
  std::string Key = sourceText(Subscript->getArg(1), Ctx);
  std::string Stored = sourceText(Value, Ctx);
  if (Object.empty() || Key.empty() || Stored.empty())
    return std::nullopt;
  if (!isa<DeclRefExpr, MemberExpr>(ignoringImplicit(Subscript->getArg(0))))
    Object = "(" + Object + ")";
  return FixItHint::CreateReplacement(CharSourceRange::getTokenRange(Assignment->getSourceRange()),
                                      Object + ".try_emplace(" + Key + ", " + Stored + ")");
}
/// Two critical sections that one `unlock()` ... `lock()` pair in the same block separates, with
/// nothing in between but library code that takes no lock, become one: both statements are
/// removed, and the act runs under the lock the check was made under.
std::vector<FixItHint> mergeSections(const CheckThenActPair &Pair, const ParentMap &Parents, const LockModel &Locks,
                                     const ASTContext &Ctx) {
  const auto *Unlock = dyn_cast_or_null<CallExpr>(Pair.Release);
  const auto *Relock = dyn_cast_or_null<CallExpr>(Pair.Reacquire);
  std::optional<LockModel::Role> UnlockRole = Unlock ? Locks.roleOf(Unlock->getDirectCallee()) : std::nullopt;
  std::optional<LockModel::Role> RelockRole = Relock ? Locks.roleOf(Relock->getDirectCallee()) : std::nullopt;
  if (!UnlockRole || UnlockRole->Action != LockAction::Unlock || !RelockRole || RelockRole->Action != LockAction::Lock)
    return {};
  const auto *Block = dyn_cast_or_null<CompoundStmt>(Parents.getParent(Unlock));
  if (!Block || Parents.getParent(Relock) != Block)
    return {};
  bool Between = false;
  for (const Stmt *S : Block->body()) {
    if (S == Relock)
      break;
    if (Between && !callsOnlyLockFreeLibrary(S, Locks, Ctx.getSourceManager()))
      return {};
    Between |= S == Unlock;
  }
  std::optional<FixItHint> RemoveUnlock = removeCallStatement(Unlock, Ctx);
  std::optional<FixItHint> RemoveRelock = removeCallStatement(Relock, Ctx);
  if (!Between || !RemoveUnlock || !RemoveRelock)
    return {};
  return {*RemoveUnlock, *RemoveRelock};
}
} // namespace

static StringRef ruleOf(CheckThenActForm Form) {
  switch (Form) {
  case CheckThenActForm::TwoSections:
    return "two-sections";
  case CheckThenActForm::UnlockedCheck:
    return "unlocked-check";
  case CheckThenActForm::GetThenErase:
    return "get-then-erase";
  case CheckThenActForm::LostUpdate:
    return "lost-update";
  case CheckThenActForm::AcrossCalls:
    return "across-calls";
  }
  return "";
}

void CheckThenActCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  for (const CheckThenActPair &Pair : checkThenActPairs(Inference, Ctx)) {
    if (!Rules.enabled(ruleOf(Pair.Form)))
      continue;
    std::string Mutex = Pair.Mutex.spelling();
    // One critical section where the code between allows it, else try_emplace for an insert-if-absent.
    std::vector<FixItHint> Fixes;
    const FunctionCfg *Cfg =
        Pair.Form != CheckThenActForm::AcrossCalls && Pair.Write && mayRewrite(Pair.Write->Function)
            ? Inference.cfgOf(Pair.Write->Function, Ctx)
            : nullptr;
    if (Cfg)
      Fixes = mergeSections(Pair, Cfg->parents(), Inference.locks(), Ctx);
    if (Cfg && Fixes.empty() && Pair.ActsWhereAbsent)
      if (std::optional<FixItHint> Fix = tryEmplaceFix(*Pair.Write, Cfg->parents(), Ctx))
        Fixes.push_back(*Fix);
    switch (Pair.Form) {
    case CheckThenActForm::TwoSections:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' acts on a '%2' check made under an earlier lock of '%3', "
                                   "released in between; another thread may have changed '%1' since: check "
                                   "again under this lock, or do both in one critical section (%4)")
          << Pair.ActName << Pair.Container << Pair.CheckName << Mutex << alternativeFor(Pair.ActName) << Fixes;
      break;
    case CheckThenActForm::UnlockedCheck:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' acts on a '%2' check made without '%3' held; another "
                                   "thread may change '%1' between the check and the lock: check again "
                                   "under '%3' before acting (%4)")
          << Pair.ActName << Pair.Container << Pair.CheckName << Mutex << alternativeFor(Pair.ActName) << Fixes;
      break;
    case CheckThenActForm::GetThenErase:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' removes a key whose value was read under an earlier lock of "
                                   "'%2', released in between; another thread may have replaced or removed "
                                   "it since: read and remove in one critical section (extract, or find and "
                                   "erase under one lock)")
          << Pair.ActName << Pair.Container << Mutex << Fixes;
      break;
    case CheckThenActForm::LostUpdate:
      diag(Pair.Act->getExprLoc(), "'%0' on '%1' stores a value computed from a read under an earlier lock "
                                   "of '%2', released in between; an update another thread made in between "
                                   "is lost: read, compute and write in one critical section")
          << Pair.ActName << Pair.Container << Mutex << Fixes;
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
