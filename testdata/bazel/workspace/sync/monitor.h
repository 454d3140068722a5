#pragma once
#include <memory>

namespace sync {
// A monitor whose mutex is inside its implementation (monitor.cpp): enter() locks it, leave()
// unlocks it. Other units see only this declaration; the project index tells them what it does.
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

// Shaped like the monitor, but its enter() and leave() only count depth: it locks nothing.
class Depth {
public:
  void enter();
  void leave();

private:
  int Level = 0;
};
} // namespace sync
