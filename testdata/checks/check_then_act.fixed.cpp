// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-check-then-act,mapguard-unguarded-access
// CHECK-OPTIONS: Rules: all
// mapguard-check-then-act: a write decided by a check made under an earlier critical section, or
// with no lock. Each positive has a negative twin below it. unguarded-access runs too: the unlocked
// check of a pair is reported once, here, not again as an unguarded access.
#include <map>
#include <mutex>
#include <pthread.h>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

int compute(int Key);

// std::mutex: two critical sections, a check with no lock, get-then-erase.
class Cache {
public:
  void fill(int Key, int Bias) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Values.count(Key) != 0)
        return;
    }
    int Value = compute(Key) + Bias; // not computed from the key alone
    std::lock_guard<std::mutex> Lock(Mu);
    Values.try_emplace(Key, Value); // expect: mapguard-check-then-act {{'operator[]' on 'Values' acts on a 'count' check made under an earlier lock of 'Mu', released in between; another thread may have changed 'Values' since: check again under this lock, or do both in one critical section (try_emplace or insert(...).second under one lock)}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
  }
  // Twin: checked again under the second lock.
  void fillRechecked(int Key) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Values.count(Key) != 0)
        return;
    }
    int Value = compute(Key);
    std::lock_guard<std::mutex> Lock(Mu);
    if (Values.count(Key) == 0)
      Values[Key] = Value;
  }
  // Twin: an idempotent emplace does not overwrite what another thread inserted.
  void fillIdempotent(int Key) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Values.count(Key) != 0)
        return;
    }
    int Value = compute(Key);
    std::lock_guard<std::mutex> Lock(Mu);
    Values.emplace(Key, Value);
  }
  void fillUnlocked(int Key, int Bias) {
    if (Values.find(Key) == Values.end()) {
      std::lock_guard<std::mutex> Lock(Mu);
      Values.try_emplace(Key, compute(Key) + Bias); // expect: mapguard-check-then-act {{'operator[]' on 'Values' acts on a 'find' check made without 'Mu' held; another thread may change 'Values' between the check and the lock: check again under 'Mu' before acting}} note@-2: {{the check is here}}
    }
  }
  // Twin: double-checked; the unlocked first check is still an unguarded read.
  void fillDoubleChecked(int Key) {
    if (Values.find(Key) == Values.end()) { // expect: mapguard-unguarded-access {{'find' on 'Values' without holding 'Mu'}} note@-38: {{accessed with 'Mu' held here}} (once per function: not again for 'end')
      std::lock_guard<std::mutex> Lock(Mu);
      if (Values.find(Key) == Values.end())
        Values[Key] = compute(Key);
    }
  }
  int take(int Key) {
    int Value = 0;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Value = Values.at(Key);
    }
    std::lock_guard<std::mutex> Lock(Mu);
    Values.erase(Key); // expect: mapguard-check-then-act {{'erase' on 'Values' removes a key whose value was read under an earlier lock of 'Mu', released in between; another thread may have replaced or removed it since: read and remove in one critical section}} note@-3: {{the check is here}} note@-2: {{'Mu' is released here}}
    return Value;
  }
  // Twin: one critical section.
  int takeAtomically(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    int Value = Values.at(Key);
    Values.erase(Key);
    return Value;
  }
  // Twin: an existence test deciding an erase is harmless (erasing a missing key does nothing).
  void forget(int Key) {
    bool Known = false;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Known = Values.count(Key) != 0;
    }
    if (Known) {
      std::lock_guard<std::mutex> Lock(Mu);
      Values.erase(Key);
    }
  }

  // A read-modify-write across two critical sections loses updates.
  void bump(int Key) {
    int Value = 0;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Value = Values.at(Key);
    }
    Value += compute(Value);
    std::lock_guard<std::mutex> Lock(Mu);
    Values[Key] = Value; // expect: mapguard-check-then-act {{'operator[]' on 'Values' stores a value computed from a read under an earlier lock of 'Mu', released in between; an update another thread made in between is lost: read, compute and write in one critical section}} note@-4: {{the check is here}} note@-3: {{'Mu' is released here}}
  }
  // Twin: one critical section.
  void bumpAtomically(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Values[Key] += compute(Values.at(Key));
  }
  // Erasing through an iterator needs the element to be there still.
  void evictOne() {
    bool Full = false;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Full = !Values.empty();
    }
    if (Full) {
      std::lock_guard<std::mutex> Lock(Mu);
      Values.erase(Values.begin()); // expect: mapguard-check-then-act {{'erase' on 'Values' acts on a 'empty' check made under an earlier lock of 'Mu', released in between}} note@-4: {{the check is here}} note@-3: {{'Mu' is released here}}
    }
  }
  // Twin: checked again under the lock that erases.
  void evictOneRechecked() {
    std::lock_guard<std::mutex> Lock(Mu);
    if (!Values.empty())
      Values.erase(Values.begin());
  }

