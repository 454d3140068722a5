// Which mutex guards each shared container of a translation unit, and the lock state at every
// access to one. A container is a class member or a namespace-scope/static variable; its guard is
// the mutex named by GUARDED_BY (any spelling), or else the mutex of the same class (for globals: a
// namespace-scope/static mutex) held at most of its accesses outside constructors and destructors.
// Locks held on entry come from requires-capability annotations and, for private and internal
// helpers, from every call site in the translation unit (transitively, with a cap): private,
// protected and public member functions (virtual ones too; an override takes the entry locks of
// the function it overrides) and internal functions. A helper whose callers disagree (some hold a
// mutex, some do not) has its accesses counted once per call, held where the call holds it. Lambdas run
// synchronously inherit the locks held where they are created; those handed to a thread or an
// executor start with none. Shared by the six checks built on GuardedContainerCheck
// (unguarded-access, write-under-shared-lock, check-then-act, escaping-reference,
// deferred-capture, scope-exit-after-unlock). The collector, the helper entry locks and the
// sharing phases live in GuardInference{Collector,EntryLocks,Phases}.cpp.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_GUARDINFERENCE_H
#define MAPGUARD_CHECKERS_ANALYSIS_GUARDINFERENCE_H

#include "analysis/ContainerAliases.h"
#include "analysis/FunctionCfg.h"
#include "analysis/LifecyclePhases.h"
#include "analysis/LockState.h"
#include "model/ContainerAccess.h"
#include "model/DeferringCallees.h"
#include "model/ProjectFacts.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include <memory>
#include <vector>

namespace mapguard {

struct ContainerAccess {
  const clang::ValueDecl *Container = nullptr; // a FieldDecl, or a global or static VarDecl
  ObjectPath Path = ObjectPath::thisObject();  // e.g. `this->sessions_`
  const clang::Expr *Ref = nullptr;            // the expression naming the container
  ContainerUse Use;
  const clang::FunctionDecl *Function = nullptr;  // innermost function (a lambda's call operator)
  const clang::FunctionDecl *Enclosing = nullptr; // the function the access is written in
  std::optional<Deferral> DeferredBy;             // the access runs in a callable handed to this call
  const clang::VarDecl *ScopeExit = nullptr;      // ... or in the callable this scope-exit object runs
  const clang::Expr *Callable = nullptr;          // that callable (a lambda, or the deferred function's name)
  LockSet ScheduledUnder;                         // locks held where the callable was handed over
  llvm::SmallVector<ObjectPath, 1> MayHoldAtExit; // scope exit: mutexes held on some path at destruction
  bool BeforeOrAfterSharing = false;              // runs before or after the object is shared: in a constructor or
                                                  // destructor, or before the function starts the threads that use it
  bool OptedOut = false;       // in a function marked no_thread_safety_analysis or named test-only (TEST_*),
                               // in a debug assertion (`assert(m.empty())`), or on a local object that
                               // never leaves its function: not judged
  bool ReturnedWhole = false;  // `return sessions_;` by reference or pointer: an accessor hands the
                               // container to its callers, whose uses are the accesses; not counted
  bool HeldByContract = false; // in a function that says its caller holds the lock (`*_locked`, a lock
                               // parameter) and whose callers are not in this unit: not judged
  LockSet Held;                // locks held just before the access

