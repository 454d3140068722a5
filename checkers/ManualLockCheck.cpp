#include "ManualLockCheck.h"
#include "LockFixes.h"

#include "analysis/LockState.h"
#include "analysis/UnitFacts.h"
#include "utils/AstUtil.h"
#include "utils/NodesUnder.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/Lex/Lexer.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace mapguard {

/// A lock taken by hand and a way out that keeps it: a path leaving through \p Exit, or a call
/// that may throw while it is held.
struct ManualLockCheck::Escape {
  HeldLock Lock;
  const Stmt *Exit = nullptr;         // return, break, continue, goto, throw (may be unknown)
  const CallExpr *MayThrow = nullptr; // a call that may throw while the lock is held
  std::optional<ThrowSite> Thrown;    // what it throws and where, when known
  bool AtEnd = false;                 // the end of the function is reached with it locked
};

/// The lock-function calls of a body by role, with the mutex each names.
struct ManualLockCheck::ManualCalls {
  SmallVector<std::pair<const CallExpr *, ObjectPath>, 4> Locks, Unlocks, Asserts;
};

ManualLockCheck::ManualCalls ManualLockCheck::findManualCalls(const Stmt *Body, const LockModel &Model,
                                                              ObjectPathResolver &Resolver) {
  struct Finder : RecursiveASTVisitor<Finder> {
    const LockModel &Model;
    ObjectPathResolver &Resolver;
    ManualCalls Found;
    Finder(const LockModel &M, ObjectPathResolver &R) : Model(M), Resolver(R) {}
    bool TraverseLambdaExpr(LambdaExpr *) { return true; } // checked as functions of their own
    bool VisitCallExpr(CallExpr *Call) {
      auto Role = Model.roleOfCall(Call);
      if (!Role || (Role->Action != LockAction::Lock && Role->Action != LockAction::Unlock &&
                    Role->Action != LockAction::Assert))
        return true;
      auto &Into = Role->Action == LockAction::Lock     ? Found.Locks
                   : Role->Action == LockAction::Unlock ? Found.Unlocks
                                                        : Found.Asserts;
      if (const auto *Member = dyn_cast<CXXMemberCallExpr>(Call)) {
        const Expr *Object = Member->getImplicitObjectArgument();
        if (Model.isMutexObject(Object))
          if (auto Path = Resolver.objectOfCall(Member))
            Into.emplace_back(Call, *Path);
        return true;
      }
      if (std::optional<DependentMemberCall> Dependent = dependentMemberCall(Call)) { // a template's definition
        if (Model.isMutex(Dependent->Object->getType(), declOfExpr(Dependent->Object)))
          if (auto Path = Resolver.objectOf(Dependent->Object))
            Into.emplace_back(Call, *Path);
        return true;
      }
      for (const Expr *Operand : Model.mutexOperands(ArrayRef(Call->getArgs(), Call->getNumArgs())))
        if (auto Path = Resolver.objectOrPointee(Operand))
          Into.emplace_back(Call, *Path);
      return true;
    }
  } Calls(Model, Resolver);
  Calls.TraverseStmt(const_cast<Stmt *>(Body));
  return Calls.Found;
}

namespace {

/// The statement by which a block leaves: its terminator, or a return or throw in it.
const Stmt *exitStatementOf(const CFGBlock &Block) {
  if (const Stmt *Terminator = Block.getTerminatorStmt();
      isa_and_nonnull<BreakStmt, ContinueStmt, GotoStmt>(Terminator))
    return Terminator;
  for (auto It = Block.rbegin(); It != Block.rend(); ++It)
    if (auto S = It->getAs<CFGStmt>(); S && isa<ReturnStmt, CXXThrowExpr>(S->getStmt()))
      return S->getStmt();
  return nullptr;
}

StringRef exitName(const Stmt *Exit) {
  if (isa<ReturnStmt>(Exit))
    return "return";
  if (isa<BreakStmt>(Exit))
    return "break";
  if (isa<ContinueStmt>(Exit))
    return "continue";
  if (isa<GotoStmt>(Exit))
    return "goto";
  return "throw";
}

/// Whether an exception in \p Fn ends the program instead of leaving the function: it is noexcept
/// and catches nothing itself.
bool exceptionsTerminate(const FunctionDecl *Fn) {
  const auto *Proto = Fn->getType()->getAs<FunctionProtoType>();
  if (!Proto || !Proto->isNothrow())
    return false;
  return !anyNodeUnder<CXXTryStmt>(Fn->getBody(), [](const CXXTryStmt *) { return true; });
}

} // namespace