private:
  std::mutex Mu;
  std::map<int, int> Values;
};

// std::shared_mutex: the check under the reader lock, the act under the writer lock (the
// "upgrade" that is not one).
class Sessions {
public:
  void expire(const std::string &Id, long Now) {
    bool Stale = false;
    {
      std::shared_lock<std::shared_mutex> Lock(Mu);
      auto It = Deadlines.find(Id);
      Stale = It != Deadlines.end() && It->second < Now;
    }
    if (Stale) {
      std::unique_lock<std::shared_mutex> Lock(Mu);
      Deadlines.erase(Id); // expect: mapguard-check-then-act {{'erase' on 'Deadlines' acts on a 'find' check made under an earlier lock of 'Mu', released in between; another thread may have changed 'Deadlines' since: check again under this lock, or do both in one critical section (find and erase under one lock, or erase(key) and test what it returns)}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
    }
  }
  // Twin: checked again under the writer lock.
  void expireRechecked(const std::string &Id, long Now) {
    bool Stale = false;
    {
      std::shared_lock<std::shared_mutex> Lock(Mu);
      auto It = Deadlines.find(Id);
      Stale = It != Deadlines.end() && It->second < Now;
    }
    if (Stale) {
      std::unique_lock<std::shared_mutex> Lock(Mu);
      auto It = Deadlines.find(Id);
      if (It != Deadlines.end() && It->second < Now)
        Deadlines.erase(It);
    }
  }

private:
  std::shared_mutex Mu;
  std::unordered_map<std::string, long> Deadlines;
};

// abseil: ReaderMutexLock for the check, MutexLock for the act.
class Quotas {
public:
  void grant(int User, int Limit) {
    bool Missing;
    {
      absl::ReaderMutexLock Lock(&Mu);
      Missing = !Limits.contains(User);
    }
    if (Missing) {
      absl::MutexLock Lock(&Mu);
      Limits.try_emplace(User, Limit); // expect: mapguard-check-then-act {{'operator[]' on 'Limits' acts on a 'contains' check made under an earlier lock of 'Mu'}} note@-4: {{the check is here}} note@-3: {{'Mu' is released here}}
    }
  }
  // Twin: try_emplace under one lock.
  void grantOnce(int User) {
    absl::MutexLock Lock(&Mu);
    Limits.try_emplace(User, 10);
  }

private:
  absl::Mutex Mu;
  absl::flat_hash_map<int, int> Limits;
};

// pthread: a check with no lock.
class Routes {
public:
  void add(int Id, int Port) {
    if (Ports.count(Id) == 0) {
      pthread_mutex_lock(&Mu);
      Ports.try_emplace(Id, Port); // expect: mapguard-check-then-act {{'operator[]' on 'Ports' acts on a 'count' check made without 'Mu' held}} note@-2: {{the check is here}}
      pthread_mutex_unlock(&Mu);
    }
  }
  // Twin: the check inside the lock.
  void addChecked(int Id, int Port) {
    pthread_mutex_lock(&Mu);
    if (Ports.count(Id) == 0)
      Ports[Id] = Port;
    pthread_mutex_unlock(&Mu);
  }

private:
  pthread_mutex_t Mu = PTHREAD_MUTEX_INITIALIZER;
  std::map<int, int> Ports;
};

