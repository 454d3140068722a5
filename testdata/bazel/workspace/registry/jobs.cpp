#include "registry/jobs.h"

void Jobs::push(int Job) {
  Watch.enter();
  Queue.push_back(Job);
  Watch.leave();
}

int Jobs::pop() {
  Watch.enter();
  int Job = 0;
  if (!Queue.empty()) {
    Job = Queue.front();
    Queue.pop_front();
  }
  Watch.leave();
  return Job;
}

std::size_t Jobs::pending() {
  Watch.enter();
  std::size_t N = Queue.size();
  Watch.leave();
  return N;
}

// unguarded-access (breaks-consistent-guard): reported once the .clang-tidy enables the check, and
// only with the facts of //sync (sync::Monitor locks in monitor.cpp, which this unit does not see).
void Jobs::drop() { Queue.clear(); }

void Batches::push(int Batch) {
  Nesting.enter();
  Queue.push_back(Batch);
  Nesting.leave();
}

int Batches::pop() {
  Nesting.enter();
  int Batch = Queue.empty() ? 0 : Queue.front();
  Nesting.leave();
  return Batch;
}

void Batches::drop() { Queue.clear(); }
