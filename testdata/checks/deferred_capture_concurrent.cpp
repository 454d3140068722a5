// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// mapguard-deferred-capture: one callable run by several threads at once (a thread started per
// loop iteration, or a parallel_for-style function whose body does that with its parameter, read
// from its body) that changes a container it captured by reference, with no lock held. The
// caller waits for all of them, so the container outlives them, but they change it together.
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A project's parallel_for: starts one thread per index and waits. Nothing names it.
void parallelFor(int N, const std::function<void(int)> &Body) {
  std::vector<std::thread> Workers;
  for (int I = 0; I < N; ++I)
    Workers.emplace_back(Body, I);
  for (std::thread &W : Workers)
    W.join();
}

// Runs its callable once, on one thread, and waits: not concurrent with itself.
void runOnce(const std::function<void(int)> &Body) {
  std::thread T(Body, 0);
  T.join();
}

// Starts one thread per index but joins each before the next: one at a time.
void forEachInTurn(int N, const std::function<void(int)> &Body) {
  for (int I = 0; I < N; ++I) {
    std::thread T(Body, I);
    T.join();
  }
}

int work(int I) { return I * 2; }

// A project's thread pool, read from its bodies (no name says it): the constructor starts the
// workers in a loop, and what they run pops the queue that Run() stores the task into. A task
// handed to it runs on one of the workers, beside the others.
class WorkQueue {
public:
  explicit WorkQueue(int Threads) {
    for (int I = 0; I < Threads; ++I)
      Workers.emplace_back([this] { drain(); });
  }
  void Run(std::function<void()> Task) {
    std::lock_guard<std::mutex> Lock(Mu);
    Tasks.push_back(std::move(Task));
  }
  void WaitIdle();

private:
  void drain() {
    for (;;) {
      std::function<void()> Task;
      {
        std::lock_guard<std::mutex> Lock(Mu);
        if (Tasks.empty())
          return;
        Task = std::move(Tasks.front());
        Tasks.pop_front();
      }
      Task();
    }
  }
  std::mutex Mu;
  std::deque<std::function<void()>> Tasks;
  std::vector<std::thread> Workers;
};

// One worker: the tasks run one at a time, in order.
class SerialQueue {
public:
  SerialQueue() : Worker([this] { drain(); }) {}
  void Run(std::function<void()> Task) {
    std::lock_guard<std::mutex> Lock(Mu);
    Tasks.push_back(std::move(Task));
  }
  void WaitIdle();

private:
  void drain() {
    std::lock_guard<std::mutex> Lock(Mu);
    while (!Tasks.empty()) {
      Tasks.front()();
      Tasks.pop_front();
    }
  }
  std::mutex Mu;
  std::deque<std::function<void()>> Tasks;
  std::thread Worker;
};

void collect(int N) {
  std::vector<int> Results;
  std::map<int, int> ByIndex;
  parallelFor(N, [&](int I) {
    Results.push_back(work(I)); // expect: mapguard-deferred-capture {{'push_back' on 'Results', captured by reference, in a callable that 'parallelFor' runs on several threads at once, with no lock held: the threads change 'Results' together; lock a mutex around the change, or give each thread its own container and merge them after the join}} note@-1: {{the callable is started on several threads here}}
    ByIndex[I] = work(I); // expect: mapguard-deferred-capture {{'operator[]' on 'ByIndex', captured by reference, in a callable that 'parallelFor' runs on several threads at once}} note@-2: {{the callable is started on several threads here}}
  });
}

void startPerIteration(int N) {
  std::map<std::string, int> Counts;
  std::vector<std::thread> Threads;
  for (int I = 0; I < N; ++I)
    Threads.emplace_back([&Counts, I] {
      Counts.emplace(std::to_string(I), I); // expect: mapguard-deferred-capture {{'emplace' on 'Counts', captured by reference, in a callable that a thread started in a loop runs on several threads at once}} note@-1: {{the callable is started on several threads here}}
    });
  for (std::thread &T : Threads)
    T.join();
}

void countInPool(WorkQueue &Pool, int N) {
  std::map<int, int> Counts;
  for (int I = 0; I < N; ++I)
    Pool.Run([&Counts, I] {
      Counts[I] = I; // expect: mapguard-deferred-capture {{'operator[]' on 'Counts', captured by reference, in a callable that a thread started in a loop runs on several threads at once}} note@-1: {{the callable is started on several threads here}}
    });
  Pool.WaitIdle();
}

void countInTurn(SerialQueue &Serial, int N) {
  std::map<int, int> Counts;
  for (int I = 0; I < N; ++I)
    Serial.Run([&Counts, I] { Counts[I] = I; });
  Serial.WaitIdle();
}

// Negative twins: a lock around the change; separate elements of a vector sized beforehand; a
// callable run once; reads only; a container of the callable's own.
void collectLocked(int N) {
  std::vector<int> Results;
  std::mutex Mu;
  parallelFor(N, [&](int I) {
    std::lock_guard<std::mutex> Lock(Mu);
    Results.push_back(work(I));
  });
}

void collectByIndex(int N) {
  std::vector<int> Results(N);
  parallelFor(N, [&](int I) { Results[I] = work(I); });
}

void collectOnce() {
  std::vector<int> Results;
  runOnce([&](int I) { Results.push_back(work(I)); });
  forEachInTurn(4, [&](int I) { Results.push_back(work(I)); });
}

void startAndJoinEachTime(int N) {
  std::map<int, int> Counts;
  for (int I = 0; I < N; ++I) {
    std::thread T([&Counts, I] { Counts[I] = I; });
    T.join();
  }
}

int sumShared(int N) {
  std::vector<int> Inputs(N, 1);
  int Total = 0;
  std::mutex Mu;
  parallelFor(N, [&](int I) {
    int V = Inputs[I] + static_cast<int>(Inputs.size());
    std::lock_guard<std::mutex> Lock(Mu);
    Total += V;
  });
  return Total;
}

void ownContainer(int N) {
  parallelFor(N, [](int I) {
    std::vector<int> Mine;
    Mine.push_back(work(I));
  });
}
