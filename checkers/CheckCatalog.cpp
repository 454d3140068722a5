#include "CheckCatalog.h"

namespace mapguard {
namespace {
const llvm::StringRef ContainerTags[] = {"correctness", "reliability", "iterator-invalidation"};

const llvm::StringRef LockTags[] = {"correctness", "reliability", "concurrency", "data-race"};
const llvm::StringRef ManualLockTags[] = {"correctness", "reliability", "concurrency", "deadlock"};

// The numbered rules of each check doc, with their first-run figures (docs/real-code.md,
// "First-run precision per rule"). Filled from the ledger; never from later runs.
const RuleInfo CheckThenActRules[] = {
    {"two-sections", "a check under one critical section decides an act under a later one", 0, 3},
    {"unlocked-check", "a check with no lock decides an act under the guard", 0, 0},
    {"across-calls", "a locking query member function decides a locking writer", 0, 3},
    {"get-then-erase", "a value read under one critical section, its key erased under another", 1, 4},
    {"lost-update", "a value read under one critical section, a value computed from it stored under another", 0, 0},
};
const RuleInfo DeferredCaptureRules[] = {
    {"callback-without-guard", "a guarded container used in a deferred callback without its guard", 1, 11},
    {"callback-consistent-guard",
     "a change in a deferred callback, or a read where the callback locks its other accesses, without the mutex held "
     "at every access in the other functions",
     0, 0},
    {"thread-race", "a container with no guard used by a thread and by other code at the same time", 0, 2},
    {"local-outlived", "a local container captured by reference by a callback that may outlive it", 0, 24},
    {"local-shared-with-thread", "a local container used by a thread and by its creator before the join", 0, 6},
    {"concurrent-invocations", "one callable run by several threads at once changes a captured container", 0, 0},
};
const RuleInfo EraseDuringIterationRules[] = {
    {"range-for-change", "a range-for over a container whose body changes it", 3, 5},
    {"invalidating-insert", "an insert that may rehash or reallocate the container a range-for walks", 1, 5},
    {"range-for-change-on-every-path",
     "a change that invalidates a range-for's iterator, after which every path goes on to its next element", 0, 0},
    {"erase-then-use", "'it' used after 'c.erase(it)' in an iterator loop", 1, 2},
    {"erase-then-use-on-every-path",
     "'it' used on every path after 'c.erase(it)' (or an erase by its own key) in an iterator loop", 1, 1},
    {"double-advance", "'it = c.erase(it)' in a for loop whose increment advances 'it' again", 0, 0},
    {"iterator-loop-change", "an iterator loop whose body erases the current element by key or changes the container",
     0, 1},
    {"held-iterator-insert", "an iterator held across an insert that may rehash or reallocate its container", 0, 3},
    {"erased-element-reference", "a reference into the erased element used after the erase", 0, 0},
    {"reentrant-callback", "a callback invoked in the loop may re-enter a member function that erases", 0, 85},
    {"reentrant-visible-path",
     "a callback invoked in the loop whose visible body (an override, a lambda the unit registers) calls a member "
     "function that changes the container",
     0, 0},
};
const RuleInfo EscapingReferenceRules[] = {
    {"used-after-release", "a reference, pointer or iterator used after its guard is released", 0, 5},
    {"returned-after-release", "returned from the function that took the lock", 1, 18},
    {"stored-beyond-lock", "stored in a member, a global or an out-parameter", 0, 8},
    {"captured-by-deferred", "captured by a callable a thread or executor runs later", 0, 0},
};
const RuleInfo ManualLockRules[] = {
    {"exit-while-locked", "a return, break, continue, goto or throw leaves with the mutex locked", 1, 6},
    {"throw-while-locked", "a call that may throw runs while the mutex is locked by hand", 0, 3},
    {"guard-locks-nothing", "a guard declared without a name: a new empty guard hiding the mutex, or a temporary", 0,
     0},
};
const RuleInfo ScopeExitAfterUnlockRules[] = {
    {"scope-exit-after-release", "a scope-exit callback uses a guarded container after its guard is released", 0, 0},
};
const RuleInfo UnguardedAccessRules[] = {
    {"annotated-guard", "an access without the mutex named by GUARDED_BY", 0, 1},
    {"inferred-guard", "an access without the mutex held at most of the container's other accesses", 22, 162},
    {"breaks-consistent-guard",
     "a change, or a read where the function locks its other accesses, without the mutex held at every access in "
     "the other functions",
     1, 2},
    {"late-lock-consistent-guard",
     "a change or read without the mutex in a function that holds it at its other accesses of the container, where "
     "every access in the other functions holds it",
     0, 0},
    {"read-breaks-consistent-guard",
     "a read in a function that does not lock the mutex held at every access in the other functions, one of which "
     "changes the container",
     0, 0},
    {"call-breaks-consistent-guard",
     "a call, without the mutex its other callers hold, of a function that accesses the container unlocked, where "
     "every access in the other functions holds it",
     0, 1},
    {"global-thread-race", "a global container written on a worker thread with no mutex while other code uses it", 0,
     0},
};
const RuleInfo WriteUnderSharedLockRules[] = {
    {"write-under-reader-lock", "a container changed while its guard is held only shared", 0, 4},
    {"shared-write-consistent-guard",
     "a change with the guard held only shared, and no other lock, where every other change takes it exclusively", 0,
     1},
};

const CheckInfo Catalog[] = {
#define MAPGUARD_CHECK(Id, Class, SarifName, Tags, Rules, ShortDescription, FullDescription)                           \
  {Id, SarifName, ShortDescription, FullDescription, Tags, Rules},
#include "Checks.def"
#undef MAPGUARD_CHECK
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