// Across calls: two member functions that each lock a project mutex (known by its attributes).
#define CAPABILITY(x) __attribute__((capability(x)))
#define SCOPED_CAPABILITY __attribute__((scoped_lockable))
#define ACQUIRE(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define RELEASE(...) __attribute__((release_capability(__VA_ARGS__)))
#define REQUIRES(...) __attribute__((requires_capability(__VA_ARGS__)))
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
class Registry {
public:
  bool has(const std::string &Name) {
    SpinGuard Guard(Lock);
    return Names.count(Name) != 0;
  }
  void add(const std::string &Name, int Id) {
    SpinGuard Guard(Lock);
    Names[Name] = Id;
  }
  bool addIfAbsent(const std::string &Name, int Id) {
    SpinGuard Guard(Lock);
    return Names.try_emplace(Name, Id).second;
  }
  void addLocked(const std::string &Name, int Id) REQUIRES(Lock) { Names[Name] = Id; }
  bool hasLocked(const std::string &Name) REQUIRES(Lock) { return Names.count(Name) != 0; }
  // Twin: the caller holds the lock across helpers that require it: one critical section.
  void enrollHeld(const std::string &Name) {
    SpinGuard Guard(Lock);
    if (!hasLocked(Name))
      addLocked(Name, 1);
  }

private:
  SpinLock Lock;
  std::map<std::string, int> Names;
};
void enroll(Registry &R, const std::string &Name, int Id) {
  if (!R.has(Name))
    R.add(Name, Id); // expect: mapguard-check-then-act {{'add' locks 'Lock' and changes 'Names' on the strength of 'has', which released 'Lock' when it returned; another thread may change 'Names' in between: do both in one member function under one lock}} note@-1: {{the check is here}} note@-21: {{'add' changes 'Names' here}}
}
// Twin: one member function that checks and acts under the lock.
void enrollOnce(Registry &R, const std::string &Name) { R.addIfAbsent(Name, 1); }
// Twin: different objects are different maps.
void enrollOther(Registry &A, Registry &B, const std::string &Name) {
  if (!A.has(Name))
    B.add(Name, 1);
}

// A loop whose every iteration locks, checks and acts: the previous iteration's check is not what
// decides this iteration's erase (pistache's write loop). Not reported; the same loop with the
// check hoisted out of it, before the first lock's release, is.
class Outbox {
public:
  void flush(int Fd) {
    bool Stop = false;
    while (!Stop) {
      std::unique_lock<std::mutex> Lock(Mu);
      auto It = Pending.find(Fd);
      if (It == Pending.end())
        return;
      if (--It->second == 0) {
        Pending.erase(Fd);
        Stop = true;
      }
    }
  }
  void flushHoisted(int Fd) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Pending.find(Fd);
    bool Done = It == Pending.end() || It->second <= 1;
    if (Done)
      Pending.erase(Fd); // expect: mapguard-check-then-act {{'erase' on 'Pending' acts on a 'find' check made under an earlier lock of 'Mu', released in between}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
  }

private:
  std::mutex Mu;
  std::unordered_map<int, int> Pending;
};

