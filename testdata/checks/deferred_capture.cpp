// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-deferred-capture: maps used by callables that run later or on another thread -
// std::thread, std::jthread, std::async, a user thread pool, registered callbacks. Each hazard has
// a negative twin below it.
#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// A user thread pool: post() and submit() are executor methods by name.
class ThreadPool {
public:
  void post(std::function<void()> Task);
  std::future<void> submit(std::function<void()> Task);
};

// 1. A guarded member used in a callback that does not take the guard.
class SessionStore {
public:
  void add(int Id, std::string Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions[Id] = std::move(Name);
  }
  bool has(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Sessions.count(Id) != 0;
  }
  // The lock held where the callback is scheduled is gone when it runs.
  void expireLater(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pool.post([this, Id] { Sessions.erase(Id); }); // expect: mapguard-deferred-capture {{'erase' on 'Sessions' in a callback that runs later, after the lock on 'Mu' held where it is scheduled is released; 'Mu' guards 'Sessions' (held at 6 of 11 accesses): lock 'Mu' inside the callback}} note: {{the callback is handed over here}} note@-1: {{'Mu' is locked here, and released before the callback runs}} note@-9: {{'Sessions' is accessed with 'Mu' held here}}
  }
  // Not reported: the callback takes the guard itself.
  void expireLaterLocked(int Id) {
    Pool.post([this, Id] {
      std::lock_guard<std::mutex> Lock(Mu);
      Sessions.erase(Id);
    });
  }
  // A member function handed over with std::bind.
  void onTimer() { Sessions.clear(); } // expect: mapguard-deferred-capture {{'clear' on 'Sessions' in a callback that runs later, without holding 'Mu', which guards 'Sessions' (held at 6 of 11 accesses); lock 'Mu' inside the callback}} note@+1: {{the callback is handed over here}} note@-19: {{'Sessions' is accessed with 'Mu' held here}}
  void startTimer() { Pool.post(std::bind(&SessionStore::onTimer, this)); }
  // A lambda kept in a variable, handed over later.
  void stored(int Id) {
    auto Task = [this, Id] { Sessions.erase(Id); }; // expect: mapguard-deferred-capture {{'erase' on 'Sessions' in a callback that runs later, without holding 'Mu'}} note@+1: {{the callback is handed over here}} note@-23: {{'Sessions' is accessed with 'Mu' held here}}
    Pool.post(Task);
  }
  // Not reported: a lambda called in place runs under the lock.
  void sync(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto Erase = [this, Id] { Sessions.erase(Id); };
    Erase();
  }
  // Callback registration: stored into a std::function member, called back later.
  void watchClose() {
    OnClose = [this] { Sessions.clear(); }; // expect: mapguard-deferred-capture {{'clear' on 'Sessions' in a callback that runs later, without holding 'Mu'}} note: {{the callback is handed over here}} note@-34: {{'Sessions' is accessed with 'Mu' held here}}
  }
  // A reader on a new thread: the fix takes the guard at the start of the lambda.
  void report() {
    std::thread([this] { auto N = Sessions.count(1); }).detach(); // expect: mapguard-deferred-capture {{'count' on 'Sessions' in a callback that runs on another thread, without holding 'Mu'}} note: {{the callback is handed over here}} note@-38: {{'Sessions' is accessed with 'Mu' held here}}
  }
  // Not reported: a synchronous algorithm's callable.
  int count(int Min) {
    std::lock_guard<std::mutex> Lock(Mu);
    int N = 0;
    std::for_each(Sessions.begin(), Sessions.end(), [&](const auto &Entry) { N += Entry.first >= Min; });
    return N;
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Sessions;
  ThreadPool Pool;
  std::function<void()> OnClose;
};

// Registration through a setter named like websocketpp's set_open_handler.
class Server {
public:
  void set_open_handler(std::function<void(int)> Handler);
};
class Broadcaster {
public:
  explicit Broadcaster(Server &S) {
    S.set_open_handler(std::bind(&Broadcaster::onOpen, this, std::placeholders::_1));
  }
  void onOpen(int Id) { Connections.insert(Id); } // expect: mapguard-deferred-capture {{'insert' on 'Connections' in a callback that runs later, without holding 'Mu', which guards 'Connections' (held at every access in the other functions, 2 of 3 accesses)}} note@-2: {{the callback is handed over here}} note@+3: {{'Connections' is accessed with 'Mu' held here}}
  void process() {
    std::lock_guard<std::mutex> Lock(Mu);
    Connections.erase(1);
  }
  size_t count() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Connections.size();
  }

private:
  std::mutex Mu;
  std::set<int> Connections;
};

// 2. A member with no mutex, written by a thread while the starting function still uses it.
class Indexer {
public:
  void rebuild() {
    std::thread Worker([this] { Index.clear(); }); // expect: mapguard-deferred-capture {{'clear' on 'Index' in a callback that runs on another thread with no mutex held, while 'Index' is also used by other code at the same time}} note: {{the thread is started here}} note@+1: {{'Index' is also accessed here}}
    Index.insert(1);
    Worker.join();
  }
  // Not reported: joined before the next access.
  void rebuildJoined() {
    std::thread Worker([this] { Index.clear(); });
    Worker.join();
    Index.insert(1);
  }

private:
  std::set<int> Index;
};

