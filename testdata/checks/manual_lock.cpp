// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: mapguard-manual-lock.Rules: all
// mapguard-manual-lock: a mutex locked by hand whose unlock some path skips. The fix turns a
// lock/unlock pair in one block into a scoped guard.
#include <future>
#include <map>
#include <mutex>
#include <pthread.h>
#include <shared_mutex>
#include <stdexcept>
#include "absl/synchronization/mutex.h"

std::mutex Mu;
std::map<int, int> Table;

void earlyReturn(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a 'return' leaves the function with it still locked; use a scoped guard (std::lock_guard, std::scoped_lock) so that every path unlocks it}} note@+2: {{'Mu' is still locked when this 'return' leaves}}
  if (Key < 0)
    return;
  Table.erase(Key);
  Mu.unlock();
}

// A standard call documented to throw (std::map::at: std::out_of_range), read from the library.
void mayThrow(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{an exception from a call before the unlock leaves the function}} note@+1: {{this call may throw 'std::out_of_range' while 'Mu' is locked}}
  Table.at(Key) = 1;
  Mu.unlock();
}

// Negative twin: only allocation can fail here (std::bad_alloc is not reported by default; see
// manual_lock_strict.cpp).
void onlyAllocates(int Key) {
  Mu.lock();
  Table[Key] = 1;
  Table.insert({Key + 1, 2});
  Mu.unlock();
}

// The project's own code throws, two calls down: the note shows the throw.
void validate(int Key) {
  if (Key < 0)
    throw std::invalid_argument("negative key");
}
void store(std::map<int, int> &Into, int Key) {
  validate(Key);
  Into[Key] = 1;
}
void throwsInCallee(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{an exception from a call before the unlock}} note@+1: {{this call may throw 'std::invalid_argument' while 'Mu' is locked}} note@-7: {{it can throw here}}
  store(Table, Key);
  Mu.unlock();
}

// Not reported: the throw is three calls of the project's own code away (behind error-code layers,
// as RocksDB's Recover() reaches an at() eight calls down): not what a maintainer acts on here.
void deepValidate(int Key) { validate(Key); }
void deeperStore(std::map<int, int> &Into, int Key) { deepValidate(Key); }
void throwsFarAway(int Key) {
  Mu.lock();
  deeperStore(Table, Key);
  Mu.unlock();
}

// Not reported: the first thing the function does to Mu is unlock it, so its caller holds it;
// the relock hands it back (RocksDB's NotifyOnMemTableSealed).
void notify();
void notifyWithoutTheLock(bool Quiet) {
  if (Quiet)
    return;
  Mu.unlock();
  notify();
  Mu.lock();
}

// Negative twin: the callee's code throws nothing (error codes), whatever its signature says.
bool storeChecked(std::map<int, int> &Into, int Key) {
  if (Key < 0)
    return false;
  Into[Key] = 1;
  return true;
}
bool errorCodes(int Key) {
  Mu.lock();
  bool Ok = storeChecked(Table, Key);
  Mu.unlock();
  return Ok;
}

// noexcept, but the function catches: the handler runs with Mu still locked.
void catchesInside(int Key) noexcept {
  try {
    Mu.lock(); // expect: mapguard-manual-lock {{an exception from a call before the unlock}} note@+1: {{this call may throw}}
    Table.at(Key) = 1;
    Mu.unlock();
  } catch (...) {
  }
}

void throws(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{a 'throw' leaves the function}} note@+2: {{still locked when this 'throw' leaves}}
  if (Key < 0)
    throw std::invalid_argument("negative");
  Mu.unlock();
}

// A catch handler runs with the locks held where its try began (Mu, taken by hand before it): its
// 'return' leaves with Mu locked. The twin unlocks in the handler first.
void connectOrThrow(int Key);
void giveUpLocked(int Key) {
  Mu.lock(); // expect: mapguard-manual-lock {{a 'return' leaves the function with it still locked}} note@+4: {{'Mu' is still locked when this 'return' leaves}}
  try {
    connectOrThrow(Key);
  } catch (const std::exception &) {
    return;
  }
  Mu.unlock();
}
void giveUpUnlocked(int Key) {
  Mu.lock();
  try {
    connectOrThrow(Key);
  } catch (const std::exception &) {
    Mu.unlock();
    return;
  }
  Mu.unlock();
}

void loop(const int *Keys, int N) {
  for (int I = 0; I < N; ++I) {
    Mu.lock(); // expect: mapguard-manual-lock {{a 'continue' leaves the loop}} note@+2: {{still locked when this 'continue' leaves}}
    if (Keys[I] < 0)
      continue;
    Mu.unlock();
  }
}

