// RUN-ARGS: -std=c++17 -Wno-unused
// NO-LIBCXX: Debian's Boost 1.74 headers do not compile against libc++ 22 (std::unary_function)
// CHECK-OPTIONS: Rules: all
// Guards named by annotations (abseil's macros, the raw clang attributes) and taken through
// abseil and Boost guards; functions that require a lock start with it held.
#include <map>
#include <string>
#include <boost/thread/locks.hpp>
#include <boost/thread/shared_mutex.hpp>
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

class Directory {
public:
  void add(const std::string &Name) {
    absl::MutexLock Lock(&Mu);
    Entries[Name] = 1;
  }
  // Annotated, and held at every access in the other functions: the consistent protocol's rule.
  void remove(const std::string &Name) {
    Entries.erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'Entries' without holding 'Mu', which guards it at every access in the other functions (7 of 8 accesses, named by GUARDED_BY); lock 'Mu' here}} note@-4: {{accessed with 'Mu' held here}}
  }
  int lookup(const std::string &Name) {
    absl::ReaderMutexLock Lock(&Mu);
    auto It = Entries.find(Name);
    return It == Entries.end() ? 0 : It->second;
  }
  void touch(const std::string &Name) {
    absl::ReaderMutexLock Lock(&Mu);
    Entries[Name] += 1; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Entries' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }
  // Not reported: the annotation says callers hold the lock (exclusive, or shared for reads).
  void removeLocked(const std::string &Name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(Mu) { Entries.erase(Name); }
  size_t sizeLocked() const ABSL_SHARED_LOCKS_REQUIRED(Mu) { return Entries.size(); }
  void clearShared() ABSL_SHARED_LOCKS_REQUIRED(Mu) {
    Entries.clear(); // expect: mapguard-write-under-shared-lock {{'clear' on 'Entries' while 'Mu' is held only shared}} note@-1: {{'Mu' is held shared on entry to 'clearShared'}}
  }

private:
  mutable absl::Mutex Mu;
  absl::flat_hash_map<std::string, int> Entries ABSL_GUARDED_BY(Mu);
};

// The raw clang attribute, and a guard named only by the annotation (no access holds it yet).
class Table {
public:
  void put(int Key) {
    Rows[Key] = Key; // expect: mapguard-unguarded-access {{'operator[]' on 'Rows' without holding 'Mu', which guards it (GUARDED_BY)}} note@+2: {{'Rows' is accessed with 'Mu' held here}}
  }
  void putLocked(int Key) __attribute__((requires_capability(Mu))) { Rows[Key] = Key; }

private:
  // A project mutex type mapguard does not know: the annotations alone name it.
  struct __attribute__((capability("mutex"))) Lockable {};
  Lockable Mu;
  std::map<int, int> Rows __attribute__((guarded_by(Mu)));
};

// Boost guards: a write under boost::shared_lock; reads fine; writes under unique_lock fine.
class Sessions {
public:
  int get(int Id) {
    boost::shared_lock<boost::shared_mutex> Lock(Mu);
    auto It = Items.find(Id);
    return It == Items.end() ? 0 : It->second;
  }
  void set(int Id) {
    boost::unique_lock<boost::shared_mutex> Lock(Mu);
    Items[Id] = 1;
  }
  void expire(int Id) {
    boost::shared_lock<boost::shared_mutex> Lock(Mu);
    Items.erase(Id); // expect: mapguard-write-under-shared-lock {{'erase' on 'Items' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }

private:
  boost::shared_mutex Mu;
  std::map<int, int> Items;
};

// Project mutex and guard types known by their thread-safety attributes alone (muduo's style).
#define CAPABILITY(x) __attribute__((capability(x)))
#define SCOPED_CAPABILITY __attribute__((scoped_lockable))
#define ACQUIRE(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define RELEASE(...) __attribute__((release_capability(__VA_ARGS__)))
#define GUARDED_BY(x) __attribute__((guarded_by(x)))
#define NO_THREAD_SAFETY_ANALYSIS __attribute__((no_thread_safety_analysis))
class CAPABILITY("mutex") ProjectMutex {
public:
  void lock() ACQUIRE();
  void unlock() RELEASE();
  void AssertHeld(); // by name, as RocksDB's port::Mutex: the caller holds it
};
class SCOPED_CAPABILITY ProjectGuard {
public:
  explicit ProjectGuard(ProjectMutex &Mu) ACQUIRE(Mu) : Mu(Mu) { Mu.lock(); }
  ~ProjectGuard() RELEASE() { Mu.unlock(); }

private:
  ProjectMutex &Mu;
};
class Inspector {
public:
  void add(int Key) {
    ProjectGuard Lock(Mu);
    Modules[Key] = Key;
  }
  int find(int Key) {
    Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and an exception from a call before the unlock leaves the function}} note@+1: {{this call may throw 'std::out_of_range' while 'Mu' is locked}}
    int Result = Modules.count(Key) != 0 ? Modules.at(Key) : 0;
    Mu.unlock();
    return Result;
  }
  void lockAll() ACQUIRE(Mu) { Mu.lock(); }
  void unlockAll() RELEASE(Mu) { Mu.unlock(); }
  void clear() {
    lockAll();
    Modules.clear();
    unlockAll();
    Modules.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Modules' without holding 'Mu', which guards it at every access in the other functions (6 of 7 accesses, named by GUARDED_BY)}} note@-1: {{'Mu' is released here}} note@-14: {{accessed with 'Mu' held here}}
  }
  // Not reported: the function asserts that its caller holds Mu, and may drop and retake it.
  size_t countAsserted() {
    Mu.AssertHeld();
    size_t N = Modules.size();
    Mu.unlock();
    Mu.lock();
    return N + Modules.size();
  }
  // The user opted this function out of thread-safety analysis: not reported.
  size_t unsafeSize() NO_THREAD_SAFETY_ANALYSIS { return Modules.size(); }

private:
  ProjectMutex Mu;
  std::map<int, int> Modules GUARDED_BY(Mu);
};

// A requirement written on a declaration names that declaration's parameters; the definition
// elsewhere (out of line here, in the .cpp in a project) starts with the same lock held (DuckDB's
// `ReindexCachedFileCore(CachedFile &cached_file) DUCKDB_REQUIRES(cached_file.map_lock)`).
struct Shelf {
  absl::Mutex Mu;
  std::map<int, int> Items ABSL_GUARDED_BY(Mu);
};
void reindex(Shelf &S) ABSL_EXCLUSIVE_LOCKS_REQUIRED(S.Mu);
void reindexFirst(Shelf &A, Shelf &B) ABSL_EXCLUSIVE_LOCKS_REQUIRED(A.Mu);
void reindex(Shelf &Shelved) { Shelved.Items.clear(); }
void reindexFirst(Shelf &First, Shelf &Second) {
  First.Items.clear();
  Second.Items.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Second.Items' without holding 'Second.Mu', which guards it (GUARDED_BY)}} note@-3: {{'Shelved.Items' is accessed with}}
}
