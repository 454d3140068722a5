// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-escaping-reference
// mapguard-escaping-reference: a reference, pointer or iterator into a guarded map captured by a
// callable that a thread, an executor or a timer runs after the guard is released. Each positive
// has a negative twin below it.
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include "absl/synchronization/mutex.h"

struct Session {
  std::string Name;
  int Hits = 0;
};
void send(const std::string &Text);

// A project's executor: post() queues the task for a worker thread (a deferring member by name).
class Executor {
public:
  void post(std::function<void()> Task);
};

class Sessions {
public:
  // The element reference is captured by reference: the task reads it after 'Mu' is released.
  void greet(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    const Session &S = Items.at(Id);
    Pool.post([&S] { send(S.Name); }); // expect: mapguard-escaping-reference {{'S' refers to an element of 'Items' and is captured by a callable that runs later, after 'Mu' is released; another thread may change or erase it meanwhile: capture a copy of what the callable needs, or the key to look it up again under 'Mu'}} note@-1: {{'S' is bound here, with 'Mu' held}} note: {{the callable is handed over here}} note@+43: {{'erase' on 'Items' here can invalidate it}}
  }
  // Twin: the name is copied into the callable under the lock.
  void greetCopy(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    const Session &S = Items.at(Id);
    Pool.post([Name = S.Name] { send(Name); });
  }
  // Twin: a reference variable captured by copy copies the element.
  void greetByValue(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    const Session &S = Items.at(Id);
    Pool.post([S] { send(S.Name); });
  }
  // An iterator copied into the callable still points into the map.
  void bump(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Items.find(Id);
    if (It == Items.end())
      return;
    std::thread([It] { It->second.Hits++; }).detach(); // expect: mapguard-escaping-reference {{'It' is an iterator into 'Items' and is captured by a callable that runs on another thread, after 'Mu' is released}} note@-3: {{'It' is bound here}} note: {{the callable is handed over here}} note@+23: {{'erase' on 'Items'}}
  }
  // Twin: the key is captured, and the task looks it up again under the lock.
  void bumpByKey(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    if (Items.find(Id) == Items.end())
      return;
    Pool.post([this, Id] {
      std::lock_guard<std::mutex> Inner(Mu);
      auto It = Items.find(Id);
      if (It != Items.end())
        It->second.Hits++;
    });
  }
  // Twin: the thread is joined while the guard is still held.
  void bumpAndWait(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Items.find(Id);
    std::thread Worker([It] { It->second.Hits++; });
    Worker.join();
  }
  void remove(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.erase(Id);
  }

private:
  std::mutex Mu;
  std::map<int, Session> Items;
  Executor Pool;
};

// abseil's Mutex: a pointer into an element of a std::unordered_map, captured by std::async.
class Names {
public:
  std::future<size_t> lengthLater(int Id) {
    absl::MutexLock Lock(&Mu);
    const std::string *P = &Items[Id];
    return std::async(std::launch::async, [P] { return P->size(); }); // expect: mapguard-escaping-reference {{'P' points into an element of 'Items' and is captured by a callable that runs on another thread, after 'Mu' is released}} note@-1: {{'P' is bound here}} note: {{the callable is handed over here}} note@+10: {{'operator[]' on 'Items' here can overwrite it}}
  }
  // Twin: the length is computed under the lock.
  size_t lengthNow(int Id) {
    absl::MutexLock Lock(&Mu);
    const std::string *P = &Items[Id];
    return P->size();
  }
  void rename(int Id, std::string Name) {
    absl::MutexLock Lock(&Mu);
    Items[Id] = std::move(Name);
  }

private:
  absl::Mutex Mu;
  std::unordered_map<int, std::string> Items;
};
