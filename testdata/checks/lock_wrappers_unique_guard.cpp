// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// A project's guard with lock() and unlock() of its own, std::unique_lock's shape (Kismet's
// kis_unique_lock: a reference to the mutex, an "owns" flag, a destructor that unlocks when it
// owns the lock), is a guard, not a mutex: `guard.lock()` relocks the guard's mutex, and a return
// after it leaves nothing locked, since the destructor unlocks. Twin: a wrapper with lock() and
// unlock() over a mutex it refers to, and no destructor that unlocks, is a mutex; a return that
// skips its unlock() leaves it locked. And a guard whose member is initialised with braces
// (Kismet's kis_lock_guard, `mutex{m}`) and whose destructor unlocks unless told to retain: the
// accesses under it are guarded, on a worker thread as elsewhere; one without it is reported.
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

class NamedMutex : public std::recursive_timed_mutex {
public:
  std::string Name;
};

template <class M> class UniqueLock {
public:
  UniqueLock(M &Mu, const std::string &Op) : Mutex{Mu}, Op{Op} {
    Mutex.lock();
    Locked = true;
  }
  UniqueLock(M &Mu, std::defer_lock_t, const std::string &Op = "") : Mutex{Mu}, Op{Op} {}
  ~UniqueLock() {
    if (Locked)
      Mutex.unlock();
  }
  void lock() {
    Mutex.lock();
    Locked = true;
  }
  void unlock() {
    Mutex.unlock();
    Locked = false;
  }

private:
  M &Mutex;
  std::string Op;
  bool Locked = false;
};

void notify(int Value);

class Alerts {
public:
  int raise(int Ref) {
    UniqueLock<NamedMutex> Lock(Mu, std::defer_lock, "raise");
    Lock.lock();
    auto It = Defs.find(Ref);
    if (It == Defs.end())
      return -1; // the guard's destructor unlocks 'Mu'
    int Value = It->second;
    Lock.unlock();
    notify(Value);
    return Value;
  }
  void add(int Ref) {
    UniqueLock<NamedMutex> Lock(Mu, "add");
    Defs[Ref] = 0;
  }

private:
  NamedMutex Mu;
  std::map<int, int> Defs;
};

// Twin: a wrapper that locks and unlocks the mutex it refers to, and unlocks nothing when it dies.
template <class M> class Lockable {
public:
  explicit Lockable(M &Mu) : Mutex(Mu) {}
  void lock() { Mutex.lock(); }
  void unlock() { Mutex.unlock(); }

private:
  M &Mutex;
};

int takeFirst(Lockable<NamedMutex> &Access, const std::map<int, int> &Defs) {
  Access.lock(); // expect: mapguard-manual-lock {{'Access' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'Access' is still locked when this 'return' leaves}}
  if (Defs.empty())
    return -1;
  int Key = Defs.begin()->first;
  Access.unlock();
  return Key;
}

template <class M> class LockGuard {
public:
  explicit LockGuard(M &Mu, const std::string &Op = "") : Mutex{Mu}, Op{Op} { Mutex.lock(); }
  ~LockGuard() {
    if (!Retain)
      Mutex.unlock();
  }

private:
  M &Mutex;
  std::string Op;
  bool Retain = false;
};

class Timers {
public:
  void start() {
    Worker = std::thread([this] {
      LockGuard<NamedMutex> Lock(RemovedMu, "timer");
      Removed.push_back(0);
    });
  }
  void sweep() {
    LockGuard<NamedMutex> Lock(RemovedMu);
    Removed.clear();
  }
  void cancel(int Id) {
    Removed.push_back(Id); // expect: mapguard-unguarded-access {{'push_back' on 'Removed' without holding 'RemovedMu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-8: {{'Removed' is accessed with 'RemovedMu' held here}}
  }

private:
  std::thread Worker;
  NamedMutex RemovedMu;
  std::vector<int> Removed;
};
