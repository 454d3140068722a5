#pragma once
#include "sync/monitor.h"

#include <cstddef>
#include <deque>

class Jobs {
public:
  void push(int Job);
  int pop();
  std::size_t pending();
  void drop();

private:
  sync::Monitor Watch;
  std::deque<int> Queue;
};

// The same shape over sync::Depth, which locks nothing: no guard, no finding.
class Batches {
public:
  void push(int Batch);
  int pop();
  void drop();

private:
  sync::Depth Nesting;
  std::deque<int> Queue;
};
