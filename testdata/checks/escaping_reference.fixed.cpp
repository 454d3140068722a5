// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-escaping-reference
// CHECK-OPTIONS: Rules: all
// mapguard-escaping-reference: a reference, pointer or iterator into a guarded map used when its
// guard is no longer held. Each positive has a negative twin below it. The fix returns a copy
// instead of a const reference.
#include <map>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

struct Session {
  std::string Name;
  int Hits = 0;
};
void notify(int Id);
void use(const Session &S);

// std::mutex by hand and through std::unique_lock.
class Sessions {
public:
  void touch(int Id) {
    Mu.lock();
    auto It = Items.find(Id);
    Mu.unlock();
    if (It != Items.end()) // (the unguarded end() is unguarded-access's)
      It->second.Hits++; // expect: mapguard-escaping-reference {{'It' is an iterator into 'Items' and is used after 'Mu' was released; another thread may change or erase it meanwhile: copy what you need while 'Mu' is held, or hold 'Mu' until the last use}} note@-3: {{'It' is bound here, with 'Mu' held}} note@-2: {{'Mu' is released here}} note@+60: {{'erase' on 'Items' here can invalidate it}}
  }
  // Twin: the work is done before the unlock.
  void touchLocked(int Id) {
    Mu.lock();
    auto It = Items.find(Id);
    if (It != Items.end())
      It->second.Hits++;
    Mu.unlock();
  }
  void rename(int Id, const std::string &Name) {
    std::unique_lock<std::mutex> Lock(Mu);
    Session &S = Items[Id];
    Lock.unlock();
    notify(Id);
    S.Name = Name; // expect: mapguard-escaping-reference {{'S' refers to an element of 'Items' and is used after 'Mu' was released}} note@-3: {{'S' is bound here}} note@-2: {{'Mu' is released here}} note@+45: {{'erase' on 'Items'}}
  }
  // Nothing after the unlock takes a lock: the fix keeps the guard until its scope ends.
  void retitle(int Id, const std::string &Name) {
    std::unique_lock<std::mutex> Lock(Mu);
    Session &S = Items[Id];
    S.Name = Name + "!"; // expect: mapguard-escaping-reference {{'S' refers to an element of 'Items' and is used after 'Mu' was released}} note@-2: {{'S' is bound here}} note@-1: {{'Mu' is released here}} note@+38: {{'erase' on 'Items'}}
  }
  // Twin: a copy taken under the lock.
  std::string nameOf(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    std::string Name = Items[Id].Name;
    Lock.unlock();
    notify(Id);
    return Name;
  }
  // The range-for's own iterator is used again after the body unlocked and relocked.
  void notifyAll() {
    std::unique_lock<std::mutex> Lock(Mu);
    for (auto &[Id, S] : Items) { // expect: mapguard-escaping-reference {{the loop over 'Items' goes on after 'Mu' is released in its body; another thread may change 'Items' meanwhile and invalidate the loop's iterator}} note@+1: {{'Mu' is released here}} note@+25: {{'erase' on 'Items'}}
      Lock.unlock();
      notify(Id);
      Lock.lock();
    }
  }
  // Twin: the work is collected under the lock and done after it.
  void notifyAllCopied() {
    std::vector<int> Ids;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      for (const auto &[Id, S] : Items)
        Ids.push_back(Id);
    }
    for (int Id : Ids)
      notify(Id);
  }
  // An iterator kept across an unlock and a relock.
  void expireLater(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Items.find(Id);
    Lock.unlock();
    notify(Id);
    Lock.lock();
    if (It != Items.end())
      Items.erase(It); // expect: mapguard-escaping-reference {{'It' is an iterator into 'Items' and is used after 'Mu' was released and locked again; another thread may have changed or erased it in between: look it up again under the new lock}} note@-5: {{'It' is bound here}} note@-4: {{'Mu' is released here}} note@+11: {{'erase' on 'Items'}}
  }
  // Twin: looked up again under the new lock.
  void expireLaterRechecked(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    bool Known = Items.count(Id) != 0;
    Lock.unlock();
    notify(Id);
    Lock.lock();
    auto It = Items.find(Id);
    if (Known && It != Items.end())
      Items.erase(It);
  }
  void drop(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.erase(Id);
  }
  // Not reported: the loop's iterator is bound again, under the lock, on every pass of the outer
  // loop before it is used (the lock is released between passes).
  void sweep(const bool &Running) {
    while (Running) {
      {
        std::unique_lock<std::mutex> Lock(Mu);
        for (auto It = Items.begin(); It != Items.end();) {
          if (It->second.Hits == 0)
            It = Items.erase(It);
          else
            ++It;
        }
      }
      notify(0);
    }
  }

private:
  std::mutex Mu;
  std::map<int, Session> Items;
};

