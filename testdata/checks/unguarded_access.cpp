// RUN-ARGS: -std=c++20 -Wno-unused
// CHECKS: -*,mapguard-*,-mapguard-deferred-capture
// CHECK-OPTIONS: Rules: all
// (Accesses in callables handed to threads are mapguard-deferred-capture's when it is enabled -
// see deferred_capture.cpp; without it, this check reports them.)
// mapguard-unguarded-access: a member or global map accessed without the mutex that guards it at
// its other accesses. Each hazard has a negative twin below it.
#include <cassert>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

// A method that forgets the lock: the fix takes it at the start of the function.
class SessionCache {
public:
  void touch(const std::string &Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions[Id] = 1;
  }
  void evict(const std::string &Id) {
    Sessions.erase(Id); // expect: mapguard-unguarded-access {{'erase' on 'Sessions' without holding 'Mu', which guards it at every access in the other functions (1 of 2 accesses); lock 'Mu' here, or make the guard explicit: annotate 'Sessions' with GUARDED_BY(Mu) or use a synchronized container (folly::Synchronized}} note@-3: {{'Sessions' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Sessions;
};

// Reads count too; a const method can lock a mutable mutex.
class Counters {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    ++Values[Key];
  }
  size_t size() const { return Values.count(0); } // expect: mapguard-unguarded-access {{'count' on 'Values' in a function that does not lock 'Mu', which guards it at every access in the other functions (1 of 2}} note@-2: {{accessed with 'Mu' held}}

private:
  mutable std::mutex Mu;
  std::unordered_map<int, int> Values;
};

// After unlock(), after the guard's scope, under the wrong mutex: no fix (the function locks).
class Routes {
public:
  void afterUnlock(int Key) {
    std::unique_lock<std::mutex> Lock(Mu);
    Table.erase(Key);
    Lock.unlock();
    Table.erase(Key + 1); // expect: mapguard-unguarded-access {{'erase' on 'Table' without holding 'Mu', which guards it at 4 of 7 accesses}} note@-1: {{'Mu' is released here}} note@-2: {{accessed with 'Mu' held here}}
  }
  void afterScope(int Key) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Table.insert({Key, Key});
    }
    Table.count(Key); // expect: mapguard-unguarded-access {{'count' on 'Table' without holding 'Mu'}} note@-1: {{'Mu' is released here}} note@-9: {{accessed with 'Mu' held here}}
  }
  void wrongMutex(int Key) {
    std::lock_guard<std::mutex> Lock(Other);
    Table.erase(Key); // expect: mapguard-unguarded-access {{without holding 'Mu', which guards it at 4 of 7 accesses (holding 'Other' instead)}} note@-13: {{accessed with 'Mu' held here}}
  }
  // An inferred guard is held at half of the accesses or more (here 4 of 7).
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Table[Key] = Key;
  }
  bool has(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Table.count(Key) != 0;
  }

private:
  std::mutex Mu, Other;
  std::map<int, int> Table;
};

// Private helpers called only with the lock held inherit it (transitively); constructors and
// destructors run before and after the object is shared; iteration is an access.
class Registry {
public:
  Registry() { Names.insert("root"); }
  ~Registry() { Names.clear(); }
  void add(const std::string &Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    addLocked(Name);
  }
  void reset() {
    std::lock_guard<std::mutex> Lock(Mu);
    for (const auto &Name : Names)
      (void)Name;
    resetLocked();
  }
  size_t count() {
    size_t N = 0;
    for (const auto &Name : Names) // expect: mapguard-unguarded-access {{iteration over 'Names' in a function that does not lock 'Mu', which guards it at every access in the other functions (3 of 4 accesses}} note@-6: {{accessed with 'Mu' held here}}
      ++N;
    return N;
  }

private:
  void addLocked(const std::string &Name) { insertLocked(Name); }
  void insertLocked(const std::string &Name) { Names.insert(Name); }
  void resetLocked() { Names.clear(); }
  std::mutex Mu;
  std::set<std::string> Names;
};

