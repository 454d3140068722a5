// The project's runtime, defined in runtime.cpp: the other units see only these declarations, and
// no name here is one mapguard knows (ExecutorMethods, RegistrationMethods). What each function
// does is read from its body there, in the first look, and reaches the other units through the
// project index.
#pragma once
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rt {
void parallelFor(int N, const std::function<void(int)> &Body);   // one thread per index, then waits
void forEachInTurn(int N, const std::function<void(int)> &Body); // one thread at a time
void later(std::function<void()> Task);                          // queued for the runtime's thread
void now(std::function<void()> Task);                            // run before it returns
void audit(int Code);                                            // throws on a bad code
void note(int Code);                                             // only records it

// A thread pool: the constructor starts the workers, which run the queued tasks.
class Pool {
public:
  explicit Pool(int Threads);
  void Run(std::function<void()> Task);
  void WaitIdle();

private:
  void drain();
  std::mutex Mu;
  std::deque<std::function<void()>> Tasks;
  std::vector<std::thread> Workers;
};
} // namespace rt