  /// Whether the access counts for the guard and is judged: not before or after the sharing, not
  /// opted out, not the caller's by contract, not an accessor handing the container over, not a use
  /// of the pointer or smart pointer alone (`sp = std::make_shared<Map>()`).
  bool countsForGuard() const { return !HeldByContract && countsUnlessByContract(); }
  /// The same, for an access its function's contract leaves to the callers (`FindFlagLocked()`):
  /// what a call that does not hold the lock breaks.
  bool countsUnlessByContract() const {
    return !BeforeOrAfterSharing && !OptedOut && !ReturnedWhole && !Use.HandleOnly && !lockedAsWhole();
  }
  /// Whether the object that holds the container is itself held, as a lock class, by no member's
  /// name (its lock functions are not read here, or lock two members): made under the object's own
  /// lock, which names no guard and is no evidence against one.
  bool lockedAsWhole() const {
    return clang::isa<clang::FieldDecl>(Container) && !Path.steps().empty() &&
           llvm::any_of(Held.held(), [Owner = Path.withoutLastStep()](const HeldLock &Lock) {
             return !Lock.AlsoNamed && Lock.Mutex == Owner;
           });
  }
};

/// A use of a variable that points into a shared container, and the locks held there.
struct AliasUse {
  const clang::DeclRefExpr *Ref = nullptr;
  const clang::FunctionDecl *Function = nullptr;
  LockSet Held;
};

/// The end of a critical section: \p Lock stops being held at \p At.
struct LockRelease {
  HeldLock Lock;
  CFGPoint At;
};

struct GuardInfo {
  const clang::ValueDecl *Mutex = nullptr;
  bool MutexViaHandle = false;               // the object locks `*mu_`: Mutex is a pointer member
  bool Annotated = false;                    // GUARDED_BY, not inferred
  unsigned HeldAt = 0;                       // accesses (outside constructors/destructors) holding it
  unsigned Counted = 0;                      // all such accesses
  const ContainerAccess *Evidence = nullptr; // one access that holds it
  /// Other mutexes of the same scope held, with Mutex, at every write (a two-lock protocol: writers
  /// take the object lock and the data mutex, readers either): a read holding one is guarded.
  llvm::SmallVector<const clang::ValueDecl *, 1> AlsoHeldAtWrites;
  /// The accesses other units make (the project index's tallies), included in HeldAt and Counted.
  struct OtherUnits {
    unsigned HeldAt = 0;
    unsigned Counted = 0;
    std::string File; // the unit that holds it at the most of them
    unsigned HeldInFile = 0;
    bool Taken = false;   // some of them in a function that takes the lock itself
    bool Written = false; // some of them change the container
  } Elsewhere;
};

/// A direct call of a function of the unit from another function's own code (not from a callable it
/// hands over), with the locks held there as the callee names them (`this->mu_`, a parameter's).
struct HelperCallSite {
  const clang::FunctionDecl *Caller = nullptr;
  const clang::CallExpr *Call = nullptr;
  LockSet Held;
  bool Judged = true; // not in a constructor or destructor, not opted out (test-only, an assertion)
};

/// ", 3 of them in cache_a.cpp" when other units make some of the accesses that hold \p Guard;
/// empty otherwise.
std::string heldElsewhereText(const GuardInfo &Guard);

class GuardInference {
public:
  GuardInference(const ContainerModel &Containers, const LockModel &Locks, const DeferringCallees &Deferring,
                 unsigned MaxHelperDepth);

  /// A function definition of the translation unit to analyse (lambdas come with their function).
  void addFunction(const clang::FunctionDecl *Fn);
  /// Analyses every added function; call once, at the end of the translation unit.
  void analyse(clang::ASTContext &Ctx);
  void clear();

  const std::vector<ContainerAccess> &accesses() const { return Accesses; }
  /// Accesses to other shared iterable objects (strings, say) that a reader-writer mutex of the
  /// same class or scope may guard: only write-under-shared-lock judges them.
  const std::vector<ContainerAccess> &otherAccesses() const { return OtherAccesses; }
  /// The functions analysed (those that name a shared container or call a member function).
  const std::vector<const clang::FunctionDecl *> &functions() const { return Functions; }
  const ContainerModel &containers() const { return Containers; }
  const DeferringCallees &deferring() const { return Deferring; }
  const LockModel &locks() const { return Locks; }
  const GuardInfo *guardOf(const clang::ValueDecl *Container) const;
  /// The guard as an object on the same instance as the access (`other.mu_` for `other.map_`).
  std::optional<ObjectPath> guardPath(const ContainerAccess &Access, const GuardInfo &Guard) const;
  /// Whether \p Access, a read, holds a mutex that every write holds with the guard (a two-lock
  /// protocol's other lock).
  bool readHoldsWritersLock(const ContainerAccess &Access, const GuardInfo &Guard) const;
  /// Whether \p Access, a read without the guard, is made by code (a function, or a callable handed
  /// to an executor) that itself writes the container with the guard held: the single-writer idiom
  /// (the thread that owns the container locks only its writes, for the readers on other threads;
  /// its own reads cannot race with a write). Seen in i2pd, ZLMediaKit and Transmission. Only when
  /// no other function writes the container, and not when that code also reads under the lock
  /// (double-checked locking expects other writers).
  bool readByLockingWriter(const ContainerAccess &Access, const GuardInfo &Guard) const;
  /// Whether \p Access is made without its guard, held in no mode and not excused by a protocol the
  /// guard inference recognises (the read side of a two-lock protocol, the single writer's reads).
  bool missesGuard(const ContainerAccess &Access, const GuardInfo &Guard, const ObjectPath &GuardPath) const {
    return !Access.Held.find(GuardPath) && !readHoldsWritersLock(Access, Guard) && !readByLockingWriter(Access, Guard);
  }
  /// This unit's accesses to its shared containers, counted as guard inference counts them, for
  /// the project index: only those in functions the main file defines (a header's are every
  /// includer's).
  void tallyForIndex(clang::ASTContext &Ctx, ProjectFacts &Into) const;
  /// The mutex a held lock would be as a guard of this access's container: a mutex field of the
  /// same class on the same object, or (for a global container) a global or static mutex.
  static const clang::ValueDecl *candidateGuard(const ContainerAccess &Access, const HeldLock &Lock);
  /// The same, for a lock held under the name \p Held.
  static const clang::ValueDecl *candidateGuardNamed(const ContainerAccess &Access, const ObjectPath &Held);

