// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// The bodies of sync.h's lock classes: read here, in this unit's first look.
#include "sync.h"

#include <cstdio>
#include <mutex>

namespace sync {
RwLock::RwLock() { pthread_rwlock_init(&Rw, nullptr); }
RwLock::~RwLock() { pthread_rwlock_destroy(&Rw); }
void RwLock::acquireRead() { pthread_rwlock_rdlock(&Rw); }
void RwLock::acquireWrite() { pthread_rwlock_wrlock(&Rw); }
void RwLock::release() { pthread_rwlock_unlock(&Rw); }

WriteGuard::WriteGuard(RwLock &Lock) : Lock(Lock) { Lock.acquireWrite(); }
WriteGuard::~WriteGuard() { Lock.release(); }

ReadGuard::ReadGuard(RwLock &Lock) : Lock(Lock) { Lock.acquireRead(); }
ReadGuard::~ReadGuard() { Lock.release(); }

static int Traced = 0;
Tracer::Tracer(RwLock &Lock) : Lock(Lock) { ++Traced; }
Tracer::~Tracer() { --Traced; }

struct Monitor::Impl {
  std::mutex Mu;
};
Monitor::Monitor() : State(new Impl) {}
Monitor::~Monitor() = default;
void Monitor::enter() { State->Mu.lock(); }
void Monitor::leave() { State->Mu.unlock(); }

void Depth::enter() { ++Level; }
void Depth::leave() { --Level; }
} // namespace sync
