// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// A project's own executors and callback setters need no names: mapguard reads their bodies. A
// function whose parameter (or a copy, a std::move of it, a std::function or a lambda made from it)
// reaches a thread, an executor, or a member where it is kept for later defers that argument - a
// few calls deep, through templates. One that runs it in place, or waits before it returns,
// does not. Each hazard has a negative twin.
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

// A work queue: the task is kept in a member until a worker runs it.
class WorkQueue {
public:
  template <typename Task> void queueWork(Task &&Work) {
    std::lock_guard<std::mutex> Lock(QueueMu);
    Tasks.emplace_back(std::forward<Task>(Work));
  }

private:
  std::mutex QueueMu;
  std::deque<std::function<void()>> Tasks;
};

// Two calls deep: a helper that hands the callable to the queue.
template <typename Fn> void later(WorkQueue &Queue, Fn Callback) { Queue.queueWork(std::move(Callback)); }

// A thread per call.
template <typename Fn> void spawnDetached(Fn Callback) {
  std::thread Worker(std::move(Callback));
  Worker.detach();
}

// A lambda that carries the callable on to a detached thread.
template <typename Fn> void spawnWrapped(Fn Callback) {
  std::thread([Callback] { Callback(); }).detach();
}

// A setter whose name no list knows: it stores the callback.
class Connection {
public:
  void setFinishCallBack(std::function<void()> Callback) { Finish = std::move(Callback); }

private:
  std::function<void()> Finish;
};

// Negative twins: runs the callable in place; waits for the thread it starts.
template <typename Fn> void runNow(Fn Callback) { Callback(); }
template <typename Fn> void runAndWait(Fn Callback) {
  auto Done = std::async(std::launch::async, Callback);
  Done.get();
}

class Registry {
public:
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Entries[Id] = Id;
  }
  void refresh(WorkQueue &Queue) {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.queueWork([this] { std::lock_guard<std::mutex> lock(Mu); Entries.erase(0); }); // expect: mapguard-deferred-capture {{'erase' on 'Entries' in a callback that runs later, after the lock on 'Mu' held where it is scheduled is released}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here}} note@-4: {{'Entries' is accessed with 'Mu' held here}}
  }
  void refreshLater(WorkQueue &Queue) {
    later(Queue, [this] { std::lock_guard<std::mutex> lock(Mu); Entries.clear(); }); // expect: mapguard-deferred-capture {{'clear' on 'Entries' in a callback that runs later, without holding 'Mu'}} note: {{the callback is handed over here}} note@-7: {{'Entries' is accessed with 'Mu' held here}}
  }
  void refreshNow() {
    std::lock_guard<std::mutex> Lock(Mu);
    runNow([this] { Entries.erase(1); });
    runAndWait([this] { Entries.erase(2); });
  }

private:
  std::mutex Mu;
  std::map<int, int> Entries;
};

void localOutlived(Connection &Conn) {
  std::map<int, int> Pending;
  Conn.setFinishCallBack([&Pending] { Pending.clear(); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed (it is posted, scheduled or registered}} note: {{handed over here}} note@-1: {{'Pending' is declared here}}
  spawnDetached([Pending = std::move(Pending)]() mutable { Pending.erase(1); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed}} note: {{handed over here}} note@-2: {{'Pending' is declared here}}
}

void localNotWritten() {
  std::map<int, int> Pending;
  spawnWrapped([Pending = std::move(Pending)] { auto N = Pending.size(); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed}} note: {{handed over here}} note@-1: {{'Pending' is declared here}}
}

void localInPlace() {
  std::map<int, int> Pending;
  runNow([&Pending] { Pending.clear(); });
  runAndWait([&Pending] { Pending.erase(1); });
}
