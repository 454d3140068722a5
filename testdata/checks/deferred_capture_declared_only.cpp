// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// Executors defined in another translation unit: only their declarations are visible here, so
// their names are all there is to read. A free or static function whose name matches
// ExecutorMethods (`post`, `schedule`, `enqueue`, ...) and that takes a callable it can keep (a
// std::function by value or `&&`, a template parameter, a function pointer) runs it later, as a
// member of that name does; one taking `const std::function<...> &` runs it within the call. A function whose
// body is visible is read from its body instead, whatever its name.
#include <functional>
#include <map>
#include <mutex>

namespace rt {
void post(std::function<void()> Task);                // defined in the runtime's own unit
void schedule(int DelayMs, std::function<void()> Task);
void forEachPending(const std::function<void(int)> &Visit); // runs Visit before it returns
void dispatch(const std::function<void()> &Handler);        // by `const &`: runs it in the call
void post(int Priority);                                    // takes no callable
} // namespace rt

class EventLoop {
public:
  static void enqueue(void (*Task)(void *), void *Context);
  static void enqueue(std::function<void()> Task);
};

// Visible bodies decide, whatever the name: this one runs the task in place.
inline void execute(const std::function<void()> &Task) { Task(); }

class Sessions {
public:
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Live[Id] = 1;
  }
  void closeLater(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    rt::post([this, Id] { Live.erase(Id); }); // expect: mapguard-deferred-capture {{'erase' on 'Live' in a callback that runs later, after the lock on 'Mu' held where it is scheduled is released}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here}} note@-4: {{'Live' is accessed with 'Mu' held here}}
  }
  void expireLater() {
    EventLoop::enqueue([this] { Live.clear(); }); // expect: mapguard-deferred-capture {{'clear' on 'Live' in a callback that runs later, without holding 'Mu'}} note: {{the callback is handed over here}} note@-7: {{'Live' is accessed with 'Mu' held here}}
  }
  void closeNow(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    execute([this, Id] { Live.erase(Id); });
    rt::forEachPending([this](int Pending) { Live.erase(Pending); });
    rt::dispatch([this, Id] { Live.erase(Id); });
  }

private:
  std::mutex Mu;
  std::map<int, int> Live;
};

void countLater() {
  std::map<int, int> Counts;
  rt::schedule(10, [&Counts] { Counts[1]++; }); // expect: mapguard-deferred-capture {{'Counts' is captured by reference into a callback that may run after 'Counts' is destroyed}} note: {{handed over here}} note@-1: {{'Counts' is declared here}}
}

void countNow() {
  std::map<int, int> Counts;
  execute([&Counts] { Counts[1]++; });
  rt::forEachPending([&Counts](int Id) { Counts[Id]++; });
  rt::dispatch([&Counts] { Counts[2]++; });
  rt::post(1);
}