// Returned out of the function that took the lock; std::shared_mutex.
class Config {
public:
  std::string get(const std::string &Key) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Values.at(Key); // expect: mapguard-escaping-reference {{'get' returns a reference into 'Values' that outlives its lock on 'Mu'; callers use it after 'Mu' is released, while another thread may change or erase it: return a copy}} note@-1: {{'Mu' is locked here; it is released before callers use the value}} note@+18: {{'operator[]' on 'Values' here can overwrite it}}
  }
  // Twin: by value.
  std::string getCopy(const std::string &Key) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Values.at(Key);
  }
  const std::string *find(const std::string &Key) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    auto It = Values.find(Key);
    return It == Values.end() ? nullptr : &It->second; // expect: mapguard-escaping-reference {{'find' returns a pointer into 'Values' that outlives its lock on 'Mu'; callers use it after 'Mu' is released, while another thread may change or erase it: return a copy, a shared_ptr to the value, or make callers hold the lock}} note@-2: {{'Mu' is locked here}} note@+8: {{'operator[]' on 'Values'}}
  }
  // Twin: the caller holds the lock (annotated), so the reference stays covered.
  const std::string &getLocked(const std::string &Key) const __attribute__((requires_capability(Mu))) {
    return Values.at(Key);
  }
  void set(const std::string &Key, const std::string &Value) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Values[Key] = Value;
  }
  void unset(const std::string &Key) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Values.erase(Key);
  }

private:
  mutable std::shared_mutex Mu;
  std::unordered_map<std::string, std::string> Values;
};

// A std::string value overwritten under the lock frees the buffer a returned reference still
// points to: reported although nothing is ever erased.
class Labels {
public:
  std::string label(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Names[Id]; // expect: mapguard-escaping-reference {{'label' returns a reference into 'Names' that outlives its lock on 'Mu'}} note@-1: {{'Mu' is locked here}} note@+4: {{'operator[]' on 'Names' here can overwrite it}}
  }
  void relabel(int Id, const std::string &Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    Names[Id] = Name;
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Names;
};

// Stored where it outlives the lock; pthread; unique_ptr values own their objects.
class Workers {
public:
  void current(int Id, Session **Out) {
    pthread_mutex_lock(&Mu);
    *Out = Items[Id].get(); // expect: mapguard-escaping-reference {{a pointer into 'Items' is stored in '*Out', where it outlives the lock on 'Mu'; whoever uses it later may find it changed or erased: store a copy or the key}} note@-1: {{'Mu' is locked here}} note@+22: {{'operator[]' on 'Items' here can overwrite it}}
    pthread_mutex_unlock(&Mu);
  }
  void select(int Id) {
    pthread_mutex_lock(&Mu);
    Selected = Items[Id].get(); // expect: mapguard-escaping-reference {{a pointer into 'Items' is stored in 'Selected', where it outlives the lock on 'Mu'}} note@-1: {{'Mu' is locked here}} note@+17: {{'operator[]' on 'Items'}}
    pthread_mutex_unlock(&Mu);
  }
  // Twin: the key is stored, and looked up again under the lock when needed.
  void selectKey(int Id) {
    pthread_mutex_lock(&Mu);
    SelectedId = Items.count(Id) != 0 ? Id : -1;
    pthread_mutex_unlock(&Mu);
  }
  // Twin: a copy of the value is stored.
  void currentCopy(int Id, Session *Out) {
    pthread_mutex_lock(&Mu);
    *Out = *Items[Id];
    pthread_mutex_unlock(&Mu);
  }
  void add(int Id) {
    pthread_mutex_lock(&Mu);
    Items[Id] = std::make_unique<Session>();
    pthread_mutex_unlock(&Mu);
  }
  void remove(int Id) {
    pthread_mutex_lock(&Mu);
    Items.erase(Id);
    pthread_mutex_unlock(&Mu);
  }

private:
  pthread_mutex_t Mu = PTHREAD_MUTEX_INITIALIZER;
  std::map<int, std::unique_ptr<Session>> Items;
  Session *Selected = nullptr;
  int SelectedId = -1;
};

// shared_ptr values: a copy keeps the object alive after the unlock. A map that is only ever
// inserted into (a registry) never invalidates its elements: not reported either.
class Handles {
public:
  void run(int Id) {
    std::shared_ptr<Session> S;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      S = Items[Id];
    }
    use(*S);
  }
  const Session &lookup(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Registry.at(Id);
  }
  void enroll(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Registry.emplace(Id, Session());
    Items.erase(Id);
  }

private:
  std::mutex Mu;
  std::map<int, std::shared_ptr<Session>> Items;
  std::map<int, Session> Registry;
};