  /// Whether \p Fn (or a lambda in it) takes any lock itself.
  bool takesLocks(const clang::FunctionDecl *Fn) const { return LockingFunctions.contains(Fn); }
  /// Whether some call of \p Fn in the translation unit is made with a lock held.
  bool calledWithLocks(const clang::FunctionDecl *Fn) const { return CalledWithLocks.contains(Fn->getCanonicalDecl()); }
  /// Whether some call of \p Fn in the translation unit is made holding a lock that may be
  /// \p Mutex: one declared as \p Mutex, or one whose declaration does not say (a reference or
  /// pointer variable). A caller holding another class's mutex cannot hold this one.
  bool calledWithLockThatMayBe(const clang::FunctionDecl *Fn, const clang::ValueDecl *Mutex) const;
  /// Whether \p Fn is handed by name to a thread, an executor or a timer (`std::thread(&C::run, this)`).
  bool handedOver(const clang::FunctionDecl *Fn) const { return DeferredEntries.contains(Fn->getCanonicalDecl()); }
  /// Whether a function of the translation unit calls \p Fn directly from its own code.
  bool calledInUnit(const clang::FunctionDecl *Fn) const { return CallSites.contains(Fn->getCanonicalDecl()); }
  /// Whether \p Fn is also called from elsewhere than its call sites: from a callable handed over,
  /// or through its address.
  bool calledElsewhere(const clang::FunctionDecl *Fn) const {
    return CalledFromCallables.contains(Fn->getCanonicalDecl()) || EscapingHelpers.contains(Fn->getCanonicalDecl());
  }
  /// The functions of the unit that call \p Fn directly from their own code.
  llvm::SmallVector<const clang::FunctionDecl *, 2> callersOf(const clang::FunctionDecl *Fn) const;
  /// Those calls, with the locks held at each.
  llvm::ArrayRef<HelperCallSite> callSitesOf(const clang::FunctionDecl *Fn) const;
  /// Whether \p S, in \p Fn's own code, runs while the threads that share the object do not
  /// (LifecyclePhases: before they start, after they are joined, in a helper called only there).
  bool outsideSharing(const clang::FunctionDecl *Fn, const clang::Stmt *S);
  /// Whether \p Fn's callers hold the lock by contract: its name or a lock parameter says so and
  /// no call site in the unit tells, or only such functions call it.
  bool heldByContract(const clang::FunctionDecl *Fn) const;
  /// The locks \p Fn starts with because every call site holds them (not its annotations); null: none.
  const LockSet *inferredEntry(const clang::FunctionDecl *Fn) const;
  /// Whether \p Fn runs only inside \p Within, on its thread: it is \p Within, or a helper no other
  /// code can call (private or internal, not handed over) whose calls in the unit are all made from
  /// functions that run only inside \p Within.
  bool runsOnlyWithin(const clang::FunctionDecl *Fn, const clang::FunctionDecl *Within, unsigned Depth = 0) const;
  /// How often the callable started by \p Start may run at once: true if the start may repeat.
  bool startsRepeatedly(const Deferral &Start, const clang::FunctionDecl *In, clang::ASTContext &Ctx);
  const FunctionCfg *cfgOf(const clang::FunctionDecl *Fn, clang::ASTContext &Ctx) { return Cfgs.get(Fn, Ctx); }
  /// The values of \p Fn that point into shared containers (null: none).
  const ContainerAliases *aliasesOf(const clang::FunctionDecl *Fn) const;
  /// Every use of such a value, with the locks held there.
  const std::vector<AliasUse> &aliasUses() const { return AliasUses; }
  /// Where locks stop being held in \p Fn (a lambda's call operator is a function of its own).
  llvm::ArrayRef<LockRelease> releasesIn(const clang::FunctionDecl *Fn) const;
  /// Whether \p Fn locks \p Mutex by hand on some paths into a point and not on others
  /// (`if (!signal_safe) mu.lock();`): it decides when to skip the lock.
  bool locksOnSomePaths(const clang::FunctionDecl *Fn, const ObjectPath &Mutex) const;

private:
  class Collector;
  /// How the code of a callable runs relative to the function it is written in.
  struct CallableContext {
    std::optional<Deferral> DeferredBy;
    const clang::VarDecl *ScopeExit = nullptr;
    const clang::Expr *Callable = nullptr;
    LockSet ScheduledUnder;
    llvm::SmallVector<ObjectPath, 1> MayHoldAtExit;
  };
  void analyseFunction(const clang::FunctionDecl *Fn, const clang::FunctionDecl *Enclosing, const LockSet &Entry,
                       const CallableContext &Context, clang::ASTContext &Ctx, unsigned LambdaDepth);
  LockSet entryOf(const clang::FunctionDecl *Fn, ObjectPathResolver &Resolver) const;
  bool isRelevant(const clang::FunctionDecl *Fn);
  /// Whether \p Code names a shared container, a member function, or calls a helper.
  bool mentionsSharedState(const clang::Stmt *Code);
  bool isHelperCandidate(const clang::FunctionDecl *Fn) const;
  /// After a round of the collector: the entry locks of helpers from their call sites' meet.
  /// Whether they changed; they are kept unless \p LastRound.
  bool updateInferredEntries(bool LastRound);
  /// Whether \p Fn says its caller holds the lock: its name (`eraseLocked`, `remove_locked`,
  /// `flush_nolock`, `addWithLock`) or a lock parameter (`const std::lock_guard<std::mutex> &`,
  /// `std::unique_lock<std::mutex> &`, a project guard): the "lock token" idiom.
  bool expectsLockHeld(const clang::FunctionDecl *Fn) const;
  void inferGuards(clang::ASTContext &Ctx);
  /// For an access in a helper some of whose (judged) calls hold a mutex it lacks and some do not:
  /// the number of those calls and, per candidate guard, how many hold it. The access is made at
  /// each call and counts once per call (Infer's RacerD: a callee's accesses are its callers').
  struct CallerLocks {
    unsigned Sites = 0;
    llvm::SmallVector<std::pair<const clang::ValueDecl *, unsigned>, 1> Holding;
  };
  std::optional<CallerLocks> lockedByCallers(const ContainerAccess &Access) const;

public:
  /// Whether \p Access, in a helper's own code, is made with \p Mutex held (the helper's names) at
  /// every judged call of the helper by a function other than \p Caller, and there is one.
  bool heldByCallersOtherThan(const ContainerAccess &Access, const ObjectPath &Mutex,
                              const clang::FunctionDecl *Caller) const;

private:
  /// Adds to a container's tally the accesses other units make (the project index): its mutexes
  /// by their USRs, among the same class's members or the unit's globals.
  struct Tally {
    llvm::DenseMap<const clang::ValueDecl *, unsigned> HeldAt;
    std::optional<llvm::SmallVector<const clang::ValueDecl *, 2>> HeldAtEveryWrite; // candidate guards, in order
    llvm::DenseMap<const clang::ValueDecl *, const ContainerAccess *> Evidence;
    llvm::SmallVector<const clang::ValueDecl *, 2> Order; // first seen first: ties go to it
    unsigned Counted = 0;
    /// Per function (a lambda's call operator is one), its counted accesses and, per mutex, how many
    /// of them hold it: the protocol is kept by functions, whatever each one's number of accesses.
    llvm::SmallMapVector<const clang::FunctionDecl *, unsigned, 4> CountedIn;
    llvm::DenseMap<std::pair<const clang::ValueDecl *, const clang::FunctionDecl *>, unsigned> HeldIn;
  };
  /// Whether \p Mutex is held at every access of every function of \p T but one, and at least two
  /// functions hold it so: a guard kept by the code around the one function that breaks it, however
  /// many of the accesses that one makes (a `storeItem` with twelve beside `get` and `erase`).
  static bool keptByAllButOneFunction(const Tally &T, const clang::ValueDecl *Mutex);
  /// Returns, per mutex, what other units add (each with their Counted and Written).
  llvm::SmallDenseMap<const clang::ValueDecl *, GuardInfo::OtherUnits, 2>
  addOtherUnits(const clang::ValueDecl *Container, Tally &T, clang::ASTContext &Ctx) const;
  /// Modelled: a container of the model (maps, sets, sequences, queues) or a project's own (a class
  /// that reads like one); Other: another iterable class (a string), followed only where a
  /// reader-writer mutex may guard it.
  enum class SharedKind : unsigned char { None, Modelled, Other };
  /// Whether \p D is a shared container, and of which kind (memoised).
  SharedKind sharedKind(const clang::ValueDecl *D);
  bool mayBeReaderGuarded(const clang::ValueDecl *D);
  /// A local object of its function that never leaves it (no address taken, no reference bound,
  /// not captured, passed or used as the object of a member call): its members are not shared
  /// (a test reaching into `dispatcher.map_` of a local dispatcher).
  bool isUnsharedLocal(const clang::ValueDecl *Root);
  void markDeferredEntries();
  /// The accesses of a helper (not public, not handed over) that only functions saying their caller
  /// holds the lock call (`add_server_locked()` calling `hash_map_add_addr()`), directly or through
  /// such helpers: the caller's by contract too, not judged.
  void markContractHelpers();
  bool calledOnlyUnderContract(const clang::FunctionDecl *Fn, unsigned Depth) const;
  /// Accesses made while the object's threads do not run (LifecyclePhases): before a function
  /// starts the threads it keeps in members, after one stops them, or in a private helper called
  /// only there. Not judged, as in a constructor or destructor.
  void markLifecyclePhases(clang::ASTContext &Ctx);
  /// Reads after a one-time initialisation under a lock (`if (keywords.empty()) fill(keywords);`
  /// in the critical section, `keywords.count(w)` after it): when every write of the container is
  /// in one function, under a lock, in a branch taken only while the container is empty, a read of
  /// that function that every path reaches through the emptiness test reads a container no thread
  /// writes any more. Not judged, as after a constructor.
  void markReadsAfterOneTimeInit(clang::ASTContext &Ctx);