ManualLockCheck::ManualLockCheck(StringRef Name, tidy::ClangTidyContext *Context)
    : ClangTidyCheck(Name, Context), Models(ModelOptions::read(Options)),
      ReportThrowingCalls(ModelOptions::parseBool(Options.get("ReportThrowingCalls", "true"), true)),
      StrictExceptions(ModelOptions::parseBool(Options.get("StrictExceptions", "false"), false)), Locks(Models.Locks),
      Rules(RuleSelection::read(Name, Options, *this)) {
  configureProjectIndex(Options.getLocalOrGlobal("ProjectIndex", ""), Context->getCurrentBuildDirectory(),
                        Context->getCurrentFile());
}

void ManualLockCheck::onEndOfTranslationUnit() {
  // Only the CLI asks (its first look): a remark it takes out of the findings. A guard-based check
  // reports them when one runs, with the guard inference's container tallies.
  FactsRequest *Request = factsRequest();
  if (Unit && !(Request && Request->GuardChecksReport))
    if (std::optional<std::string> Facts = unitFactsToReport(*Unit, Models)) {
      const SourceManager &SM = Unit->getSourceManager();
      diag(SM.getLocForStartOfFile(SM.getMainFileID()), "%0%1", DiagnosticIDs::Remark) << UnitFactsPrefix << *Facts;
    }
  Unit = nullptr;
  Cfgs.clear();
  Throws.clear();
}

void ManualLockCheck::storeOptions(tidy::ClangTidyOptions::OptionMap &Opts) {
  Models.store(Options, Opts);
  Options.store(Opts, "ReportThrowingCalls", ReportThrowingCalls ? "true" : "false");
  Options.store(Opts, "StrictExceptions", StrictExceptions ? "true" : "false");
  Options.store(Opts, "Rules", Rules.spec());
}

void ManualLockCheck::registerMatchers(MatchFinder *Finder) {
  Finder->addMatcher(functionDecl(isDefinition(), unless(isExpansionInSystemHeader())).bind("fn"), this);
}

void ManualLockCheck::check(const MatchFinder::MatchResult &Result) {
  const auto *Fn = Result.Nodes.getNodeAs<FunctionDecl>("fn");
  if (const auto *Method = dyn_cast<CXXMethodDecl>(Fn); Method && Method->getParent()->isLambda())
    return; // reached through the function that creates the lambda
  Unit = Result.Context;
  checkFunction(Fn, *Result.Context);
}