// The fix-it: an assignment made where the check found the key absent becomes try_emplace, which
// checks again, atomically, under the act's lock.
class Claims {
public:
  void claim(const std::string &Name, int Owner) {
    if (!Owners.count(Name)) {
      std::lock_guard<std::mutex> Lock(Mu);
      Owners.try_emplace(Name, Owner); // expect: mapguard-check-then-act {{'operator[]' on 'Owners' acts on a 'count' check made without 'Mu' held}} note@-2: {{the check is here}}
    }
  }
  void claimAgain(const std::string &Name, int Owner) {
    bool Known;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Known = Owners.find(Name) != Owners.end();
    }
    if (Known)
      return;
    std::lock_guard<std::mutex> Lock(Mu);
    Owners.try_emplace(Name, Owner); // expect: mapguard-check-then-act {{'insert_or_assign' on 'Owners' acts on a 'find' check made under an earlier lock of 'Mu'}} note@-5: {{the check is here}} note@-4: {{'Mu' is released here}}
  }
  // Twin (no fix): the act updates a key the check found present; try_emplace would not.
  void transfer(const std::string &Name, int Owner) {
    if (Owners.count(Name) != 0) {
      std::lock_guard<std::mutex> Lock(Mu);
      Owners[Name] = Owner; // expect: mapguard-check-then-act {{'operator[]' on 'Owners' acts on a 'count' check made without 'Mu' held}} note@-2: {{the check is here}}
    }
  }
  // Twin (no fix): a compound assignment is not an insert.
  void bump(const std::string &Name) {
    if (Owners.find(Name) == Owners.end()) {
      std::lock_guard<std::mutex> Lock(Mu);
      Owners[Name] += 1; // expect: mapguard-check-then-act {{'operator[]' on 'Owners' acts on a 'find' check made without 'Mu' held}} note@-2: {{the check is here}}
    }
  }
  // Twin (not reported): try_emplace under one lock.
  void claimOnce(const std::string &Name, int Owner) {
    std::lock_guard<std::mutex> Lock(Mu);
    Owners.try_emplace(Name, Owner);
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Owners;
};

// The fix-it merges two critical sections that one unlock()/lock() pair in the same block
// separates, when only library code that takes no lock runs in between.
class Budgets {
public:
  void charge(const std::string &User, int Cost) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Left.find(User);
    int Remaining = It == Left.end() ? 0 : It->second;
    std::string Label = User + ":" + std::to_string(Cost);
    Left[User] = Remaining - Cost; // expect: mapguard-check-then-act {{'operator[]' on 'Left' stores a value computed from a read under an earlier lock of 'Mu', released in between}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
  }
  void expire(const std::string &User) {
    Mu.lock();
    auto It = Left.find(User);
    bool Spent = It != Left.end() && It->second <= 0;
    if (Spent)
      Left.erase(User); // expect: mapguard-check-then-act {{'erase' on 'Left' acts on a 'find' check made under an earlier lock of 'Mu', released in between}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
    Mu.unlock();
  }
  // Twin (no merge): a project function runs in between, and might block or lock.
  void chargeSlowly(const std::string &User, int Cost) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Left.find(User);
    int Remaining = It == Left.end() ? 0 : It->second;
    Lock.unlock();
    int Extra = compute(Cost);
    Lock.lock();
    Left[User] = Remaining - Extra; // expect: mapguard-check-then-act {{'operator[]' on 'Left' stores a value computed from a read under an earlier lock of 'Mu', released in between}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
  }
  // Twin (no merge): the code in between sleeps, which must not happen under the lock.
  void chargeLater(const std::string &User, int Cost) {
    std::unique_lock<std::mutex> Lock(Mu);
    auto It = Left.find(User);
    int Remaining = It == Left.end() ? 0 : It->second;
    Lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(Cost));
    Lock.lock();
    Left[User] = Remaining - Cost; // expect: mapguard-check-then-act {{'operator[]' on 'Left' stores a value computed from a read under an earlier lock of 'Mu', released in between}} note@-5: {{the check is here}} note@-3: {{'Mu' is released here}}
  }
  // Twin (not reported): one critical section.
  void chargeAtOnce(const std::string &User, int Cost) {
    std::lock_guard<std::mutex> Lock(Mu);
    Left[User] -= Cost;
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Left;
};
