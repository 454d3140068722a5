// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-deferred-capture
// mapguard-deferred-capture: a callback that captures a local container by reference and also a
// completion signal (a flag, a latch, a promise) is waited for when the scheduling function waits
// on that signal before the container's scope ends: `done.wait()`, or a call given the signal
// that waits (read from its body) or whose body this unit cannot see (issue 25, class 11). The
// positive twins never wait, or pass the signal to a function whose body shows it does not wait.
#include <atomic>
#include <functional>
#include <future>
#include <map>

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