void ManualLockCheck::checkFunction(const FunctionDecl *Fn, ASTContext &Ctx) {
  if (Fn->isTemplated() && templateInstantiatedInUnit(Fn))
    return; // judged in each instantiation, where the mutex types are known
  forEachNodeUnder<LambdaExpr>(
      Fn->getBody(),
      [&](const LambdaExpr *Lambda) {
        checkFunction(Lambda->getCallOperator(), Ctx); // a function of its own, with its own lambdas
        return true;
      },
      LambdaBodies::Skip);
  if (Rules.enabled("guard-locks-nothing"))
    checkGuardsThatLockNothing(Fn, Ctx);

  ObjectPathResolver Resolver(Ctx);
  ManualCalls Calls = findManualCalls(Fn->getBody(), Locks, Resolver);
  if (Calls.Locks.empty())
    return;
  // A lock that a callable created here releases (`mu.lock(); ... std::async([this] { dump();
  // mu.unlock(); });`) is handed over with the callable: leaving with it held is the protocol.
  SmallVector<ObjectPath, 1> ReleasedByCallables;
  forEachNodeUnder<LambdaExpr>(
      Fn->getBody(),
      [&](const LambdaExpr *Lambda) {
        for (const auto &Unlock : findManualCalls(Lambda->getBody(), Locks, Resolver).Unlocks)
          ReleasedByCallables.push_back(Unlock.second);
        return true;
      },
      LambdaBodies::Skip);
  // A function that locks and never unlocks the same mutex is a lock wrapper, not a leak; one
  // that asserts it held (`mu.AssertHeld()`) unlocks and relocks its caller's lock.
  llvm::erase_if(Calls.Locks, [&](const auto &Lock) {
    auto Same = [&](const auto &Other) { return Other.second == Lock.second; };
    return llvm::none_of(Calls.Unlocks, Same) || llvm::any_of(Calls.Asserts, Same) ||
           llvm::is_contained(ReleasedByCallables, Lock.second);
  });
  if (Calls.Locks.empty())
    return;
  const FunctionCfg *Cfg = Cfgs.get(Fn, Ctx);
  if (!Cfg)
    return;
  LockStateAnalysis Analysis(Locks, Resolver);
  // A function that requires a lock may unlock and relock it: its caller owns the unlock. So may
  // one whose first act on a mutex, on some path, is to unlock it (RocksDB's
  // `mutex_.Unlock(); notify(); mutex_.Lock();`): its caller holds it.
  LockSet Entry = Analysis.annotatedEntry(Fn);
  struct UnlocksUnheld : LockStateHandler {
    const ManualCalls &Calls;
    SmallVector<ObjectPath, 1> Mutexes;
    explicit UnlocksUnheld(const ManualCalls &C) : Calls(C) {}
    void element(const CFGElement &Element, const LockSet &Before) override {
      auto S = Element.getAs<CFGStmt>();
      for (const auto &[Unlock, Mutex] : Calls.Unlocks)
        if (S && S->getStmt() == Unlock && !Before.find(Mutex) && !llvm::is_contained(Mutexes, Mutex))
          Mutexes.push_back(Mutex);
    }
  } CallerHeld(Calls);
  Analysis.run(*Cfg, Entry, CallerHeld);
  for (const ObjectPath &Mutex : CallerHeld.Mutexes)
    if (!Entry.find(Mutex))
      Entry.acquire({Mutex, LockKind::Exclusive, nullptr, nullptr, std::nullopt});
  struct Handler : LockStateHandler {
    const LockModel &Model;
    const LockSet &Entry;
    bool Exceptions;
    ThrowSummaries *Throws;                        // null: the strict rule, any call that is not noexcept
    llvm::MapVector<const Stmt *, Escape> Escapes; // by lock call, in CFG order
    Handler(const LockModel &M, const LockSet &E, bool Exceptions, ThrowSummaries *Throws)
        : Model(M), Entry(E), Exceptions(Exceptions), Throws(Throws) {}
    bool isManual(const HeldLock &Lock) const {
      return !Lock.Guard && isa_and_nonnull<CallExpr>(Lock.AcquiredAt) && !Entry.find(Lock.Mutex);
    }
    void element(const CFGElement &Element, const LockSet &Before) override {
      auto S = Element.getAs<CFGStmt>();
      const auto *Call = S ? dyn_cast<CallExpr>(S->getStmt()) : nullptr;
      if (!Exceptions || !Call || !Model.mayThrow(Call) ||
          llvm::none_of(Before.held(), [&](const HeldLock &Lock) { return isManual(Lock); }))
        return;
      // Allocation failure alone is not reported: most code is written as if it cannot happen.
      std::optional<ThrowSite> Thrown = Throws ? Throws->throwSiteOf(Call) : std::nullopt;
      if (Throws && !Thrown)
        return;
      for (const HeldLock &Lock : Before.held())
        if (isManual(Lock) && !Escapes.count(Lock.AcquiredAt))
          Escapes[Lock.AcquiredAt] = Escape{Lock, nullptr, Call, Thrown};
    }
    void heldOnSomePaths(const HeldLock &Lock, const CFGBlock &Join, const CFGBlock &HoldingPred) override {
      if (!isManual(Lock))
        return;
      // Only a way out skips an unlock: a return, break, continue, goto or throw, or the end of the
      // function. Other joins are conditional locking on a correlated flag
      // (`if (concurrent) mu.lock(); ... if (concurrent) mu.unlock();`), which paths cannot tell.
      const Stmt *Exit = exitStatementOf(HoldingPred);
      // A path into a noreturn call (abort, a failed assert) ends the process, not the region.
      bool EndOfFunction = Join.succ_empty() && !HoldingPred.hasNoReturnElement();
      if (!Exit && !EndOfFunction)
        return;
      Escape &E = Escapes[Lock.AcquiredAt];
      if (!E.Exit && !E.AtEnd) // a skipping path is a stronger reason than a call that may throw
        E = Escape{Lock, Exit, nullptr, std::nullopt, !Exit};
    }
  } Collect(Locks, Entry,
            Ctx.getLangOpts().CXXExceptions && ReportThrowingCalls && Rules.enabled("throw-while-locked") &&
                !exceptionsTerminate(Fn),
            StrictExceptions ? nullptr : &Throws);
  Analysis.run(*Cfg, Entry, Collect);
  for (const auto &[Site, E] : Collect.Escapes)
    if (llvm::any_of(Calls.Locks, [&, Site = Site](const auto &Lock) { return Lock.first == Site; }))
      reportEscape(E, Calls, Fn, *Cfg, Ctx);
}

