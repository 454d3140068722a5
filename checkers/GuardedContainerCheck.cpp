#include "GuardedContainerCheck.h"

#include "analysis/UnitFacts.h"
#include "analysis/WhatWasSeen.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"

#include "analysis/Handover.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "llvm/ADT/DenseSet.h"
#include <map>
#include <mutex>

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {

/// The models and the inference of one translation unit, owned by the checks that use it.
struct GuardedContainerCheck::SharedAnalysis {
  explicit SharedAnalysis(const ModelOptions &Models)
      : Containers(Models.Containers, Models.InsertInvalidatingContainers), Locks(Models.Locks),
        Deferring(Models.Deferring), Inference(Containers, Locks, Deferring, Models.MaxCallDepth) {}
  const ContainerModel Containers;
  const LockModel Locks;
  const DeferringCallees Deferring;
  GuardInference Inference;
  llvm::DenseSet<const FunctionDecl *> Added;
  std::vector<const FunctionDecl *> Patterns; // functions in templates' definitions
  bool Analysed = false;
  bool SeenReported = false; // the facts for the CLI's account of the run, once per unit
  std::optional<std::vector<CheckThenActPair>> CheckThenActPairs;
};

std::shared_ptr<GuardedContainerCheck::SharedAnalysis>
GuardedContainerCheck::sharedAnalysis(const ASTContext *Ctx, const ModelOptions &Models) {
  // Keyed by the unit's ASTContext (the CLI analyses units on several threads) and the options.
  // An entry lives while a check of the unit holds it: until the end of the unit.
  static std::mutex RegistryMutex;
  static std::map<std::pair<const ASTContext *, std::string>, std::weak_ptr<SharedAnalysis>> Registry;
  std::lock_guard<std::mutex> Lock(RegistryMutex);
  for (auto It = Registry.begin(); It != Registry.end();)
    It = It->second.expired() ? Registry.erase(It) : std::next(It);
  std::weak_ptr<SharedAnalysis> &Entry = Registry[{Ctx, Models.key()}];
  std::shared_ptr<SharedAnalysis> Analysis = Entry.lock();
  if (!Analysis) {
    Analysis = std::make_shared<SharedAnalysis>(Models);
    Entry = Analysis;
  }
  return Analysis;
}

GuardedContainerCheck::GuardedContainerCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context), Models(ModelOptions::read(Options)),
      Rules(RuleSelection::read(Name, Options, *this)), TidyContext(Context),
      ReportSeen(ModelOptions::parseBool(Options.getLocalOrGlobal("MapguardReportSeen", "false"), false)) {
  configureProjectIndex(Options.getLocalOrGlobal("ProjectIndex", ""), Context->getCurrentBuildDirectory(),
                        Context->getCurrentFile());
  if (FactsRequest *Request = factsRequest(); Request && Request->Collect)
    Request->GuardChecksReport = true;
}

bool GuardedContainerCheck::isCheckEnabled(StringRef Name) const { return TidyContext->isCheckEnabled(Name); }

const std::vector<CheckThenActPair> &GuardedContainerCheck::checkThenActPairs(GuardInference &Inference,
                                                                              ASTContext &Ctx) {
  if (!Shared->CheckThenActPairs)
    Shared->CheckThenActPairs = findCheckThenAct(Inference, Ctx);
  return *Shared->CheckThenActPairs;
}

void GuardedContainerCheck::storeOptions(tidy::ClangTidyOptions::OptionMap &Opts) {
  Models.store(Options, Opts);
  Options.store(Opts, "Rules", Rules.spec());
}

void GuardedContainerCheck::registerMatchers(MatchFinder *Finder) {
  // Every function once; the analysis runs when the translation unit has been seen whole.
  Finder->addMatcher(functionDecl(isDefinition(), unless(isExpansionInSystemHeader())).bind("fn"), this);
}

void GuardedContainerCheck::check(const MatchFinder::MatchResult &Result) {
  const auto *Fn = Result.Nodes.getNodeAs<FunctionDecl>("fn");
  // Lambdas are analysed with the function that creates them.
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->getParent()->isLambda())
    return;
  if (!Shared || Context != Result.Context) {
    Context = Result.Context;
    Shared = sharedAnalysis(Context, Models);
  }
  // Templates are analysed through their instantiations, where container and mutex types are
  // known; a template the unit never instantiates, in its definition (decided when the unit has
  // been seen whole).
  if (Fn->isDependentContext())
    Shared->Patterns.push_back(Fn);
  else if (Shared->Added.insert(Fn).second)
    Shared->Inference.addFunction(Fn);
}