std::shared_mutex Rw;
int readers(int Key) {
  Rw.lock_shared(); // expect: mapguard-manual-lock {{'Rw' is locked by hand and a 'return' leaves}} note@+2: {{still locked when this 'return' leaves}}
  if (Key == 0)
    return 0;
  Rw.unlock_shared();
  return 1;
}

pthread_mutex_t Raw = PTHREAD_MUTEX_INITIALIZER;
int raw(int Key) {
  pthread_mutex_lock(&Raw); // expect: mapguard-manual-lock {{'Raw' is locked by hand and a 'return' leaves}} note@+2: {{still locked when this 'return' leaves}}
  if (Key == 0)
    return 0;
  pthread_mutex_unlock(&Raw);
  return 1;
}

absl::Mutex AbslMu;
void abslManual(int Key) {
  AbslMu.Lock(); // expect: mapguard-manual-lock {{'AbslMu' is locked by hand and a 'return' leaves}} note@+2: {{still locked when this 'return' leaves}}
  if (Key == 0)
    return;
  AbslMu.Unlock();
}

int counter;
void fallsOffTheEnd(int Key) noexcept {
  Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a path reaches the end of the function with it still locked}}
  if (Key < 0) {
    Mu.unlock();
    return;
  }
  ++counter;
}

// Not reported: every path unlocks; nothing between may throw; scoped guards; a lock wrapper that
// leaves the mutex locked on purpose; a unique_lock locked and unlocked through the guard.
void unlocksEveryPath(int Key) {
  Mu.lock();
  if (Key < 0) {
    Mu.unlock();
    return;
  }
  Mu.unlock();
}
void nothingThrows() noexcept {
  Mu.lock();
  ++counter;
  Mu.unlock();
}
void scoped(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  if (Key < 0)
    return;
  Table.erase(Key);
}
// Conditional locking on one flag (RocksDB's MemTable::Add): the conditions agree, which paths
// alone cannot see; a lock held on some paths into a join that is not a way out is not reported.
void conditional(bool Concurrent) noexcept {
  if (Concurrent)
    Mu.lock();
  ++counter;
  if (Concurrent)
    Mu.unlock();
}
void acquire() { Mu.lock(); }
void release() { Mu.unlock(); }
void guardManaged(int Key) {
  std::unique_lock<std::mutex> Lock(Mu, std::defer_lock);
  Lock.lock();
  if (Key < 0)
    return;
  Lock.unlock();
}

// pthread's lock functions return 0 when they locked: a throw on their failure leaves with the
// mutex not held (Poco's EventImpl::setImpl). Reported: a throw after the lock succeeded.
pthread_mutex_t EventMutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t EventCond = PTHREAD_COND_INITIALIZER;
bool EventState = false;
void setEvent() {
  if (pthread_mutex_lock(&EventMutex))
    throw std::runtime_error("cannot lock");
  EventState = true;
  if (pthread_cond_broadcast(&EventCond)) {
    pthread_mutex_unlock(&EventMutex);
    throw std::runtime_error("cannot signal");
  }
  pthread_mutex_unlock(&EventMutex);
}
void setEventLeaky() {
  if (pthread_mutex_lock(&EventMutex) != 0) // expect: mapguard-manual-lock {{'EventMutex' is locked by hand and a 'throw' leaves the function with it still locked}} note@+4: {{'EventMutex' is still locked when this 'throw' leaves}}
    throw std::runtime_error("cannot lock");
  EventState = true;
  if (pthread_cond_broadcast(&EventCond))
    throw std::runtime_error("cannot signal");
  pthread_mutex_unlock(&EventMutex);
}

// A lock handed over with a callable that releases it: the request loop locks the dump mutex,
// starts the dump, and leaves the switch with the mutex held; the dump unlocks it when it is done
// (easy_profiler's capture stop). Its twin releases it in no callable: the 'break' leaks it.
struct Capture {
  std::mutex DumpMutex;
  std::future<int> Result;
  int dump();
  void handle(int Request) {
    switch (Request) {
    case 1:
      DumpMutex.lock();
      Result = std::async(std::launch::async, [this] {
        int Written = dump();
        DumpMutex.unlock();
        return Written;
      });
      break;
    case 2:
      DumpMutex.lock();
      DumpMutex.unlock();
      break;
    }
  }
  void handleLeaky(int Request) {
    switch (Request) {
    case 1:
      DumpMutex.lock(); // expect: mapguard-manual-lock {{'DumpMutex' is locked by hand and a 'break' leaves the switch with it still locked}} note@+2: {{'DumpMutex' is still locked when this 'break' leaves}}
      Result = std::async(std::launch::async, [this] { return dump(); });
      break;
    case 2:
      DumpMutex.lock();
      DumpMutex.unlock();
      break;
    }
  }
};
