// The project's lock classes, defined in sync.cpp: the other units see only these declarations,
// and no method name here is one the lock model knows (LockFunctions, UnlockFunctions). What each
// one does to a lock is read from its body there and reaches the other units through the project
// index.
#pragma once
#include <memory>
#include <pthread.h>

namespace sync {
// A reader-writer lock.
class RwLock {
public:
  RwLock();
  ~RwLock();
  void acquireRead();
  void acquireWrite();
  void release();

private:
  pthread_rwlock_t Rw;
};

// Scoped guards over it: the constructor takes the lock, the destructor releases it.
class WriteGuard {
public:
  explicit WriteGuard(RwLock &Lock);
  ~WriteGuard();

private:
  RwLock &Lock;
};

class ReadGuard {
public:
  explicit ReadGuard(RwLock &Lock);
  ~ReadGuard();

private:
  RwLock &Lock;
};

// Shaped like a guard, but its bodies only count: it locks nothing.
class Tracer {
public:
  explicit Tracer(RwLock &Lock);
  ~Tracer();

private:
  RwLock &Lock;
};

// A monitor whose mutex is inside its implementation (a pimpl): enter() locks it, leave() unlocks.
class Monitor {
public:
  Monitor();
  ~Monitor();
  void enter();
  void leave();

private:
  struct Impl;
  std::unique_ptr<Impl> State;
};

// Shaped like the monitor, but its enter() and leave() only count depth.
class Depth {
public:
  void enter();
  void leave();

private:
  int Level = 0;
};
} // namespace sync
