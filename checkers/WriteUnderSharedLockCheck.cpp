#include "WriteUnderSharedLockCheck.h"

#include "utils/AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/TypeLoc.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Config/llvm-config.h"

using namespace clang;

namespace mapguard {
namespace {
/// The exclusive guard that replaces a shared one, by the shared guard's simple name.
StringRef exclusiveCounterpart(StringRef SharedGuard) {
  return llvm::StringSwitch<StringRef>(SharedGuard)
      .Case("shared_lock", "unique_lock")
      .Case("upgrade_lock", "unique_lock")
      .Case("ReaderMutexLock", "MutexLock")
      .Case("QReadLocker", "QWriteLocker")
      .Default("");
}

/// The guard variable is named nowhere but its declaration (so changing its type changes nothing else).
bool isOnlyDeclared(const VarDecl *Guard, const FunctionDecl *Fn) { return referencesTo(Fn->getBody(), Guard).empty(); }
} // namespace

/// Whether \p Access, a change made with \p Guard held only shared and no other lock, is the one
/// exception to the protocol the unit keeps: every other change of the container takes the guard
/// exclusively (at least one does). The shape a writer's guard turned into a reader's leaves; a
/// rebuild under the reader lock that holds a second lock over the readers' slots (tkrzw) has one.
bool WriteUnderSharedLockCheck::breaksExclusiveWrites(const ContainerAccess &Access, const GuardInfo &Guard,
                                                      const GuardInference &Inference) {
  if (Access.Use.ElementOnly || Access.DeferredBy || Access.ScopeExit || Access.Held.held().size() != 1)
    return false;
  bool ExclusiveElsewhere = false;
  for (const ContainerAccess &Other :
       llvm::concat<const ContainerAccess>(Inference.accesses(), Inference.otherAccesses())) {
    if (Other.Ref == Access.Ref || Other.Container != Access.Container || !Other.Use.Write || Other.Use.ElementOnly ||
        Other.Use.HandleOnly || Other.BeforeOrAfterSharing || Other.OptedOut || Other.HeldByContract)
      continue;
    std::optional<ObjectPath> OtherPath = Inference.guardPath(Other, Guard);
    const HeldLock *Held = OtherPath ? Other.Held.find(*OtherPath) : nullptr;
    if (Other.Function == Access.Function && Held && Held->Kind == LockKind::Shared)
      continue; // the same critical section's other changes
    if (!Held || Held->Kind != LockKind::Exclusive)
      return false;
    ExclusiveElsewhere = true;
  }
  return ExclusiveElsewhere;
}

void WriteUnderSharedLockCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  bool AllRules = Rules.enabled("write-under-reader-lock");
  bool Consistent = Rules.enabled("shared-write-consistent-guard");
  if (!AllRules && !Consistent)
    return;
  llvm::DenseSet<const Expr *> Reported;
  llvm::DenseSet<const VarDecl *> FixedGuards;
  for (const ContainerAccess &Access :
       llvm::concat<const ContainerAccess>(Inference.accesses(), Inference.otherAccesses())) {
    if (!Access.Use.Write || Access.BeforeOrAfterSharing || Access.OptedOut || Access.HeldByContract ||
        !Reported.insert(Access.Ref).second)
      continue;
    const GuardInfo *Guard = Inference.guardOf(Access.Container);
    std::optional<ObjectPath> GuardPath = Guard ? Inference.guardPath(Access, *Guard) : std::nullopt;
    if (!GuardPath)
      continue;
    const HeldLock *Held = Access.Held.find(*GuardPath);
    if (!Held || Held->Kind != LockKind::Shared)
      continue;
    std::string Mutex = GuardPath->spelling();
    const FunctionCfg *Cfg = Inference.cfgOf(Access.Function, Ctx);
    bool SubscriptReads = Access.Use.What == "operator[]" && Cfg && subscriptOnlyReads(Access.Use.Site, Cfg->parents());
    bool Exception = Consistent && !SubscriptReads && breaksExclusiveWrites(Access, *Guard, Inference);
    if (!Exception && !AllRules)
      continue;
    {
      auto Diag =
          diag(Access.Ref->getExprLoc(),
               "%0 while '%1' is held only shared%select{|, where every other change of '%2' takes it "
               "exclusively}4; other readers may use '%2' at the same time: take '%1' "
               "exclusively%select{|; if this 'operator[]' only reads, use find() or at(), which do not insert}3")
          << describe(Access) << Mutex << Access.Path.spelling() << SubscriptReads << Exception
          << Access.Use.Site->getSourceRange();
      if (Held->Guard && !FixedGuards.contains(Held->Guard))
        if (auto Fix = exclusiveGuardFix(*Held, Ctx)) {
          Diag << *Fix;
          FixedGuards.insert(Held->Guard);
        }
    }
    if (Held->AcquiredAt)
      diag(Held->AcquiredAt->getBeginLoc(), "'%0' is locked shared here", DiagnosticIDs::Note) << Mutex;
    else
      diag(Access.Enclosing->getLocation(), "'%0' is held shared on entry to '%1'", DiagnosticIDs::Note)
          << Mutex << Access.Enclosing->getName();
  }
}

std::optional<FixItHint> WriteUnderSharedLockCheck::exclusiveGuardFix(const HeldLock &Lock, ASTContext &Ctx) {
  const VarDecl *Guard = Lock.Guard;
  const auto *Fn = dyn_cast_or_null<FunctionDecl>(Guard->getDeclContext());
  if (!Fn || !mayRewrite(Fn) || !Guard->getTypeSourceInfo() || !isOnlyDeclared(Guard, Fn))
    return std::nullopt;
  TypeLoc Loc = Guard->getTypeSourceInfo()->getTypeLoc();
  SourceLocation NameLoc;
#if LLVM_VERSION_MAJOR < 22 // LLVM 22 folded the qualifier into each type and dropped ElaboratedType
  if (auto Elaborated = Loc.getAs<ElaboratedTypeLoc>())
    Loc = Elaborated.getNamedTypeLoc();
#endif
  if (auto Spec = Loc.getAs<TemplateSpecializationTypeLoc>())
    NameLoc = Spec.getTemplateNameLoc();
  else if (auto Deduced = Loc.getAs<DeducedTemplateSpecializationTypeLoc>())
    NameLoc = Deduced.getTemplateNameLoc();
  else if (auto Tag = Loc.getAs<TagTypeLoc>())
    NameLoc = Tag.getNameLoc();
  else if (auto Typedef = Loc.getAs<TypedefTypeLoc>())
    NameLoc = Typedef.getNameLoc();
  if (NameLoc.isInvalid() || NameLoc.isMacroID())
    return std::nullopt;
  const SourceManager &SM = Ctx.getSourceManager();
  StringRef Name = Lexer::getSourceText(CharSourceRange::getTokenRange(NameLoc), SM, Ctx.getLangOpts());
  StringRef Replacement = exclusiveCounterpart(Name);
  if (Replacement.empty())
    return std::nullopt;
  return FixItHint::CreateReplacement(CharSourceRange::getTokenRange(NameLoc), Replacement);
}

} // namespace mapguard