// A private helper also called without the lock is not assumed to hold it.
class Jobs {
public:
  void run(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    finish(Id);
  }
  void cancel(int Id) { finish(Id); }

private:
  void finish(int Id) { Pending.erase(Id); } // expect: mapguard-unguarded-access {{'erase' on 'Pending' without holding 'Mu', which guards it at 2 of 3 accesses}} note@+3: {{accessed with 'Mu' held here}}
  void check(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    (void)Pending.count(Id);
  }
  std::mutex Mu;
  std::map<int, int> Pending;
};

// std::shared_mutex: reads under the shared lock are guarded; the fix for an unguarded write takes
// it exclusively.
class Config {
public:
  std::string get(const std::string &Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    auto It = Values.find(Key);
    return It == Values.end() ? "" : It->second;
  }
  void set(const std::string &Key, const std::string &Value) {
    Values.insert_or_assign(Key, Value); // expect: mapguard-unguarded-access {{'insert_or_assign' on 'Values' without holding 'Mu'}} note@-4: {{accessed with 'Mu' held here}}
  }

private:
  std::shared_mutex Mu;
  std::map<std::string, std::string> Values;
};

// Lambdas: one run in place inherits the lock; one handed to a thread starts with none.
class Workers {
public:
  size_t sync() {
    std::lock_guard<std::mutex> Lock(Mu);
    auto Size = [&] { return State.size(); };
    return Size();
  }
  void async(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    std::thread([this, Key] { State.erase(Key); }).detach(); // expect: mapguard-unguarded-access {{'erase' on 'State' without holding 'Mu'}} note: {{runs on another thread or later, handed over here}} note@-5: {{accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::map<int, int> State;
};

// Another object of the same class is guarded by that object's mutex.
class Account {
public:
  void merge(Account &Other) {
    std::scoped_lock Lock(Mu, Other.Mu);
    for (auto &[Key, Value] : Other.Balances)
      Balances[Key] += Value;
  }
  void peek(Account &Other) {
    std::lock_guard<std::mutex> Lock(Mu);
    (void)Other.Balances.count(0); // expect: mapguard-unguarded-access {{'count' on 'Other.Balances' in a function that does not lock 'Other.Mu', which guards it at every access in the other functions (2 of 3 accesses) (holding 'Mu' instead); lock 'Other.Mu' here, or make the guard explicit: annotate 'Balances' with GUARDED_BY(Mu)}} note@-5: {{'Other.Balances' is accessed with 'Other.Mu' held here}}
  }

private:
  std::mutex Mu;
  std::map<int, int> Balances;
};

// Not reported: unique_lock with defer_lock, then lock(); std::lock with adopt_lock; try_to_lock
// where the result was checked.
class Transfers {
public:
  void deferred(int Key) {
    std::unique_lock<std::mutex> Lock(Mu, std::defer_lock);
    Lock.lock();
    Pending.erase(Key);
  }
  void adopted(Transfers &Other, int Key) {
    std::lock(Mu, Other.Mu);
    std::lock_guard<std::mutex> Mine(Mu, std::adopt_lock);
    std::lock_guard<std::mutex> Theirs(Other.Mu, std::adopt_lock);
    Pending[Key] = Other.Pending[Key];
  }
  bool tried(int Key) {
    std::unique_lock<std::mutex> Lock(Mu, std::try_to_lock);
    if (!Lock.owns_lock())
      return false;
    return Pending.count(Key) != 0;
  }

private:
  std::mutex Mu;
  std::map<int, int> Pending;
};

// Not reported: single-threaded classes (no mutex), local maps, constant globals, thread_local.
class Plain {
public:
  void add(int Key) { Items[Key] = 1; }
  void drop(int Key) { Items.erase(Key); }

private:
  std::map<int, int> Items;
};
const std::map<int, int> Limits = {{1, 2}};
thread_local std::map<int, int> PerThread;
std::mutex TablesMu;
int local(int Key) {
  std::map<int, int> Scratch;
  std::lock_guard<std::mutex> Lock(TablesMu);
  Scratch[Key] = Limits.at(1);
  return PerThread[Key] + Scratch[Key];
}

// Globals: guarded by a global mutex at most of their accesses.
std::map<std::string, int> Hosts;
void addHost(const std::string &Name) {
  std::lock_guard<std::mutex> Lock(TablesMu);
  Hosts[Name] = 1;
}
void dropHost(const std::string &Name) {
  Hosts.erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'Hosts' without holding 'TablesMu', which guards it at every access in the other functions (1 of 2}} note@-3: {{accessed with 'TablesMu' held here}}
}

