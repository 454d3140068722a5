#include "CheckCatalog.h"

namespace mapguard {
namespace {
const llvm::StringRef ContainerTags[] = {"correctness", "reliability", "iterator-invalidation"};

const llvm::StringRef LockTags[] = {"correctness", "reliability", "concurrency", "data-race"};
const llvm::StringRef ManualLockTags[] = {"correctness", "reliability", "concurrency", "deadlock"};


// The numbered rules of each check doc, with their first-run figures (docs/real-code.md,
// "First-run precision per rule"). Filled from the ledger; never from later runs.
const RuleInfo CheckThenActRules[] = {
    {"two-sections", "a check under one critical section decides an act under a later one", 0, 1},
    {"unlocked-check", "a check with no lock decides an act under the guard", 0, 0},
    {"across-calls", "a locking query member function decides a locking writer", 0, 3},
    {"get-then-erase", "a value read under one critical section, its key erased under another", 1, 4},
    {"lost-update", "a value read under one critical section, a value computed from it stored under another", 0, 0},
};
const RuleInfo DeferredCaptureRules[] = {
    {"callback-without-guard", "a guarded container used in a deferred callback without its guard", 1, 11},
    {"thread-race", "a container with no guard used by a thread and by other code at the same time", 0, 2},
    {"local-outlived", "a local container captured by reference by a callback that may outlive it", 0, 24},
    {"local-shared-with-thread", "a local container used by a thread and by its creator before the join", 0, 6},
    {"concurrent-invocations", "one callable run by several threads at once changes a captured container", 0, 0},
};
const RuleInfo EraseDuringIterationRules[] = {
    {"range-for-change", "a range-for over a container whose body changes it", 3, 5},
    {"invalidating-insert", "an insert that may rehash or reallocate the container a range-for walks", 1, 5},
    {"erase-then-use", "'it' used after 'c.erase(it)' in an iterator loop", 1, 2},
    {"double-advance", "'it = c.erase(it)' in a for loop whose increment advances 'it' again", 0, 0},
    {"iterator-loop-change", "an iterator loop whose body erases the current element by key or changes the container", 0, 1},
    {"held-iterator-insert", "an iterator held across an insert that may rehash or reallocate its container", 0, 3},
    {"erased-element-reference", "a reference into the erased element used after the erase", 0, 0},
    {"reentrant-callback", "a callback invoked in the loop may re-enter a member function that erases", 0, 70},
};
const RuleInfo EscapingReferenceRules[] = {
    {"used-after-release", "a reference, pointer or iterator used after its guard is released", 0, 5},
    {"returned-after-release", "returned from the function that took the lock", 1, 12},
    {"stored-beyond-lock", "stored in a member, a global or an out-parameter", 0, 8},
    {"captured-by-deferred", "captured by a callable a thread or executor runs later", 0, 0},
};
const RuleInfo ManualLockRules[] = {
    {"exit-while-locked", "a return, break, continue, goto or throw leaves with the mutex locked", 1, 5},
    {"throw-while-locked", "a call that may throw runs while the mutex is locked by hand", 0, 1},
    {"guard-locks-nothing", "a guard declared without a name: a new empty guard hiding the mutex, or a temporary", 0, 0},
};
const RuleInfo ScopeExitAfterUnlockRules[] = {
    {"scope-exit-after-release", "a scope-exit callback uses a guarded container after its guard is released", 0, 0},
};
const RuleInfo UnguardedAccessRules[] = {
    {"annotated-guard", "an access without the mutex named by GUARDED_BY", 0, 1},
    {"inferred-guard", "an access without the mutex held at most of the container's other accesses", 22, 138},
    {"global-thread-race", "a global container written on a worker thread with no mutex while other code uses it", 0, 0},
};
const RuleInfo WriteUnderSharedLockRules[] = {
    {"write-under-reader-lock", "a container changed while its guard is held only shared", 0, 4},
};

const CheckInfo Catalog[] = {
    {"mapguard-check-then-act", "CheckThenAct",
     "A map or set is changed on the strength of a check made under an earlier lock, or with none.",
     "A find, count, contains or at under one critical section, then the erase, insert_or_assign or "
     "assigning operator[] it decided under another (or a check with no lock and the act under it) is "
     "not atomic: between the two, another thread may insert or erase the same key. The same holds for "
     "two member functions that each lock internally, a query deciding a write. Check again under the "
     "lock that covers the act, or use one atomic operation: try_emplace, insert(...).second, "
     "erase(key)'s result, extract, or one member function that checks and acts under the lock.",
     LockTags, CheckThenActRules},
    {"mapguard-deferred-capture", "DeferredCapture",
     "A map or set is used by a callback that runs later or on another thread, without its guard or after "
     "it is destroyed.",
     "A lambda, std::bind result or member function handed to a thread, std::async, an asio handler or "
     "timer, an executor or a callback registry runs after the scheduling code has moved on: the lock "
     "held where it was scheduled is released by then, and a local container it captured by reference "
     "may be gone. Inside the callback, lock the container's guard; share an unguarded container only "
     "after the thread is joined; capture a local container by move or keep it alive with shared "
     "ownership.",
     LockTags, DeferredCaptureRules},
    {"mapguard-erase-during-iteration", "EraseDuringIteration",
     "A map or set is changed while a loop iterates over it, invalidating the loop's iterator.",
     "Erasing from, clearing, assigning or swapping an associative container inside a range-for over "
     "it - directly or through a function the loop calls - invalidates the iterator the loop "
     "advances next; so does an insert that may rehash an unordered or hash container. In an "
     "explicit iterator loop, using 'it' after 'C.erase(it)' without reassigning it is undefined "
     "behaviour. Use std::erase_if, 'it = C.erase(it)', or collect the changes and apply them after "
     "the loop.",
     ContainerTags, EraseDuringIterationRules},
    {"mapguard-escaping-reference", "EscapingReference",
     "A reference, pointer or iterator into a guarded map or set is used after its lock is released.",
     "A reference, pointer, iterator or view into a container that a mutex guards is only safe while "
     "the mutex is held: once it is released, another thread may erase the element, rehash the "
     "container or overwrite the value. Using it after unlock() or after the guard's scope, after the "
     "lock was released and taken again, returning it from the function that took the lock, storing "
     "it in a member or out-parameter, or capturing it in a callable that a thread or executor runs "
     "later, reads memory that may be gone. Copy what you need while the lock "
     "is held, return by value, or hold the lock until the last use.",
     LockTags, EscapingReferenceRules},
    {"mapguard-manual-lock", "ManualLock",
     "A mutex locked by hand is not unlocked on every path.",
     "A mutex locked with lock(), lock_shared(), Lock() or pthread_mutex_lock() stays locked when a "
     "return, break, continue or throw - or an exception from a call - leaves the region before the "
     "matching unlock; the next thread to lock it waits forever. A scoped guard (std::lock_guard, "
     "std::scoped_lock, std::unique_lock) unlocks on every path.",
     ManualLockTags, ManualLockRules},
    {"mapguard-scope-exit-after-unlock", "ScopeExitAfterUnlock",
     "A scope-exit callback uses a guarded map or set after its lock has been released.",
     "Objects die in reverse order of declaration: a scope-exit object (absl::Cleanup, gsl::finally, "
     "folly's SCOPE_EXIT, BOOST_SCOPE_EXIT_ALL, std::experimental::scope_exit) declared before the lock "
     "guard runs its callback after the guard has unlocked, and one in a scope whose lock is released "
     "with unlock() runs after that. Its accesses to a container guarded by that mutex race with other "
     "threads. Declare the scope-exit object after the guard, or lock inside the callback.",
     LockTags, ScopeExitAfterUnlockRules},
    {"mapguard-unguarded-access", "UnguardedAccess",
     "A shared map or set is accessed without holding the mutex that guards it elsewhere.",
     "A container that is a class member or a global is guarded by the mutex named in its GUARDED_BY "
     "annotation, or else by the mutex of the same class held at most of its other accesses. An access "
     "without that mutex - a method that forgets the lock, an access after unlock() or after the "
     "guard's scope, under the wrong mutex - races with the guarded ones; so does a global container "
     "written on a thread with no mutex at all while other code uses it.",
     LockTags, UnguardedAccessRules},
    {"mapguard-write-under-shared-lock", "WriteUnderSharedLock",
     "A map or set is changed while its guard is held only as a reader (shared) lock.",
     "A shared lock (std::shared_lock, lock_shared(), absl::ReaderMutexLock, QReadLocker, "
     "pthread_rwlock_rdlock) admits other readers at the same time. Writes - erase, insert, emplace, "
     "operator[] (which inserts a missing key), clear, swap, assignment - need the exclusive lock; "
     "under the shared one they race with the readers.",
     LockTags, WriteUnderSharedLockRules},
};
} // namespace

bool RuleInfo::defaultOn() const {
  if (FirstRunTotal < MinFindingsToMeasure)
    return FirstRunUseful == FirstRunTotal;
  return FirstRunUseful * 10 >= FirstRunTotal * 9;
}

std::string RuleInfo::precisionText() const {
  if (FirstRunTotal == 0)
    return "no first-run finding";
  std::string Text = std::to_string(FirstRunUseful) + " of " + std::to_string(FirstRunTotal) + " useful";
  if (FirstRunTotal >= MinFindingsToMeasure)
    Text += " (" + std::to_string(FirstRunUseful * 100 / FirstRunTotal) + "%)";
  return Text + " on first runs";
}

namespace {
llvm::StringRef precisionScale(unsigned Useful, unsigned Total) {
  if (Total < MinFindingsToMeasure)
    return Useful == Total ? "high" : "low";
  unsigned Percent = Useful * 100 / Total;
  return Percent >= 98 ? "very-high" : Percent >= 90 ? "high" : Percent >= 70 ? "medium" : "low";
}
} // namespace

llvm::StringRef RuleInfo::sarifPrecision() const { return precisionScale(FirstRunUseful, FirstRunTotal); }

llvm::StringRef CheckInfo::sarifPrecision() const {
  unsigned Useful = 0, Total = 0;
  for (const RuleInfo &Rule : Rules)
    if (Rule.defaultOn()) {
      Useful += Rule.FirstRunUseful;
      Total += Rule.FirstRunTotal;
    }
  return precisionScale(Useful, Total);
}

llvm::ArrayRef<CheckInfo> checkCatalog() { return Catalog; }

const CheckInfo *findCheckOfRule(llvm::StringRef RuleId) {
  for (const CheckInfo &Info : Catalog)
    for (const RuleInfo &Rule : Info.Rules)
      if (Rule.Id == RuleId)
        return &Info;
  return nullptr;
}

const CheckInfo *findCheck(llvm::StringRef Id) {
  for (const CheckInfo &Info : Catalog)
    if (Info.Id == Id)
      return &Info;
  return nullptr;
}

} // namespace mapguard