void ManualLockCheck::reportEscape(const Escape &E, const ManualCalls &Calls, const FunctionDecl *Fn,
                                   const FunctionCfg &Cfg, ASTContext &Ctx) {
  if (!Rules.enabled(E.Exit || E.AtEnd ? "exit-while-locked" : "throw-while-locked"))
    return;
  const auto *LockCall = cast<CallExpr>(E.Lock.AcquiredAt);
  std::string Mutex = E.Lock.Mutex.spelling();
  // What the exit leaves: the function (0), a loop (1), or the switch a 'break' ends (2).
  unsigned Leaves = 0;
  if (E.Exit && isa<ContinueStmt>(E.Exit))
    Leaves = 1;
  else if (const auto *Break = dyn_cast_or_null<BreakStmt>(E.Exit))
    Leaves = isa_and_nonnull<SwitchStmt>(breakTarget(Break, Cfg.parents())) ? 2 : 1;
  unsigned How = E.Exit ? 0 : E.MayThrow ? 1 : 2;
  {
    auto Diag =
        diag(LockCall->getExprLoc(),
             "'%0' is locked by hand and %select{a '%2' leaves the %select{function|loop|switch}3|an exception from a "
             "call before the unlock leaves the function|a path reaches the end of the function}1 with it "
             "still locked; use a scoped guard (std::lock_guard, std::scoped_lock) so that every path unlocks "
             "it")
        << Mutex << How << (E.Exit ? exitName(E.Exit) : StringRef()) << Leaves << LockCall->getSourceRange();
    // Fix: `mu.lock(); ...; mu.unlock();` in one block becomes `{ std::lock_guard<...> lock(mu); ...; }`.
    auto Count = [&](const auto &List) {
      return llvm::count_if(List, [&](const auto &Entry) { return Entry.second == E.Lock.Mutex; });
    };
    const auto *Block = dyn_cast_or_null<CompoundStmt>(Cfg.parents().getParent(LockCall));
    const auto *Member = dyn_cast<CXXMemberCallExpr>(LockCall);
    if (Block && Member && Count(Calls.Locks) == 1 && Count(Calls.Unlocks) == 1 && !Fn->isTemplateInstantiation()) {
      const CallExpr *UnlockCall =
          llvm::find_if(Calls.Unlocks, [&](const auto &U) { return U.second == E.Lock.Mutex; })->first;
      auto LockPos = llvm::find(Block->body(), LockCall);
      auto UnlockPos = llvm::find(Block->body(), UnlockCall);
      bool DeclaresBetween =
          LockPos < UnlockPos && std::any_of(LockPos, UnlockPos, [](const Stmt *S) { return isa<DeclStmt>(S); });
      const SourceManager &SM = Ctx.getSourceManager();
      const LangOptions &LO = Ctx.getLangOpts();
      std::string Guard = scopedGuardFor(Member, Locks, Ctx);
      SourceLocation AfterLock = Lexer::findLocationAfterToken(LockCall->getEndLoc(), tok::semi, SM, LO, false);
      SourceLocation AfterUnlock = Lexer::findLocationAfterToken(UnlockCall->getEndLoc(), tok::semi, SM, LO, false);
      if (UnlockPos != Block->body_end() && LockPos < UnlockPos && !DeclaresBetween && !Guard.empty() &&
          AfterLock.isValid() && AfterUnlock.isValid() && !LockCall->getBeginLoc().isMacroID()) {
        std::string Indent(SM.getSpellingColumnNumber(LockCall->getBeginLoc()) - 1, ' ');
        Diag << FixItHint::CreateReplacement(CharSourceRange::getCharRange(LockCall->getBeginLoc(), AfterLock),
                                             "{\n" + Indent + "  " + Guard)
             << FixItHint::CreateReplacement(CharSourceRange::getCharRange(UnlockCall->getBeginLoc(), AfterUnlock),
                                             "}");
      }
    }
  }
  if (E.Exit)
    diag(E.Exit->getBeginLoc(), "'%0' is still locked when this '%1' leaves", DiagnosticIDs::Note)
        << Mutex << exitName(E.Exit);
  else if (E.MayThrow && E.Thrown && !E.Thrown->Exception.empty())
    diag(E.MayThrow->getExprLoc(), "this call may throw '%0' while '%1' is locked", DiagnosticIDs::Note)
        << E.Thrown->Exception << Mutex << E.MayThrow->getSourceRange();
  else if (E.MayThrow)
    diag(E.MayThrow->getExprLoc(), "this call may throw while '%0' is locked", DiagnosticIDs::Note)
        << Mutex << E.MayThrow->getSourceRange();
  // The throw itself, where it is the project's own code.
  if (E.Thrown && E.Thrown->At != E.MayThrow && !Ctx.getSourceManager().isInSystemHeader(E.Thrown->At->getBeginLoc()))
    diag(E.Thrown->At->getBeginLoc(), "it can throw here", DiagnosticIDs::Note);
}