// Globals with no mutex: the thread's writes race with the other code.
std::map<int, int> Seen;
void record() {
  std::thread Worker([] { Seen.erase(1); }); // expect: mapguard-deferred-capture {{'erase' on 'Seen' in a callback that runs on another thread with no mutex held, while 'Seen' is also used by other code}} note: {{the thread is started here}} note@+1: {{'Seen' is also accessed here}}
  Seen[2] = 2;
  Worker.join();
}
std::map<int, int> Hits;
void countHits() {
  std::vector<std::thread> Workers;
  for (int I = 0; I < 4; ++I)
    Workers.emplace_back([I] { Hits[I] = I; }); // expect: mapguard-deferred-capture {{'operator[]' on 'Hits' in a callback that runs on another thread with no mutex held, while 'Hits' is written by every thread this loop starts}} note: {{the thread is started here}}
  for (auto &T : Workers)
    T.join();
}

// 3. Local maps given by reference to a callable that may outlive them.
void detached() {
  std::map<int, int> Pending;
  Pending[1] = 2;
  std::thread([&Pending] { Pending.erase(1); }).detach(); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed (the thread is detached); capture it by move}} note: {{the callback is handed over here}} note: {{the thread is detached here}} note@-2: {{'Pending' is declared here}}
}
void posted(ThreadPool &Pool) {
  std::map<int, int> Pending;
  Pool.post([&] { Pending.clear(); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed (it is posted, scheduled or registered and may run after this scope ends); capture it by move}} note: {{the callback is handed over here}} note@-1: {{'Pending' is declared here}}
}
// Used again after the hand-over: no fix, shared ownership suggested.
void postedThenUsed(ThreadPool &Pool) {
  std::map<int, int> Pending;
  Pool.post([&Pending] { Pending.clear(); }); // expect: mapguard-deferred-capture {{may run after 'Pending' is destroyed (it is posted, scheduled or registered and may run after this scope ends); keep it alive with shared ownership (std::shared_ptr) or wait for the callback before the scope ends}} note: {{the callback is handed over here}} note@-1: {{'Pending' is declared here}}
  Pending[1] = 1;
}
// A lambda kept in a variable captures by reference where it is created: a use before the
// hand-over would see a moved-from map, so no fix.
void storedThenPosted(ThreadPool &Pool) {
  std::map<int, int> Pending;
  auto Task = [&Pending] { Pending.clear(); }; // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed (it is posted, scheduled or registered and may run after this scope ends); keep it alive}} note@+2: {{the callback is handed over here}} note@-1: {{'Pending' is declared here}}
  Pending[1] = 1;
  Pool.post(Task);
}
void referenceArgument() {
  std::map<int, int> Pending;
  std::thread T([](std::map<int, int> &M) { M.clear(); }, std::ref(Pending)); // expect: mapguard-deferred-capture {{'Pending' is passed by reference into a callback that may run after 'Pending' is destroyed (the thread is detached); keep it alive}} note: {{the callback is handed over here}} note@+1: {{the thread is detached here}} note@-1: {{'Pending' is declared here}}
  T.detach();
}
// A thread joined on one path only.
void joinedSometimes(bool Wait) {
  std::map<int, int> Pending;
  std::thread T([&Pending] { Pending.clear(); }); // expect: mapguard-deferred-capture {{'Pending' is captured by reference into a callback that may run after 'Pending' is destroyed (the thread is detached); capture it by move}} note: {{the callback is handed over here}} note@+4: {{the thread is detached here}} note@-1: {{'Pending' is declared here}}
  if (Wait)
    T.join();
  else
    T.detach();
}
// Not reported: joined, a jthread destroyed first, a future waited, a by-value or by-move capture.
void joined() {
  std::map<int, int> Pending;
  std::thread T([&Pending] { Pending.erase(1); });
  T.join();
  Pending[2] = 3;
}
void jthreadJoins() {
  std::map<int, int> Pending;
  std::jthread T([&Pending] { Pending.erase(1); });
}
void futureWaited(ThreadPool &Pool) {
  std::map<int, int> Totals;
  auto Done = std::async(std::launch::async, [&Totals] { Totals[1] = 1; });
  Done.get();
  Totals[2] = 2;
}
void byValue(ThreadPool &Pool) {
  std::map<int, int> Pending;
  Pool.post([Pending] { auto N = Pending.size(); });
  Pool.post([Pending = std::move(Pending)]() mutable { Pending.clear(); });
}
void deferredLaunch() {
  std::map<int, int> Pending;
  auto Later = std::async(std::launch::deferred, [&Pending] { Pending.clear(); });
  Pending[1] = 1;
  Later.get();
}

// 2. A local shared with std::async and written again before get().
void raced() {
  std::map<int, int> Counts;
  auto F = std::async(std::launch::async, [&] { Counts[1]++; }); // expect: mapguard-deferred-capture {{'Counts' is used in a callback that runs on another thread while this function still uses it, with no mutex; wait for the thread (join, get) before using 'Counts' again, or guard it with a mutex}} note: {{the thread is started here}} note@+1: {{'Counts' is used here before the thread is waited for}}
  Counts[2]++;
  F.get();
}