// Globals with no mutex at all, written on threads while other code uses them.
std::unordered_map<int, int> Hits;
void countHits() {
  std::vector<std::thread> Pool;
  for (int I = 0; I < 4; ++I)
    Pool.emplace_back([I] { Hits[I] = I; }); // expect: mapguard-unguarded-access {{'operator[]' on 'Hits' runs on another thread with no mutex held, while 'Hits' is written by every thread this loop starts}} note: {{the thread is started here}}
  for (auto &T : Pool)
    T.join();
}
std::map<int, int> Seen;
void record() {
  std::thread Worker([] { Seen.erase(1); }); // expect: mapguard-unguarded-access {{'erase' on 'Seen' runs on another thread with no mutex held, while 'Seen' is also accessed elsewhere}} note: {{the thread is started here}} note@+1: {{'Seen' is also accessed here}}
  Seen[2] = 2;
  Worker.join();
}
std::map<int, int> Done;
void joinedFirst() {
  std::thread Worker([] { Done.erase(1); }); // not reported: joined before the next access
  Worker.join();
  Done[2] = 2;
}

// Not reported: a mutex held at a minority of the accesses (1 of 4) is no evidence of a guard
// (RocksDB's members locked by contract, their REQUIRES only in comments).
class Recovered {
public:
  void insert(int Id) { Txns[Id] = Id; }
  bool has(int Id) const { return Txns.count(Id) != 0; }
  void erase(int Id) { Txns.erase(Id); }
  void clearLocked() {
    std::lock_guard<std::mutex> Lock(Mu);
    Txns.clear();
  }

private:
  std::mutex Mu;
  std::map<int, int> Txns;
};

// Not reported: a debug assertion (compiled out in release builds) reads without the lock; the
// same read outside an assertion is reported.
class Pool {
public:
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = Id;
  }
  void drain() {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.clear();
  }
  void checkDrained() { assert(Items.empty()); }
  bool drained() { return Items.count(0) == 0; } // expect: mapguard-unguarded-access {{'count' on 'Items' in a function that does not lock 'Mu'}} note@-7: {{'Items' is accessed with 'Mu' held here}}

private:
  std::mutex Mu;
  std::map<int, int> Items;
};

// Not reported: the members of a local object that never leaves its function (a test reaching
// into its own dispatcher). The same object once shared - a global, or a local whose member
// function was called (`this` may have been handed to a thread) - is reported.
struct Dispatcher {
  Dispatcher() = default;
  Dispatcher(const Dispatcher &Other) : Listeners(Other.Listeners) {}
  void listen(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Listeners[Id] = Id;
  }
  void forget(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Listeners.erase(Id);
  }
  std::mutex Mu;
  std::map<int, int> Listeners;
};
bool freshDispatcherIsEmpty() {
  Dispatcher D;
  Dispatcher Copy(D);
  return D.Listeners.empty() && Copy.Listeners.empty();
}
Dispatcher GlobalDispatcher;
bool globalDispatcherIsEmpty() {
  return GlobalDispatcher.Listeners.count(0) == 0; // expect: mapguard-unguarded-access {{'count' on 'GlobalDispatcher.Listeners' without holding 'GlobalDispatcher.Mu'}} note@-16: {{'Listeners' is accessed with 'GlobalDispatcher.Mu' held here}}
}
bool usedDispatcherIsEmpty() {
  Dispatcher D;
  D.listen(1);
  return D.Listeners.count(0) == 0; // expect: mapguard-unguarded-access {{'count' on 'D.Listeners' without holding 'D.Mu'}} note@-21: {{'Listeners' is accessed with 'D.Mu' held here}}
}

