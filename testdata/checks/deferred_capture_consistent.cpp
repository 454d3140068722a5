// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-deferred-capture
// mapguard-deferred-capture, rule callback-consistent-guard (on by default): in a callable handed
// to a thread, an executor or a timer, a change of a container - or a read where the callable
// holds the guard at its other accesses (a lock one statement too late) - without the mutex that
// every access in the other functions holds, one of which takes it and one of which changes the
// container under it. Default rules only: each negative twin is a finding of
// callback-without-guard (off by default) or no finding at all.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

// A timer's task: the thread that runs it is not the one that scheduled it.
class Timers {
public:
  void after(int Ms, std::function<void()> Task) {
    std::thread([Ms, Task = std::move(Task)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(Ms));
      Task();
    }).detach();
  }
};

// The guard of the delayed erase deleted (ZLToolKit's UdpServer, as a mutant).
class Sessions {
public:
  void add(int Id, std::string Peer) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers[Id] = std::move(Peer);
  }
  std::string find(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Peers.find(Id);
    return It == Peers.end() ? std::string() : It->second;
  }
  void closeLater(int Id) {
    Clock.after(100, [this, Id] {
      Peers.erase(Id); // expect: mapguard-deferred-capture {{'erase' on 'Peers' in a callback that runs on another thread, without holding 'Mu', which guards 'Peers' (held at every access in the other functions, 3 of 4 accesses); lock 'Mu' inside the callback}} note@-1: {{the callback is handed over here}} note@-9: {{'Peers' is accessed with 'Mu' held here}}
    });
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Peers;
  Timers Clock;
};

// A read before the callback's lock: the callback locks its other accesses.
class Resolver {
public:
  void resolve(const std::string &Host) {
    Clock.after(0, [this, Host] {
      auto It = Cache.find(Host); // expect: mapguard-deferred-capture {{'find' on 'Cache' in a callback that runs on another thread, without holding 'Mu', which guards 'Cache' (held at every access in the other functions}} note@-1: {{the callback is handed over here}} note@+2: {{'Cache' is accessed with 'Mu' held here}}
      std::lock_guard<std::mutex> Lock(Mu);
      if (It != Cache.end())
        return;
      Cache[Host] = 1;
    });
  }
  void forget(const std::string &Host) {
    std::lock_guard<std::mutex> Lock(Mu);
    Cache.erase(Host);
  }
  bool known(const std::string &Host) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Cache.count(Host) != 0;
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Cache;
  Timers Clock;
};

// Negative twin: the callback locks.
class SessionsLocked {
public:
  void add(int Id, std::string Peer) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers[Id] = std::move(Peer);
  }
  void closeLater(int Id) {
    Clock.after(100, [this, Id] {
      std::lock_guard<std::mutex> Lock(Mu);
      Peers.erase(Id);
    });
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Peers;
  Timers Clock;
};

// Negative twin: a read in a callback that takes no lock at all (callback-without-guard, off).
class Reporter {
public:
  void add(int Id, std::string Peer) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers[Id] = std::move(Peer);
  }
  void drop(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers.erase(Id);
  }
  void reportLater() {
    Clock.after(1000, [this] {
      for (const auto &Entry : Peers)
        (void)Entry;
    });
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Peers;
  Timers Clock;
};

// Negative twin: another function changes the map without the lock too; no protocol to break.
class Loose {
public:
  void add(int Id, std::string Peer) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers[Id] = std::move(Peer);
  }
  void reset() { Peers.clear(); }
  void closeLater(int Id) {
    Clock.after(100, [this, Id] { Peers.erase(Id); });
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Peers;
  Timers Clock;
};

// Negative twin: the worker thread owns its queue. It moves the backlog in under the lock in a
// private helper only it calls, then walks and trims the queue without the lock (oatpp's
// TimerWorker): the helper runs on the same thread, so no other function takes part.
class TimerWorker {
public:
  TimerWorker() { Thread = std::thread(&TimerWorker::run, this); }
  ~TimerWorker() {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Running = false;
    }
    Thread.join();
  }
  void push(int Task) {
    std::lock_guard<std::mutex> Lock(Mu);
    Backlog[Task] = Task;
  }

private:
  void consumeBacklog() {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.insert(Backlog.begin(), Backlog.end());
    Backlog.clear();
    Pending = Queue.size();
  }
  void run() {
    while (Running) {
      consumeBacklog();
      if (Pending)
        Queue.erase(Queue.begin());
    }
  }

  std::mutex Mu;
  bool Running = true;
  size_t Pending = 0;
  std::map<int, int> Backlog;
  std::map<int, int> Queue;
  std::thread Thread;
};

// A thread made by std::make_shared<std::thread> (or make_unique) starts as std::thread does.
class Pump {
public:
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.push_back(Id);
  }
  int first() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Pending.empty() ? 0 : Pending.front();
  }
  void start() {
    Worker = std::make_shared<std::thread>([this] {
      Pending.clear(); // expect: mapguard-deferred-capture {{'clear' on 'Pending' in a callback that runs on another thread, without holding 'Mu', which guards 'Pending' (held at every access in the other functions}} note@-1: {{the callback is handed over here}} note@-8: {{'Pending' is accessed with 'Mu' held here}}
    });
  }

private:
  std::mutex Mu;
  std::deque<int> Pending;
  std::shared_ptr<std::thread> Worker;
};

// Negative twin: the thread's body takes the lock.
class PumpLocked {
public:
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.push_back(Id);
  }
  int first() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Pending.empty() ? 0 : Pending.front();
  }
  void start() {
    Worker = std::make_unique<std::thread>([this] {
      std::lock_guard<std::mutex> Lock(Mu);
      Pending.clear();
    });
  }

private:
  std::mutex Mu;
  std::deque<int> Pending;
  std::unique_ptr<std::thread> Worker;
};

// The callback is the only writer; the other functions read under the lock (muduo's chat server
// with its connection callback's guard deleted): the change runs on the callback's thread while
// the locked readers may run, so no other writer is needed to make it the exception.
class Roster {
public:
  void onConnect(int Id) {
    Clock.after(0, [this, Id] {
      Members.insert(Id); // expect: mapguard-deferred-capture {{'insert' on 'Members' in a callback that runs on another thread, without holding 'Mu', which guards 'Members' (held at every access in the other functions, 3 of 4 accesses); lock 'Mu' inside the callback}} note@-1: {{the callback is handed over here}} note@+5: {{'Members' is accessed with 'Mu' held here}}
    });
  }
  bool present(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Members.count(Id) != 0;
  }
  size_t count() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Members.size() + Members.count(0);
  }

private:
  std::mutex Mu;
  std::set<int> Members;
  Timers Clock;
};

// Negative twin: the only writer is the function's own code, not a callback (a set-up phase may
// fill the set before any reader runs): breaks-consistent-guard needs another writer.
class StaticRoster {
public:
  void load(int Id) { Members.insert(Id); }
  bool present(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Members.count(Id) != 0;
  }

private:
  std::mutex Mu;
  std::set<int> Members;
};
