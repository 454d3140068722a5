// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// Calls of the runtime (runtime.cpp) seen from another unit. `expect-indexed` marks a finding that
// needs the runtime's facts (the project index); without it, this unit sees declarations only.
#include "runtime.h"

#include <map>
#include <mutex>
#include <vector>

int work(int I) { return I * 2; }

void collect(int N) {
  std::vector<int> Results;
  rt::parallelFor(N, [&](int I) {
    Results.push_back(work(I)); // expect-indexed: mapguard-deferred-capture {{'push_back' on 'Results', captured by reference, in a callable that 'parallelFor' runs on several threads at once}} note@-1: {{the callable is started on several threads here}}
  });
}

void collectInTurn(int N) {
  std::vector<int> Results;
  rt::forEachInTurn(N, [&](int I) { Results.push_back(work(I)); });
}

void countLater() {
  std::map<int, int> Counts;
  rt::later([&Counts] { Counts[1]++; }); // expect-indexed: mapguard-deferred-capture {{'Counts' is captured by reference into a callback that may run after 'Counts' is destroyed}} note: {{handed over here}} note@-1: {{'Counts' is declared here}}
}

void countNow() {
  std::map<int, int> Counts;
  rt::now([&Counts] { Counts[1]++; });
}

void countInPool(rt::Pool &Workers, int N) {
  std::map<int, int> Counts;
  for (int I = 0; I < N; ++I)
    Workers.Run([&Counts, I] {
      Counts[I] = I; // expect-indexed: mapguard-deferred-capture {{'operator[]' on 'Counts', captured by reference, in a callable that a thread started in a loop runs on several threads at once}} note@-1: {{the callable is started on several threads here}}
    });
  Workers.WaitIdle();
}

void countInPoolLocked(rt::Pool &Workers, int N) {
  std::map<int, int> Counts;
  std::mutex CountsMutex;
  for (int I = 0; I < N; ++I)
    Workers.Run([&Counts, &CountsMutex, I] {
      std::lock_guard<std::mutex> Lock(CountsMutex);
      Counts[I] = I;
    });
  Workers.WaitIdle();
}

class Registry {
public:
  void record(int Code) {
    Mu.lock(); // expect-indexed: mapguard-manual-lock {{an exception from a call before the unlock leaves the function}} note@+2: {{this call may throw 'std::runtime_error' while 'Mu' is locked}}
    Seen[Code] = 1;
    rt::audit(Code);
    Mu.unlock();
  }
  void remember(int Code) {
    Mu.lock();
    Seen[Code] = 2;
    rt::note(Code);
    Mu.unlock();
  }

private:
  std::mutex Mu;
  std::map<int, int> Seen;
};