// A project mutex and guard known by their thread-safety attributes.
#define CAPABILITY(x) __attribute__((capability(x)))
#define SCOPED_CAPABILITY __attribute__((scoped_lockable))
#define ACQUIRE(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define RELEASE(...) __attribute__((release_capability(__VA_ARGS__)))
class CAPABILITY("mutex") SpinLock {
public:
  void lock() ACQUIRE();
  void unlock() RELEASE();
};
class SCOPED_CAPABILITY SpinGuard {
public:
  explicit SpinGuard(SpinLock &L) ACQUIRE(L) : L(L) { L.lock(); }
  ~SpinGuard() RELEASE() { L.unlock(); }

private:
  SpinLock &L;
};
class Routes {
public:
  std::string_view routeOf(int Id) {
    std::string_view Route;
    {
      SpinGuard Guard(Lock);
      Route = Table[Id];
    }
    return Route; // expect: mapguard-escaping-reference {{'Route' points into an element of 'Table' and is used after 'Lock' was released}} note@-2: {{'Route' is bound here}} note@-1: {{'Lock' is released here}} note@+13: {{'operator[]' on 'Table'}}
  }
  // Twin: the string is copied inside the critical section.
  std::string routeCopy(int Id) {
    std::string Route;
    {
      SpinGuard Guard(Lock);
      Route = Table[Id];
    }
    return Route;
  }
  void add(int Id, const std::string &Route) {
    SpinGuard Guard(Lock);
    Table[Id] = Route;
  }
  void reset() {
    SpinGuard Guard(Lock);
    Table.clear();
  }

private:
  SpinLock Lock;
  std::map<int, std::string> Table;
};

// abseil: a flat_hash_map moves its elements when an insert rehashes it.
class Cache {
public:
  const std::string *peek(int Key) {
    absl::ReaderMutexLock Lock(&Mu);
    auto It = Entries.find(Key);
    return It == Entries.end() ? nullptr : &It->second; // expect: mapguard-escaping-reference {{'peek' returns a pointer into 'Entries' that outlives its lock on 'Mu'}} note@-2: {{'Mu' is locked here}} note@+10: {{'operator[]' on 'Entries' here can overwrite it}}
  }
  // Twin: a copy.
  std::string peekCopy(int Key) {
    absl::ReaderMutexLock Lock(&Mu);
    auto It = Entries.find(Key);
    return It == Entries.end() ? std::string() : It->second;
  }
  void put(int Key, const std::string &Value) {
    absl::MutexLock Lock(&Mu);
    Entries[Key] = Value;
  }

private:
  absl::Mutex Mu;
  absl::flat_hash_map<int, std::string> Entries;
};

// Hand-over-hand: the element's own lock is taken before the map's is released, and whoever
// erases the element takes that lock too: not reported.
class Listeners {
public:
  void dispatch(int Id) {
    std::shared_mutex *Entry = nullptr;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Entry = Items[Id].get();
      Entry->lock_shared();
    }
    notify(Id);
    Entry->unlock_shared();
  }
  void remove(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.erase(Id);
  }

private:
  std::mutex Mu;
  std::map<int, std::unique_ptr<std::shared_mutex>> Items;
};

// A class that is itself a range hands out its container's iterators by design: its begin() and
// end() are not reported (Poco's ClassLoader); any other function returning one is.
class Loader {
public:
  using Iterator = std::map<std::string, int>::const_iterator;
  Iterator begin() const {
    std::lock_guard<std::mutex> Lock(Mu);
    return Classes.begin();
  }
  Iterator end() const {
    std::lock_guard<std::mutex> Lock(Mu);
    return Classes.end();
  }
  Iterator lookup(const std::string &Name) const {
    std::lock_guard<std::mutex> Lock(Mu);
    return Classes.find(Name); // expect: mapguard-escaping-reference {{'lookup' returns an iterator into 'Classes' that outlives its lock on 'Mu'}} note@-1: {{'Mu' is locked here; it is released before callers use the value}} note@+4: {{'erase' on 'Classes' here can invalidate it}}
  }
  void unload(const std::string &Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    Classes.erase(Name);
  }

private:
  mutable std::mutex Mu;
  std::map<std::string, int> Classes;
};

// The fix-it copies a const reference's element while the lock is held.
class Profiles {
public:
  void show(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    const Session S = Items.at(Id);
    Lock.unlock();
    use(S); // expect: mapguard-escaping-reference {{'S' refers to an element of 'Items' and is used after 'Mu' was released}} note@-2: {{'S' is bound here}} note@-1: {{'Mu' is released here}} note@+18: {{'erase' on 'Items'}}
  }
  // Twin (no copy: a non-const reference is written through; the lock is kept instead).
  void retouch(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    Session &S = Items.at(Id);
    S.Hits = 0; // expect: mapguard-escaping-reference {{'S' refers to an element of 'Items' and is used after 'Mu' was released}} note@-2: {{'S' is bound here}} note@-1: {{'Mu' is released here}} note@+11: {{'erase' on 'Items'}}
  }
  // Twin (not reported): a copy.
  void showCopy(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    const Session S = Items.at(Id);
    Lock.unlock();
    use(S);
  }
  void drop(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.erase(Id);
  }

private:
  std::mutex Mu;
  std::map<int, Session> Items;
};