void GuardedContainerCheck::registerPPCallbacks(const SourceManager &, Preprocessor *UnitPP, Preprocessor *) {
  PP = UnitPP;
}

void GuardedContainerCheck::onEndOfTranslationUnit() {
  if (Shared && Context) {
    if (!Shared->Analysed) {
      for (const FunctionDecl *Pattern : Shared->Patterns)
        if (!templateInstantiatedInUnit(Pattern) && Shared->Added.insert(Pattern).second)
          Shared->Inference.addFunction(Pattern);
      Shared->Inference.analyse(*Context);
      Shared->Analysed = true;
    }
    LockedLambdas.clear();
    report(Shared->Inference, *Context);
    // Only the CLI asks (MapguardReportSeen): a remark it takes out of the findings.
    if (ReportSeen && !Shared->SeenReported) {
      Shared->SeenReported = true;
      const SourceManager &SM = Context->getSourceManager();
      diag(SM.getLocForStartOfFile(SM.getMainFileID()), "%0%1", DiagnosticIDs::Remark)
          << SeenFactsPrefix << seenFactsJson(Shared->Inference, *Context, PP);
    }
    // Only the CLI asks (its first look), once per unit whichever check ends it first.
    if (std::optional<std::string> Facts = unitFactsToReport(*Context, Models, &Shared->Inference)) {
      const SourceManager &SM = Context->getSourceManager();
      diag(SM.getLocForStartOfFile(SM.getMainFileID()), "%0%1", DiagnosticIDs::Remark) << UnitFactsPrefix << *Facts;
    }
  }
  Shared.reset();
  Context = nullptr;
}

bool GuardedContainerCheck::readWhereFunctionLocks(const ContainerAccess &Access, const ObjectPath &GuardPath,
                                                   const GuardInference &Inference) {
  // (Not a read after the function released the guard: waiting under the lock until the producers
  // are done - `while (true) { lock; if (loops.size() == n) break; }` - and then reading without it
  // is a phase the locked check established, libhv's HttpServer.)
  if (Access.Held.released(GuardPath))
    return false;
  return llvm::any_of(Inference.accesses(), [&](const ContainerAccess &Other) {
    return Other.Function == Access.Function && Other.Container == Access.Container && Other.Path == Access.Path &&
           Other.Held.find(GuardPath);
  });
}

bool GuardedContainerCheck::keptByOtherFunctions(const ContainerAccess &Access, const GuardInfo &Guard,
                                                 const GuardInference &Inference, const FunctionDecl *AlsoOwn,
                                                 bool ChangeAfterHandOver) {
  // (A size-only read is a snapshot, no evidence either way; a table filled unlocked by a set-up
  // function and only read, locked, afterwards has no writer that can run at the same time; a
  // private helper called only by the access's function runs on its thread - a worker that moves a
  // backlog into its own queue under the lock, then walks the queue unlocked, as oatpp's TimerWorker.)
  // A function any thread may call runs beside itself: its helpers' locked accesses in another
  // call are other code (a public obtainShared() that locks late, its registering helper locked).
  const FunctionDecl *Fn = Access.Function;
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  bool BesideItself = !Inference.handedOver(Fn) && (Method ? isPubliclyCallable(Method) : Fn->isExternallyVisible());
  // The accesses of other units (the project index's tallies) hold it at every one, or not.
  if (Guard.Elsewhere.Counted > Guard.Elsewhere.HeldAt)
    return false;
  bool TakenElsewhere = Guard.Elsewhere.Taken;
  bool WrittenElsewhere = Guard.Elsewhere.Written;
  for (const ContainerAccess &Other : Inference.accesses()) {
    if (Other.Container != Access.Container || !Other.countsForGuard() || readsOnlySize(Other) ||
        Other.Function == Fn || Other.Function == AlsoOwn ||
        (!BesideItself && Inference.runsOnlyWithin(Other.Function, Fn)))
      continue;
    std::optional<ObjectPath> OtherPath = Inference.guardPath(Other, Guard);
    if (!OtherPath)
      return false;
    // (A read after its function released the guard is the phase its locked part established - the
    // read that readWhereFunctionLocks does not report - not an access that ignores the guard:
    // libhv's http_server_stop waits under the lock until every loop runs, then walks them.)
    if (!Other.Use.Write && Other.Held.released(*OtherPath) && !Other.Held.find(*OtherPath))
      continue;
    // (A helper's access is made at its calls: held when every call from elsewhere holds it.)
    bool HeldOnlyByCallers = !Other.Held.find(*OtherPath);
    if (HeldOnlyByCallers && !Inference.heldByCallersOtherThan(Other, *OtherPath, Fn))
      return false;
    TakenElsewhere = TakenElsewhere || HeldOnlyByCallers || Inference.takesLocks(Other.Function);
    WrittenElsewhere = WrittenElsewhere || Other.Use.Write;
  }
  // (A change made before its function takes the lock for its other accesses - a lock one statement
  // too late - races with the locked readers, whoever else writes: oatpp's registerClassName.)
  std::optional<ObjectPath> GuardPath = Inference.guardPath(Access, Guard);
  bool LateLockedChange = Access.Use.Write && GuardPath && readWhereFunctionLocks(Access, *GuardPath, Inference);
  return TakenElsewhere && (WrittenElsewhere || LateLockedChange || (ChangeAfterHandOver && Access.Use.Write));
}

