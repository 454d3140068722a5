#include "UnguardedAccessCheck.h"

#include "AstUtil.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace clang;

namespace mapguard {
namespace {
constexpr llvm::StringLiteral DefaultAlternatives =
    "folly::Synchronized;absl::Mutex with ABSL_GUARDED_BY;tbb::concurrent_hash_map";

/// Whether \p Name is declared or referred to in \p Body: a guard of that name would clash with it
/// or hide it.
bool usesName(const Stmt *Body, StringRef Name) {
  struct Finder : RecursiveASTVisitor<Finder> {
    StringRef Name;
    bool Found = false;
    bool check(const NamedDecl *D) {
      Found |= D && D->getIdentifier() && D->getName() == Name;
      return !Found;
    }
    bool VisitDeclRefExpr(DeclRefExpr *E) { return check(E->getDecl()); }
    bool VisitMemberExpr(MemberExpr *E) { return check(E->getMemberDecl()); }
    bool VisitNamedDecl(NamedDecl *D) { return check(D); }
  } Uses;
  Uses.Name = Name;
  Uses.TraverseStmt(const_cast<Stmt *>(Body));
  return Uses.Found;
}
} // namespace

UnguardedAccessCheck::UnguardedAccessCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : GuardedContainerCheck(Name, Context),
      SuggestedAlternatives(Options.get("SuggestedAlternatives", DefaultAlternatives)) {}

void UnguardedAccessCheck::storeOptions(tidy::ClangTidyOptions::OptionMap &Opts) {
  GuardedContainerCheck::storeOptions(Opts);
  Options.store(Opts, "SuggestedAlternatives", SuggestedAlternatives);
}

void UnguardedAccessCheck::report(GuardInference &Inference, ASTContext &Ctx) {
  FixedFunctions.clear();
  llvm::DenseSet<const Expr *> Reported;
  for (const ContainerAccess &Access : Inference.accesses()) {
    if (Access.InConstructorOrDestructor || Access.OptedOut || !Reported.insert(Access.Ref).second)
      continue;
    const GuardInfo *Guard = Inference.guardOf(Access.Container);
    if (!Guard) {
      reportThreadRace(Access, Inference, Ctx);
      continue;
    }
    std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, *Guard);
    // Held in any mode: a write under a shared lock is mapguard-write-under-shared-lock's.
    if (GuardPath && !Access.Held.find(*GuardPath))
      reportUnguarded(Access, *Guard, *GuardPath, Inference, Ctx);
  }
}

void UnguardedAccessCheck::reportUnguarded(const ContainerAccess &Access, const GuardInfo &Guard,
                                           const ObjectPath &GuardPath, GuardInference &Inference, ASTContext &Ctx) {
  std::string Mutex = GuardPath.spelling();
  std::string Why = Guard.Annotated ? "which guards it (GUARDED_BY)"
                                    : llvm::formatv("which guards it at {0} of {1} accesses", Guard.HeldAt,
                                                    Guard.Counted)
                                          .str();
  std::string Holding;
  for (const HeldLock &Lock : Access.Held.held())
    Holding += (Holding.empty() ? "" : ", ") + ("'" + Lock.Mutex.spelling() + "'");
  std::string Message = describe(Access) + " without holding '" + Mutex + "', " + Why;
  if (!Holding.empty())
    Message += " (holding " + Holding + " instead)";
  if (Guard.Annotated) {
    Message += "; lock '" + Mutex + "' first";
  } else {
    SmallVector<StringRef, 4> Alternatives;
    StringRef(SuggestedAlternatives).split(Alternatives, ';', -1, false);
    Message += "; lock '" + Mutex + "' here, or make the guard explicit: annotate '" +
               Access.Container->getNameAsString() + "' with GUARDED_BY(" + Guard.Mutex->getNameAsString() + ")";
    if (!Alternatives.empty())
      Message += " or use a synchronized container (" + llvm::join(Alternatives, ", ") + ")";
  }
  {
    auto Diag = diag(Access.Ref->getExprLoc(), "%0") << Message << Access.Use.Site->getSourceRange();
    if (auto Fix = lockGuardFix(Access, Guard, GuardPath, Inference, Ctx))
      Diag << *Fix;
  }
  if (const ReleasedLock *Released = Access.Held.released(GuardPath); Released && Released->At.isValid())
    diag(Released->At, "'%0' is released here", DiagnosticIDs::Note) << Mutex;
  if (Access.DeferredBy)
    diag(Access.DeferredBy->Call->getBeginLoc(), "the callable runs on another thread or later, handed over here",
         DiagnosticIDs::Note);
  if (Guard.Evidence && Guard.Evidence != &Access)
    diag(Guard.Evidence->Ref->getExprLoc(), "'%0' is accessed with '%1' held here", DiagnosticIDs::Note)
        << Guard.Evidence->Path.spelling() << Mutex;
  else if (Guard.Annotated)
    diag(Access.Container->getLocation(), "'%0' is declared GUARDED_BY(%1) here", DiagnosticIDs::Note)
        << Access.Container->getName() << Guard.Mutex->getName();
}

