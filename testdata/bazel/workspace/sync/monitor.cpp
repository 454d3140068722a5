#include "sync/monitor.h"

#include <mutex>

namespace sync {
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
