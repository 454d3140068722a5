#include "CheckCatalog.h"

namespace mapguard {
namespace {
const llvm::StringRef ContainerTags[] = {"correctness", "reliability", "iterator-invalidation"};

const llvm::StringRef LockTags[] = {"correctness", "reliability", "concurrency", "data-race"};
const llvm::StringRef ManualLockTags[] = {"correctness", "reliability", "concurrency", "deadlock"};

const CheckInfo Catalog[] = {
    {"mapguard-check-then-act", "CheckThenAct",
     "A map or set is changed on the strength of a check made under an earlier lock, or with none.",
     "A find, count, contains or at under one critical section, then the erase, insert_or_assign or "
     "assigning operator[] it decided under another (or a check with no lock and the act under it) is "
     "not atomic: between the two, another thread may insert or erase the same key. The same holds for "
     "two member functions that each lock internally, a query deciding a write. Check again under the "
     "lock that covers the act, or use one atomic operation: try_emplace, insert(...).second, "
     "erase(key)'s result, extract, or one member function that checks and acts under the lock.",
     "medium", LockTags},
    {"mapguard-deferred-capture", "DeferredCapture",
     "A map or set is used by a callback that runs later or on another thread, without its guard or after "
     "it is destroyed.",
     "A lambda, std::bind result or member function handed to a thread, std::async, an asio handler or "
     "timer, an executor or a callback registry runs after the scheduling code has moved on: the lock "
     "held where it was scheduled is released by then, and a local container it captured by reference "
     "may be gone. Inside the callback, lock the container's guard; share an unguarded container only "
     "after the thread is joined; capture a local container by move or keep it alive with shared "
     "ownership.",
     "high", LockTags},
    {"mapguard-erase-during-iteration", "EraseDuringIteration",
     "A map or set is changed while a loop iterates over it, invalidating the loop's iterator.",
     "Erasing from, clearing, assigning or swapping an associative container inside a range-for over "
     "it - directly or through a function the loop calls - invalidates the iterator the loop "
     "advances next; so does an insert that may rehash an unordered or hash container. In an "
     "explicit iterator loop, using 'it' after 'C.erase(it)' without reassigning it is undefined "
     "behaviour. Use std::erase_if, 'it = C.erase(it)', or collect the changes and apply them after "
     "the loop.",
     "high", ContainerTags},
    {"mapguard-escaping-reference", "EscapingReference",
     "A reference, pointer or iterator into a guarded map or set is used after its lock is released.",
     "A reference, pointer, iterator or view into a container that a mutex guards is only safe while "
     "the mutex is held: once it is released, another thread may erase the element, rehash the "
     "container or overwrite the value. Using it after unlock() or after the guard's scope, after the "
     "lock was released and taken again, returning it from the function that took the lock, storing "
     "it in a member or out-parameter, or capturing it in a callable that a thread or executor runs "
     "later, reads memory that may be gone. Copy what you need while the lock "
     "is held, return by value, or hold the lock until the last use.",
     "high", LockTags},
    {"mapguard-manual-lock", "ManualLock",
     "A mutex locked by hand is not unlocked on every path.",
     "A mutex locked with lock(), lock_shared(), Lock() or pthread_mutex_lock() stays locked when a "
     "return, break, continue or throw - or an exception from a call - leaves the region before the "
     "matching unlock; the next thread to lock it waits forever. A scoped guard (std::lock_guard, "
     "std::scoped_lock, std::unique_lock) unlocks on every path.",
     "high", ManualLockTags},
    {"mapguard-scope-exit-after-unlock", "ScopeExitAfterUnlock",
     "A scope-exit callback uses a guarded map or set after its lock has been released.",
     "Objects die in reverse order of declaration: a scope-exit object (absl::Cleanup, gsl::finally, "
     "folly's SCOPE_EXIT, BOOST_SCOPE_EXIT_ALL, std::experimental::scope_exit) declared before the lock "
     "guard runs its callback after the guard has unlocked, and one in a scope whose lock is released "
     "with unlock() runs after that. Its accesses to a container guarded by that mutex race with other "
     "threads. Declare the scope-exit object after the guard, or lock inside the callback.",
     "high", LockTags},
    {"mapguard-unguarded-access", "UnguardedAccess",
     "A shared map or set is accessed without holding the mutex that guards it elsewhere.",
     "A container that is a class member or a global is guarded by the mutex named in its GUARDED_BY "
     "annotation, or else by the mutex of the same class held at most of its other accesses. An access "
     "without that mutex - a method that forgets the lock, an access after unlock() or after the "
     "guard's scope, under the wrong mutex - races with the guarded ones; so does a global container "
     "written on a thread with no mutex at all while other code uses it.",
     "medium", LockTags},
    {"mapguard-write-under-shared-lock", "WriteUnderSharedLock",
     "A map or set is changed while its guard is held only as a reader (shared) lock.",
     "A shared lock (std::shared_lock, lock_shared(), absl::ReaderMutexLock, QReadLocker, "
     "pthread_rwlock_rdlock) admits other readers at the same time. Writes - erase, insert, emplace, "
     "operator[] (which inserts a missing key), clear, swap, assignment - need the exclusive lock; "
     "under the shared one they race with the readers.",
     "high", LockTags},
};
} // namespace

llvm::ArrayRef<CheckInfo> checkCatalog() { return Catalog; }

const CheckInfo *findCheck(llvm::StringRef Id) {
  for (const CheckInfo &Info : Catalog)
    if (Info.Id == Id)
      return &Info;
  return nullptr;
}

} // namespace mapguard