// Not reported: a start() that fills the table before it starts the threads that use it, kept
// in members (a start/stop life cycle): no other thread runs yet, as in a constructor - also
// when the loop starts no worker and only the scanner runs. Reported:
// the same access after a thread started, or on a path that returns before starting one.
class Inserter {
public:
  void start() {
    Work.clear();
    Work[0] = 0;
    for (int I = 0; I < 2; ++I)
      Workers.emplace_back(&Inserter::run, this);
    Scanner = std::thread(&Inserter::scan, this);
  }
  void restart() {
    Workers.emplace_back(&Inserter::run, this);
    Work.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Work' without holding 'Mu', which guards it at 3 of 5 accesses}} note@+10: {{'Work' is accessed with 'Mu' held here}}
  }
  void startIf(bool Go) {
    Work.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Work' without holding 'Mu', which guards it at 3 of 5 accesses}} note@+7: {{'Work' is accessed with 'Mu' held here}}
    if (!Go)
      return;
    Scanner = std::thread(&Inserter::scan, this);
  }
  size_t pending() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Work.size();
  }

private:
  void run() {
    std::lock_guard<std::mutex> Lock(Mu);
    Work.erase(1);
  }
  void scan() { schedule(); } // the scanner reaches 'Work' through a helper only
  void schedule() {
    std::lock_guard<std::mutex> Lock(Mu);
    Work[2] = 2;
  }
  std::mutex Mu;
  std::map<int, int> Work;
  std::vector<std::thread> Workers;
  std::thread Scanner;
};

// Reported: a thread per call, detached: the threads of earlier calls are running when the next
// call writes.
class Spawner {
public:
  void add(int Key) {
    Jobs[Key] = Key; // expect: mapguard-unguarded-access {{'operator[]' on 'Jobs' without holding 'Mu', which guards it at every access in the other functions (1 of 2 accesses)}} note@+7: {{'Jobs' is accessed with 'Mu' held here}}
    std::thread(&Spawner::work, this).detach();
  }

private:
  void work() {
    std::lock_guard<std::mutex> Lock(Mu);
    Jobs.erase(1);
  }
  std::mutex Mu;
  std::map<int, int> Jobs;
};

// One finding per function and container: the lock at the top of 'has' covers both of its
// accesses. An accessor that returns the container by reference hands it to its callers, whose
// uses are the accesses; a copy returned is a read. Copy assignment initialises the object, as a
// constructor does. A helper that locks the mutex it is given, or a member mutex, before it
// uses the container it is given is an access under that lock; with the wrong mutex, it is not.
class SessionPools {
public:
  SessionPools &operator=(const SessionPools &Other) {
    Pools = Other.Pools;
    return *this;
  }
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pools[Key] = Key;
  }
  size_t count() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Pools.size();
  }
  void clear() {
    std::lock_guard<std::mutex> Lock(Mu);
    Pools.clear();
  }
  bool has(int Key) {
    return Pools.find(Key) != Pools.end(); // expect: mapguard-unguarded-access {{'find' on 'Pools' without holding 'Mu', which guards it at 5 of 9 accesses}} note@-11: {{'Pools' is accessed with 'Mu' held here}}
  }
  const std::map<int, int> &all() const { return Pools; }
  std::map<int, int> snapshot() const {
    return Pools; // expect: mapguard-unguarded-access {{access to 'Pools' without holding 'Mu', which guards it at 5 of 9 accesses}} note@-15: {{'Pools' is accessed with 'Mu' held here}}
  }
  size_t drop(int Key) { return eraseUnder(Pools, Mu, Key); }
  size_t dropUnderWrongMutex(int Key) {
    return eraseUnder(Pools, OtherMu, Key); // expect: mapguard-unguarded-access {{'Pools' passed as a non-const reference without holding 'Mu', which guards it at 5 of 9 accesses (holding 'OtherMu' instead)}} note@-19: {{'Pools' is accessed with 'Mu' held here}}
  }
  bool known(int Key) { return hasUnderLock(Pools, Key); }

private:
  static size_t eraseUnder(std::map<int, int> &Map, std::mutex &Lock, int Key) {
    std::lock_guard<std::mutex> Guard(Lock);
    return Map.erase(Key);
  }
  bool hasUnderLock(std::map<int, int> &Map, int Key) {
    std::lock_guard<std::mutex> Guard(Mu);
    return Map.count(Key) != 0;
  }
  std::mutex Mu, OtherMu;
  std::map<int, int> Pools;
};
