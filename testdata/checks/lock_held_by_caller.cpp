// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// Code that runs with the lock held is not unguarded: mapguard-unguarded-access and
// mapguard-write-under-shared-lock read the locks a function starts with from its callers in the
// translation unit (private, protected and public member functions, virtual ones too, an override
// like the function it overrides), ignore a helper's recursive calls, and take a function's word
// for it when its callers are elsewhere: a `*Locked`/`*_locked`/`*_nolock` name or a lock
// parameter (the "lock token" idiom). Each has a reported twin.
#include <cassert>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

// A protected virtual helper called only under the lock (sogou/workflow's add_server_locked).
class Governance {
public:
  void add(const std::string &Address) {
    std::lock_guard<std::mutex> Lock(Mu);
    addLocked(Address);
  }
  void replace(const std::string &Address) {
    std::lock_guard<std::mutex> Lock(Mu);
    Servers.erase(Address);
    addLocked(Address);
  }
  int count(const std::string &Address) {
    std::lock_guard<std::mutex> Lock(Mu);
    return static_cast<int>(Servers.count(Address));
  }
  void forget(const std::string &Address) {
    Servers.erase(Address); // expect: mapguard-unguarded-access {{'erase' on 'Servers' without holding 'Mu', which guards it at every access in the other functions (4 of 5 accesses)}} note@-8: {{accessed with 'Mu' held here}}
  }

protected:
  virtual void addLocked(const std::string &Address) { Servers[Address] = 1; }
  std::mutex Mu;
  std::map<std::string, int> Servers;
};

// The override runs where the base calls it: with Mu held.
class WeightedGovernance : public Governance {
protected:
  void addLocked(const std::string &Address) override { Servers[Address] = 2; }
};

// A public helper whose every call in the unit holds the lock; and its twin, called once without.
class Table {
public:
  void put(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    insertEntry(Key);
    touchEntry(Key);
  }
  void putUnlocked(int Key) { touchEntry(Key); }
  void insertEntry(int Key) { Entries[Key] = 0; }
  void touchEntry(int Key) {
    Entries[Key] += 1; // expect: mapguard-unguarded-access {{'operator[]' on 'Entries' without holding 'Mu', which guards it at 2 of 3 accesses}} note@-2: {{accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::map<int, int> Entries;
};

// A recursive private helper whose only outside caller holds the lock.
class Tree {
public:
  void prune(int Depth) {
    std::lock_guard<std::mutex> Lock(Mu);
    pruneFrom(Depth);
  }
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Nodes[Key] = Key;
  }

private:
  void pruneFrom(int Depth) {
    if (Depth == 0)
      return;
    Nodes.erase(Depth);
    pruneFrom(Depth - 1);
  }
  std::mutex Mu;
  std::map<int, int> Nodes;
};

// The lock token: the caller passes its guard; the function runs under its mutex. Called here:
// the guard's mutex at the call; not called here: its word is taken.
class Sessions {
public:
  void open(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    insert(Id, Lock);
  }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Live.erase(Id);
  }
  void drop(int Id, const std::lock_guard<std::mutex> &) { Live.erase(Id); }
  void dropByName(int Id) { Live.erase(Id); } // expect: mapguard-unguarded-access {{'erase' on 'Live' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-3: {{accessed with 'Mu' held here}}

private:
  void insert(int Id, std::unique_lock<std::mutex> &Lock) {
    assert(Lock.owns_lock());
    Live[Id] = 1;
  }
  std::mutex Mu;
  std::map<int, int> Live;
};

// By name, callers elsewhere: not judged; a name that only looks alike (isLocked) is judged.
class Cache {
public:
  void set(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Values[Key] = Key;
  }
  void evict(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Values.erase(Key);
  }
  void evict_locked(int Key);
  void clearNoLock();
  bool isLocked() const { return Values.count(0) != 0; } // expect: mapguard-unguarded-access {{'count' on 'Values' in a function that does not lock 'Mu', which guards it at every access in the other functions (2 of 3 accesses}} note@-8: {{accessed with 'Mu' held here}}

private:
  mutable std::mutex Mu;
  std::map<int, int> Values;
};
void Cache::evict_locked(int Key) { Values.erase(Key); }
void Cache::clearNoLock() { Values.clear(); }

// A reader lock held by every caller: a write in the helper is under a shared lock.
class Routes {
public:
  int lookup(int Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return find(Key);
  }
  void set(int Key) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Map[Key] = Key;
  }

private:
  int find(int Key) {
    return Map[Key]; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Map' while 'Mu' is held only shared}} note@-1: {{'Mu' is held shared on entry to 'find'}}
  }
  std::shared_mutex Mu;
  std::map<int, int> Map;
};

// A function named as test-only (RocksDB's TEST_ prefix, Chromium's ForTesting suffix) reads
// between operations of a test: not reported; its twin without the name is.
class Tracker {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Done.insert({Key, Key});
  }
  void remove(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Done.erase(Key);
  }
  size_t TEST_DoneSize() const { return Done.count(0); }
  size_t doneSizeForTesting() const { return Done.count(0); }
  size_t doneSize() const { return Done.count(0); } // expect: mapguard-unguarded-access {{'count' on 'Done' in a function that does not lock 'Mu', which guards it at every access in the other functions (2 of 3 accesses}} note@-8: {{accessed with 'Mu' held here}}

private:
  mutable std::mutex Mu;
  std::map<int, int> Done;
};