  const ContainerModel &Containers;
  const LockModel &Locks;
  const DeferringCallees &Deferring;
  const unsigned MaxHelperDepth;

  std::vector<const clang::FunctionDecl *> Functions;
  FunctionCfgCache Cfgs;
  std::vector<ContainerAccess> Accesses;
  std::vector<ContainerAccess> OtherAccesses;
  llvm::DenseMap<const clang::ValueDecl *, SharedKind> Kinds;
  llvm::DenseMap<const clang::VarDecl *, bool> UnsharedLocals;
  llvm::DenseMap<const clang::DeclContext *, bool> ScopesWithReaderWriterMutex;
  llvm::DenseMap<const clang::FunctionDecl *, std::unique_ptr<ContainerAliases>> Aliases; // per function, once
  std::vector<AliasUse> AliasUses;
  llvm::DenseMap<const clang::FunctionDecl *, llvm::SmallVector<LockRelease, 2>> Releases;
  llvm::DenseMap<const clang::FunctionDecl *, llvm::SmallVector<ObjectPath, 1>> ConditionalLocks;
  llvm::DenseMap<const clang::ValueDecl *, GuardInfo> Guards;
  llvm::DenseSet<const clang::FunctionDecl *> LockingFunctions;
  llvm::DenseSet<const clang::FunctionDecl *> CalledWithLocks;
  // The declarations of the mutexes held at each call of a function (null: a lock through a
  // reference or pointer variable, any mutex).
  llvm::DenseMap<const clang::FunctionDecl *, llvm::SmallPtrSet<const clang::ValueDecl *, 2>> MutexesAtCalls;
  // Helper inference: the meet of the (rebased) locks held at each helper's call sites.
  llvm::DenseMap<const clang::FunctionDecl *, LockSet> CallSiteLocks;
  llvm::DenseMap<const clang::FunctionDecl *, LockSet> InferredEntry;
  llvm::DenseSet<const clang::FunctionDecl *> EscapingHelpers;
  // Functions called from a callable handed over (a thread's, an executor's, a registered
  // callback's, a scope-exit's): called from code other than their CallSites.
  llvm::DenseSet<const clang::FunctionDecl *> CalledFromCallables;
  // Functions handed over by name (`std::thread(&C::run, this)`, `post(std::bind(&C::f, this))`).
  llvm::DenseMap<const clang::FunctionDecl *, CallableContext> DeferredEntries;
  // Direct calls of each function from its callers' own code (for LifecyclePhases and the calls
  // that skip a lock their callee relies on).
  llvm::DenseMap<const clang::FunctionDecl *, llvm::SmallVector<HelperCallSite, 2>> CallSites;
  std::unique_ptr<LifecyclePhases> Phases; // after analyse()
};

} // namespace mapguard

#endif