std::optional<FixItHint> UnguardedAccessCheck::lockGuardFix(const ContainerAccess &Access, const GuardInfo &Guard,
                                                            const ObjectPath &GuardPath, GuardInference &Inference,
                                                            ASTContext &Ctx) {
  // Certainly safe only when the function takes no lock itself and the access is in its own body.
  const FunctionDecl *Fn = Access.Function;
  // (A caller that holds a lock may hold this one: locking it again would deadlock.)
  if (Fn != Access.Enclosing || Access.DeferredBy || Inference.takesLocks(Fn) || Inference.calledWithLocks(Fn) ||
      !mayRewrite(Fn) || FixedFunctions.contains(Fn))
    return std::nullopt;
  if (!GuardPath.isRootedAtThis() && !isa<VarDecl>(Guard.Mutex))
    return std::nullopt;
  if (GuardPath.isRootedAtThis() && (GuardPath.steps().size() != 1 || !isa<CXXMethodDecl>(Fn)))
    return std::nullopt;
  // A const member function can lock only a mutable mutex.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->isConst())
    if (const auto *Field = dyn_cast<FieldDecl>(Guard.Mutex); Field && !Field->isMutable())
      return std::nullopt;
  const auto *Body = dyn_cast<CompoundStmt>(Fn->getBody());
  if (!Body || Body->body_empty())
    return std::nullopt;
  StringRef GuardName = usesName(Body, "lock") ? "guard" : "lock";
  if (usesName(Body, GuardName))
    return std::nullopt;
  // The guard must cover every access of the function: writes need the exclusive form.
  bool Write = llvm::any_of(Inference.accesses(), [&](const ContainerAccess &Other) {
    return Other.Function == Fn && Other.Container == Access.Container && Other.Use.Write;
  });
  std::string Declaration = LockModel::guardDeclaration(Guard.Mutex->getType(), GuardPath.spelling(),
                                                        Write ? LockKind::Exclusive : LockKind::Shared, GuardName);
  if (Declaration.empty())
    return std::nullopt;
  const SourceManager &SM = Ctx.getSourceManager();
  const Stmt *First = Body->body_front();
  SourceLocation At = First->getBeginLoc();
  if (At.isMacroID())
    return std::nullopt;
  FixedFunctions.insert(Fn);
  if (SM.getSpellingLineNumber(At) == SM.getSpellingLineNumber(Body->getLBracLoc()))
    return FixItHint::CreateInsertion(At, Declaration + " ");
  std::string Indent(SM.getSpellingColumnNumber(At) - 1, ' ');
  return FixItHint::CreateInsertion(At, Declaration + "\n" + Indent);
}

void UnguardedAccessCheck::reportThreadRace(const ContainerAccess &Access, GuardInference &Inference,
                                            ASTContext &Ctx) {
  // A global written on another thread, with no mutex anywhere, while other code uses it.
  if (!isa<VarDecl>(Access.Container) || !Access.DeferredBy || !Access.DeferredBy->NewThread || !Access.Use.Write ||
      !Access.Held.empty())
    return;
  const Deferral &Start = *Access.DeferredBy;
  const ContainerAccess *Other = nullptr;
  for (const ContainerAccess &Candidate : Inference.accesses()) {
    if (Candidate.Container != Access.Container || Candidate.Function == Access.Function)
      continue;
    // In the function that starts the thread, only accesses that may run while it runs count:
    // those reachable from the start without a join(), get() or wait() on the way.
    if (Candidate.Function == Access.Enclosing && !Candidate.DeferredBy) {
      const FunctionCfg *Cfg = Inference.cfgOf(Access.Enclosing, Ctx);
      bool Concurrent = false;
      if (Cfg)
        Cfg->forEachElementAfter(Start.Call, [&](const CFGElement &Element) {
          auto S = Element.getAs<CFGStmt>();
          if (!S)
            return FunctionCfg::Visit::Continue;
          if (const auto *Call = dyn_cast<CXXMemberCallExpr>(S->getStmt()))
            if (const auto *Method = Call->getMethodDecl(); Method && Method->getIdentifier() &&
                                                            (Method->getName() == "join" || Method->getName() == "get" ||
                                                             Method->getName() == "wait"))
              return FunctionCfg::Visit::StopPath;
          if (S->getStmt() == Candidate.Ref) {
            Concurrent = true;
            return FunctionCfg::Visit::Done;
          }
          return FunctionCfg::Visit::Continue;
        });
      if (!Concurrent)
        continue;
    }
    Other = &Candidate;
    break;
  }
  bool Repeated = Inference.startsRepeatedly(Start, Access.Enclosing, Ctx);
  if (!Other && !Repeated)
    return;
  std::string Name = Access.Path.spelling();
  diag(Access.Ref->getExprLoc(),
       "%0 runs on another thread with no mutex held, while '%1' is %2; guard '%1' with a mutex held at "
       "every access, or use a concurrent container")
      << describe(Access) << Name
      << (Other ? "also accessed elsewhere" : "written by every thread this loop starts")
      << Access.Use.Site->getSourceRange();
  diag(Start.Call->getBeginLoc(), "the thread is started here", DiagnosticIDs::Note);
  if (Other)
    diag(Other->Ref->getExprLoc(), "'%0' is also accessed here", DiagnosticIDs::Note) << Name;
}

} // namespace mapguard
