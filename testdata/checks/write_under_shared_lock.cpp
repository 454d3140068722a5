// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-write-under-shared-lock: a write while the container's guard is held only shared. The
// fix makes a local shared guard exclusive.
#include <map>
#include <pthread.h>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

class Registry {
public:
  int lookup(int Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Items[Key]; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Items' while 'Mu' is held only shared; other readers may use 'Items' at the same time: take 'Mu' exclusively; if this 'operator[]' only reads, use find() or at(), which do not insert}} note@-1: {{'Mu' is locked shared here}}
  }
  void drop(int Key) {
    std::shared_lock Lock(Mu);
    Items.erase(Key); // expect: mapguard-write-under-shared-lock {{'erase' on 'Items' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }
  void bump(int Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Items[Key] += 1; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Items' while 'Mu' is held only shared; other readers may use 'Items' at the same time: take 'Mu' exclusively}} note@-1: {{locked shared here}}
  }
  void manual(int Key) {
    Mu.lock_shared();
    Items.clear(); // expect: mapguard-write-under-shared-lock {{'clear' on 'Items' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
    Mu.unlock_shared();
  }
  // Not reported: reads under the shared lock, writes under the exclusive one.
  int find(int Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    auto It = Items.find(Key);
    return It == Items.end() ? 0 : It->second + static_cast<int>(Items.size());
  }
  void put(int Key) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Items[Key] = 1;
  }
  void putLocked(int Key) {
    std::lock_guard<std::shared_mutex> Lock(Mu);
    Items.insert({Key, Key});
  }

private:
  std::shared_mutex Mu;
  std::map<int, int> Items;
};

// A guard passed elsewhere is not rewritten: its type is part of an interface.
void useGuard(std::shared_lock<std::shared_mutex> &Guard);
class Cache {
public:
  void refresh(const std::string &Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    useGuard(Lock);
    Entries.emplace(Key, 1); // expect: mapguard-write-under-shared-lock {{'emplace' on 'Entries' while 'Mu' is held only shared}} note@-2: {{'Mu' is locked shared here}}
  }
  bool has(const std::string &Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Entries.contains(Key);
  }

private:
  std::shared_mutex Mu;
  std::unordered_map<std::string, int> Entries;
};

// Held shared on entry: a helper that every caller calls under a reader lock.
class Index {
public:
  int get(int Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return lookupLocked(Key);
  }
  int size() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return static_cast<int>(Slots.size());
  }

private:
  int lookupLocked(int Key) { return Slots.try_emplace(Key, 0).first->second; } // expect: mapguard-write-under-shared-lock {{'try_emplace' on 'Slots' while 'Mu' is held only shared}} note: {{'Mu' is held shared on entry to 'lookupLocked'}}
  std::shared_mutex Mu;
  std::map<int, int> Slots;
};

// POSIX reader-writer locks (noexcept: an exception would terminate, not leave them locked).
pthread_rwlock_t RoutesLock = PTHREAD_RWLOCK_INITIALIZER;
std::map<int, int> Routes;
void addRoute(int Key) noexcept {
  pthread_rwlock_wrlock(&RoutesLock);
  Routes[Key] = Key;
  pthread_rwlock_unlock(&RoutesLock);
}
void dropRoute(int Key) noexcept {
  pthread_rwlock_rdlock(&RoutesLock);
  Routes.erase(Key); // expect: mapguard-write-under-shared-lock {{'erase' on 'Routes' while 'RoutesLock' is held only shared}} note@-1: {{'RoutesLock' is locked shared here}}
  pthread_rwlock_unlock(&RoutesLock);
}