namespace {
/// The guard temporary an expression statement constructs and discards, and where its argument
/// list opens: `std::lock_guard<std::mutex>{mu_};`, `std::lock_guard<std::mutex>(this->mu_);`.
std::pair<const Expr *, SourceLocation> discardedTemporary(const Expr *Statement) {
  const Expr *E = Statement->IgnoreImplicit();
  if (const auto *Cast = dyn_cast<CXXFunctionalCastExpr>(E))
    return {Cast, Cast->getLParenLoc()};
  if (const auto *Temporary = dyn_cast<CXXTemporaryObjectExpr>(E))
    return {Temporary, Temporary->getParenOrBraceRange().getBegin()};
  return {nullptr, SourceLocation()};
}
} // namespace

void ManualLockCheck::checkGuardsThatLockNothing(const FunctionDecl *Fn, ASTContext &Ctx) {
  const Stmt *Body = Fn->getBody();
  if (!Body)
    return;
  const auto *Method = dyn_cast<CXXMethodDecl>(Fn);
  // A mutex of this name that a parenthesised declarator of the same name hides.
  auto HiddenMutex = [&](const VarDecl *Guard) -> const ValueDecl * {
    if (Method)
      for (const FieldDecl *Field : Method->getParent()->fields())
        if (Field->getName() == Guard->getName() && Locks.isMutex(Field->getType(), Field))
          return Field;
    for (const NamedDecl *Found : Fn->getParent()->lookup(Guard->getDeclName()))
      if (const auto *Var = dyn_cast<VarDecl>(Found);
          Var && Var->hasGlobalStorage() && Locks.isMutex(Var->getType(), Var))
        return Var;
    return nullptr;
  };
  StringRef Name = namesDeclaredOrUsed(Body, "lock") ? "guard" : "lock";
  const SourceManager &SM = Ctx.getSourceManager();
  // The guard as it should read: the statement with the name inserted where its arguments open.
  auto Named = [&](const Stmt *Written, SourceLocation Open) -> std::string {
    std::string Text = sourceText(Written, Ctx);
    if (Text.empty() || Open.isInvalid() || Open.isMacroID())
      return "";
    unsigned Offset = SM.getFileOffset(Open) - SM.getFileOffset(SM.getExpansionLoc(Written->getBeginLoc()));
    if (Offset > Text.size())
      return "";
    StringRef Before = StringRef(Text).take_front(Offset).rtrim();
    return (Before + " " + Name + StringRef(Text).drop_front(Offset).rtrim(';')).str();
  };
  auto Report = [&](SourceLocation At, const Stmt *Written, SourceLocation Open, StringRef Message, StringRef Mutex) {
    std::string Suggestion = Named(Written, Open);
    auto Diag = diag(At, Message) << Mutex << !Suggestion.empty() << Suggestion;
    if (!Suggestion.empty() && !Fn->isTemplated() && !Fn->isTemplateInstantiation() && !namesDeclaredOrUsed(Body, Name))
      Diag << FixItHint::CreateInsertion(Open, (" " + Name).str());
  };
  SmallVector<const Stmt *, 4> Statements; // the statements of every block, lambdas excluded
  forEachNodeUnder<CompoundStmt>(
      Body,
      [&](const CompoundStmt *Block) {
        Statements.append(Block->body_begin(), Block->body_end());
        return true;
      },
      LambdaBodies::Skip);
  for (const Stmt *S : Statements) {
    if (const auto *Declaration = dyn_cast<DeclStmt>(S); Declaration && Declaration->isSingleDecl()) {
      const auto *Guard = dyn_cast<VarDecl>(Declaration->getSingleDecl());
      std::optional<LockModel::GuardConstruction> Construction = Guard ? Locks.guardConstruction(Guard) : std::nullopt;
      auto Paren = Guard && Guard->getTypeSourceInfo() ? Guard->getTypeSourceInfo()->getTypeLoc().getAs<ParenTypeLoc>()
                                                       : ParenTypeLoc();
      bool Empty =
          Locks.guardKind(Guard ? Guard->getType() : QualType()) && (!Construction || Construction->Mutexes.empty());
      if (Paren && Empty && HiddenMutex(Guard)) {
        Report(Guard->getLocation(), S, Paren.getLParenLoc(),
               "this declares a new guard named '%0' that locks nothing and hides the mutex '%0': the code after it "
               "runs without the lock; name the guard: %select{give it a name|'%2'}1",
               Guard->getName());
      }
      continue;
    }
    const auto *Statement = dyn_cast<Expr>(S);
    auto [Temporary, Open] = Statement ? discardedTemporary(Statement) : std::pair<const Expr *, SourceLocation>();
    if (!Temporary || !Locks.guardKind(Temporary->getType()))
      continue;
    const auto *Construct = dyn_cast<CXXConstructExpr>(Temporary);
    if (const auto *Cast = dyn_cast<CXXFunctionalCastExpr>(Temporary))
      Construct = dyn_cast<CXXConstructExpr>(Cast->getSubExpr()->IgnoreImplicit());
    SmallVector<const Expr *, 2> Mutexes =
        Construct ? Locks.mutexOperands(ArrayRef(Construct->getArgs(), Construct->getNumArgs()))
                  : SmallVector<const Expr *, 2>();
    std::string Mutex = Mutexes.empty() ? "" : sourceText(Mutexes.front(), Ctx);
    Report(Temporary->getBeginLoc(), Temporary, Open,
           "this guard of '%0' is a temporary, destroyed at the end of the statement: the code after it runs "
           "without the lock; name the guard: %select{give it a name|'%2'}1",
           Mutex.empty() ? "the mutex" : Mutex);
  }
}

} // namespace mapguard