std::string GuardedContainerCheck::describe(const ContainerAccess &Access) {
  std::string Name = "'" + Access.Path.spelling() + "'";
  const std::string &What = Access.Use.What;
  if (What == "read")
    return "access to " + Name;
  if (What == "iteration")
    return "iteration over " + Name;
  if (What == "non-const reference" || What == "pointer to non-const")
    return Name + " passed as a " + What;
  return "'" + What + "' on " + Name;
}

bool GuardedContainerCheck::readsOnlySize(const ContainerAccess &Access) {
  StringRef What = Access.Use.What;
  if (Access.Use.Write)
    return false;
  if (What == "count") { // QList::count(), not a map's count(key)
    const auto *Call = dyn_cast_or_null<CallExpr>(Access.Use.Site);
    return Call && Call->getNumArgs() == 0;
  }
  return What == "size" || What == "empty" || What == "length" || What == "isEmpty" || What == "capacity" ||
         What == "max_size";
}

void GuardedContainerCheck::reportThreadRace(const ContainerAccess &Access, GuardInference &Inference, ASTContext &Ctx,
                                             StringRef Rule, StringRef Lead, StringRef Elsewhere) {
  if (!Rules.enabled(Rule))
    return;
  bool Repeated = false;
  const ContainerAccess *Other = concurrentAccess(Access, Inference, Ctx, Repeated);
  if ((!Other && !Repeated) || !Access.DeferredBy)
    return;
  std::string Name = Access.Path.spelling();
  diag(Access.Ref->getExprLoc(), "%0 %1 with no mutex held, while '%2' is %3; guard '%2' with a mutex held at "
                                 "every access, or use a concurrent container")
      << describe(Access) << Lead << Name << (Other ? Elsewhere : "written by every thread this loop starts")
      << Access.Use.Site->getSourceRange();
  diag(Access.DeferredBy->Call->getBeginLoc(), "the thread is started here", DiagnosticIDs::Note);
  if (Other)
    diag(Other->Ref->getExprLoc(), "'%0' is also accessed here", DiagnosticIDs::Note) << Name;
}

bool GuardedContainerCheck::mayTakeGuard(const FunctionDecl *Fn, const GuardInfo &Guard, const LockModel &Locks) {
  if (mayNameMember(Fn, Guard.Mutex))
    return true;
  const auto *Field = dyn_cast<FieldDecl>(Guard.Mutex);
  return Field && Locks.ownLockMember(dyn_cast<CXXRecordDecl>(Field->getParent())) == Field;
}

void GuardedContainerCheck::noteGuardEvidence(const ContainerAccess &Access, const GuardInfo &Guard, StringRef Mutex) {
  if (Guard.Evidence && Guard.Evidence != &Access)
    diag(Guard.Evidence->Ref->getExprLoc(), "'%0' is accessed with '%1' held here", DiagnosticIDs::Note)
        << Guard.Evidence->Path.spelling() << Mutex;
  else if (Guard.Annotated)
    diag(Access.Container->getLocation(), "'%0' is declared GUARDED_BY(%1) here", DiagnosticIDs::Note)
        << Access.Container->getName() << Guard.Mutex->getName();
}

} // namespace mapguard
