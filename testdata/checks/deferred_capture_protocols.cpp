// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-deferred-capture
// CHECK-OPTIONS: Rules: all
// mapguard-deferred-capture on protocols that make a callback safe (issue 25, classes 11 and 7).
// A callback that captures a local container by reference and also a completion signal (a flag,
// a latch, a promise) is waited for when the scheduling function waits on that signal before the
// container's scope ends: `done.wait()`, or a call given the signal that waits (read from its
// body) or whose body this unit cannot see. The positive twins never wait, or pass the signal to a
// function whose body shows it does not wait. The single-writer idiom of event loops: a callback
// that writes a container under its guard and reads it without (the loop's thread owns it and
// locks only its writes, for readers on other threads); its twin only reads.
#include <atomic>
#include <thread>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <vector>

namespace rt {
void post(std::function<void()> Task); // defined in the runtime's own unit
} // namespace rt

void waitFor(std::atomic<bool> &Flag);             // defined in another unit
inline void spinUntil(std::atomic<bool> &Flag) {   // visible: it waits
  while (!Flag.load())
    ;
}
inline void reset(std::atomic<bool> &Flag) { Flag = false; } // visible: it does not wait

int collect() {
  std::map<int, int> Results;
  std::atomic<bool> Finished{false};
  rt::post([&Results, &Finished] {
    Results[1] = 2;
    Finished = true;
  });
  waitFor(Finished);
  return Results[1];
}

int collectSpinning() {
  std::map<int, int> Results;
  std::atomic<bool> Finished{false};
  rt::post([&Results, &Finished] {
    Results[1] = 2;
    Finished = true;
  });
  spinUntil(Finished);
  return Results[1];
}

int collectWithPromise() {
  std::map<int, int> Results;
  std::promise<void> Done;
  std::future<void> Ready = Done.get_future();
  rt::post([&Results, &Done] {
    Results[1] = 2;
    Done.set_value();
  });
  Ready.wait();
  return Results[1];
}

// Handles kept in a local container, all waited for in a loop before the scope ends.
int collectFutures(int N) {
  std::vector<int> Results(N);
  std::vector<std::future<void>> Futures;
  for (int I = 0; I < N; ++I)
    Futures.push_back(std::async(std::launch::async, [&Results, I] { Results[I] = I; }));
  for (auto &F : Futures)
    F.get();
  return Results[0];
}

// Threads kept in a local vector and joined in a loop; each changes its own element, and the
// creator only stores atomically into elements while they run.
void stealAll(int M) {
  std::vector<std::thread> Threads;
  std::vector<std::vector<int>> Stolen(M);
  std::vector<std::atomic<bool>> Busy(M);
  for (int I = 0; I < M; ++I)
    Threads.emplace_back([&, I] {
      Stolen[I].push_back(I);
      Busy[I].store(false);
    });
  for (int I = 0; I < M; ++I)
    Busy[I].store(true);
  for (auto &T : Threads)
    T.join();
}

// A callable registered with a local object declared just before the container: when the
// container dies only that object's destructor runs, and it calls no stored callable.
class Sorter {
public:
  void setOnSort(std::function<void(int)> Callback) { OnSort = std::move(Callback); }
  void sort(int Value) { OnSort(Value); }

private:
  std::function<void(int)> OnSort;
};

int sortAll() {
  Sorter S;
  std::map<int, int> Sorted;
  S.setOnSort([&Sorted](int Value) { Sorted[Value] = Value; });
  S.sort(1);
  return Sorted[1];
}

// Twin: the object outlives the container's scope and is used after it.
void sortLater(Sorter &Keep) {
  Sorter S;
  {
    std::map<int, int> Sorted;
    S.setOnSort([&Sorted](int Value) { Sorted[Value] = Value; }); // expect: mapguard-deferred-capture {{'Sorted' is captured by reference into a callback that may run after 'Sorted' is destroyed}} note: {{the callback is handed over here}} note@-1: {{'Sorted' is declared here}}
  }
  S.sort(2);
}

// Positive twin: the signal is handed to a function that does not wait.
int collectUnwaited() {
  std::map<int, int> Results;
  std::atomic<bool> Finished{false};
  rt::post([&Results, &Finished] { // expect: mapguard-deferred-capture {{'Results' is captured by reference into a callback that may run after 'Results' is destroyed}} note: {{the callback is handed over here}} note@-2: {{'Results' is declared here}}
    Results[1] = 2;
    Finished = true;
  });
  reset(Finished);
  return 0;
}

// Positive twin: no signal at all.
void countLater() {
  std::map<int, int> Counts;
  rt::post([&Counts] { Counts[1]++; }); // expect: mapguard-deferred-capture {{'Counts' is captured by reference into a callback that may run after 'Counts' is destroyed}} note: {{the callback is handed over here}} note@-1: {{'Counts' is declared here}}
}

class Peers {
public:
  void onConnected(int Id) {
    rt::post([this, Id] {
      auto It = Known.find(Id);
      if (It == Known.end()) {
        std::lock_guard<std::mutex> Lock(Mu);
        Known[Id] = 1;
      }
    });
  }
  int lookup(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Known.find(Id);
    return It == Known.end() ? 0 : It->second;
  }
  // Twin: a callback that only reads may run while another thread writes.
  void report(int Id) {
    rt::post([this, Id] { Seen = Known.count(Id); }); // expect: mapguard-deferred-capture {{'count' on 'Known' in a callback that runs later, without holding 'Mu', which guards 'Known' (held at 3 of 6 accesses); lock 'Mu' inside the callback}} note: {{the callback is handed over here}} note@-11: {{'Known' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::map<int, int> Known;
  int Seen = 0;
};

// A local of main()'s own block lives until the program ends.
int main() {
  std::map<int, int> Config;
  rt::post([&Config] { Config[1] = 1; });
  return 0;
}
