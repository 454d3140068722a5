// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// Class templates whose mutex type is a template parameter, as header-only thread-safe
// containers write them: `std::lock_guard<Mutex> lock(mu_)`, `std::scoped_lock lock(mu_)`,
// `mu_.lock()`. In the template's definition none of these resolve; the guard's name says what it
// does, and a parameter's default argument (`typename Mutex = std::mutex`) what the mutex is. No
// unit instantiates these templates: the checks judge their definitions.
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

template <typename K, typename V, typename Mutex = std::mutex> class ConcurrentMap {
public:
  void put(const K &Key, const V &Value) {
    std::lock_guard<Mutex> Lock(Mu);
    Map[Key] = Value;
  }
  void putBraced(const K &Key, const V &Value) {
    std::unique_lock<Mutex> Lock{Mu};
    Map[Key] = Value;
  }
  void putDeduced(const K &Key, const V &Value) {
    std::scoped_lock Lock(Mu);
    Map[Key] = Value;
  }
  void putByHand(const K &Key, const V &Value) {
    Mu.lock();
    Map[Key] = Value;
    Mu.unlock();
  }
  bool contains(const K &Key) const {
    std::lock_guard<Mutex> Lock(Mu);
    return Map.count(Key) != 0;
  }
  void remove(const K &Key) { Map.erase(Key); } // expect: mapguard-unguarded-access {{'erase' on 'Map' without holding 'Mu', which guards it at 10 of 12 accesses}} note@-19: {{'Map' is accessed with 'Mu' held here}}
  void removeLocked(const K &Key) {
    std::lock_guard<Mutex> Lock(Mu);
    Map.erase(Key);
  }
  // The guard's scope ends before the second call: its lifetime's end releases the mutex.
  void eraseThenClear(const K &Key) {
    {
      std::lock_guard<Mutex> Lock(Mu);
      Map.erase(Key);
    }
    Map.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Map' without holding 'Mu'}} note@-1: {{'Mu' is released here}} note@-30: {{'Map' is accessed with 'Mu' held here}}
  }
  void eraseThenClearLocked(const K &Key) {
    std::unique_lock<Mutex> Lock(Mu);
    Map.erase(Key);
    Lock.unlock();
    Lock.lock();
    Map.clear();
  }
  bool eraseIfPresent(const K &Key) {
    Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'Mu' is still locked when this 'return' leaves}}
    if (Map.count(Key) == 0)
      return false;
    Map.erase(Key);
    Mu.unlock();
    return true;
  }
  bool eraseIfPresentUnlocking(const K &Key) {
    Mu.lock();
    if (Map.count(Key) == 0) {
      Mu.unlock();
      return false;
    }
    Map.erase(Key);
    Mu.unlock();
    return true;
  }

private:
  mutable Mutex Mu;
  std::map<K, V> Map;
};

// A reader-writer mutex by default: a write under its shared guard.
template <typename T, typename RwMutex = std::shared_mutex> class EventLog {
public:
  void append(const T &Event) {
    std::shared_lock<RwMutex> Lock(Mu);
    Events.push_back(Event); // expect: mapguard-write-under-shared-lock {{'push_back' on 'Events' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }
  void appendExclusive(const T &Event) {
    std::unique_lock<RwMutex> Lock(Mu);
    Events.push_back(Event);
  }
  size_t size() const {
    std::shared_lock<RwMutex> Lock(Mu);
    return Events.size();
  }

private:
  mutable RwMutex Mu;
  std::vector<T> Events;
};

// No default: the guard's construction alone says `Mu` is its mutex.
template <typename K, typename Lockable> class Index {
public:
  void add(const K &Key) {
    std::lock_guard<Lockable> Lock(Mu);
    Counts[Key]++;
  }
  void drop(const K &Key) {
    std::lock_guard<Lockable> Lock(Mu);
    Counts.erase(Key);
  }
  void reset() { Counts.clear(); } // expect: mapguard-unguarded-access {{'clear' on 'Counts' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-6: {{'Counts' is accessed with 'Mu' held here}}
  void resetLocked() {
    std::lock_guard<Lockable> Lock(Mu);
    Counts.clear();
  }

private:
  Lockable Mu;
  std::map<K, int> Counts;
};

// A parameter that defaults to something other than a mutex: its `lock()` is not a lock.
template <typename K, typename Handle = std::weak_ptr<int>> class Watchers {
public:
  void poll(const K &Key) {
    auto Live = Owner.lock();
    if (!Live)
      return;
    Seen[Key] = *Live;
  }

private:
  Handle Owner;
  std::map<K, int> Seen;
};
