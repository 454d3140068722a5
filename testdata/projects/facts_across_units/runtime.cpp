// RUN-ARGS: -std=c++17 -Wno-unused -pthread
#include "runtime.h"

#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace rt {
namespace {
std::mutex QueueMutex;
std::deque<std::function<void()>> Queue; // the runtime's thread runs these
int LastCode = 0;
} // namespace

void parallelFor(int N, const std::function<void(int)> &Body) {
  std::vector<std::thread> Workers;
  for (int I = 0; I < N; ++I)
    Workers.emplace_back(Body, I);
  for (std::thread &W : Workers)
    W.join();
}

void forEachInTurn(int N, const std::function<void(int)> &Body) {
  for (int I = 0; I < N; ++I) {
    std::thread T(Body, I);
    T.join();
  }
}

void later(std::function<void()> Task) {
  std::lock_guard<std::mutex> Lock(QueueMutex);
  Queue.push_back(std::move(Task));
}

void now(std::function<void()> Task) { Task(); }

void audit(int Code) {
  if (Code < 0)
    throw std::runtime_error("bad code");
  LastCode = Code;
}

void note(int Code) { LastCode = Code; }

Pool::Pool(int Threads) {
  for (int I = 0; I < Threads; ++I)
    Workers.emplace_back([this] { drain(); });
}

void Pool::Run(std::function<void()> Task) {
  std::lock_guard<std::mutex> Lock(Mu);
  Tasks.push_back(std::move(Task));
}

void Pool::WaitIdle() {
  for (std::thread &W : Workers)
    W.join();
}

void Pool::drain() {
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
} // namespace rt
