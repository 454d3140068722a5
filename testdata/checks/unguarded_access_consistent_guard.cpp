// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// CHECKS: -*,mapguard-unguarded-access
// mapguard-unguarded-access, rule breaks-consistent-guard (off by default since its first runs on coost and log4cplus; enabled here): a change of a
// container without the mutex that every access in the other functions holds, one of which takes
// it itself - the shape a deleted or late guard leaves in code that otherwise keeps its protocol.
// Default rules only: each negative twin below is a finding of inferred-guard (off by default) or
// no finding at all.
#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A guard deleted from one writer: the two other functions lock.
class SessionMap {
public:
  void add(const std::string &Tag, int Session) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions[Tag] = Session;
  }
  bool del(const std::string &Tag) {
    return Sessions.erase(Tag) != 0; // expect: mapguard-unguarded-access {{'erase' on 'Sessions' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses); lock 'Mu' here}} note@-3: {{'Sessions' is accessed with 'Mu' held here}}
  }
  int get(const std::string &Tag) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Sessions.find(Tag);
    return It == Sessions.end() ? 0 : It->second;
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Sessions;
};

// A guard moved below the access it protected (no fix: the function takes the lock itself).
class LogWriter {
public:
  void write(std::string Line) {
    Pending.push_back(std::move(Line)); // expect: mapguard-unguarded-access {{'push_back' on 'Pending' without holding 'Mu', which guards it at every access in the other functions}} note@+8: {{'Pending' is accessed with 'Mu' held here}}
    std::lock_guard<std::mutex> Lock(Mu);
    ++Written;
  }
  std::deque<std::string> takeAll() {
    std::deque<std::string> Taken;
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Taken.swap(Pending);
    }
    return Taken;
  }

private:
  std::mutex Mu;
  std::deque<std::string> Pending;
  int Written = 0;
};

// Through a handle: the queue behind a unique_ptr, the same object at every access.
class JobQueue {
public:
  void push(int Job) {
    std::lock_guard<std::mutex> Lock(Mu);
    Jobs->push_back(Job);
  }
  void drop() {
    Jobs->clear(); // expect: mapguard-unguarded-access {{'clear' on 'Jobs' without holding 'Mu', which guards it at every access in the other functions (1 of 2 accesses)}} note@-3: {{'Jobs' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::unique_ptr<std::vector<int>> Jobs = std::make_unique<std::vector<int>>();
};

// A read made before the function takes the guard for its other accesses: the lock is one
// statement too late.
class Registry {
public:
  bool remove(int Id) {
    auto It = Entries.find(Id); // expect: mapguard-unguarded-access {{'find' on 'Entries' without holding 'Mu', which this function holds at its other accesses and which guards it at every access in the other functions}} note@+2: {{'Entries' is accessed with 'Mu' held here}}
    std::lock_guard<std::mutex> Lock(Mu);
    if (It == Entries.end())
      return false;
    Entries.erase(It);
    return true;
  }
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Entries.insert({Id, Id});
  }

private:
  std::mutex Mu;
  std::map<int, int> Entries;
};

// Negative twin: the function waits under the lock until every worker has added itself, and reads
// without it once the check under the lock said no worker will add more (libhv's HttpServer).
class Workers {
public:
  void join(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Ids.push_back(Id);
  }
  int waitAll(size_t Count) {
    while (true) {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Ids.size() >= Count && Ids.back() >= 0)
        break;
    }
    int Sum = 0;
    for (int Id : Ids)
      Sum += Id;
    return Sum;
  }

private:
  std::mutex Mu;
  std::vector<int> Ids;
};

// A private override of a public virtual function is called through the base class.
class Sink {
public:
  virtual ~Sink() = default;
  virtual void write(std::string Line) = 0;
};
class QueueSink : public Sink {
public:
  std::deque<std::string> drain() {
    std::deque<std::string> Taken;
    std::lock_guard<std::mutex> Lock(Mu);
    Taken.swap(Lines);
    return Taken;
  }

private:
  void write(std::string Line) override {
    Lines.push_back(std::move(Line)); // expect: mapguard-unguarded-access {{'push_back' on 'Lines' without holding 'Mu', which guards it at every access in the other functions}} note@-6: {{'Lines' is accessed with 'Mu' held here}}
  }
  std::mutex Mu;
  std::deque<std::string> Lines;
};

// Negative twin: a second function also reads it unlocked - no protocol the whole class keeps
// (inferred-guard's, off by default).
class LooseSessionMap {
public:
  void add(const std::string &Tag, int Session) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions[Tag] = Session;
  }
  bool del(const std::string &Tag) { return Sessions.erase(Tag) != 0; }
  bool has(const std::string &Tag) const { return Sessions.count(Tag) != 0; }
  int get(const std::string &Tag) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Sessions[Tag];
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Sessions;
};

// Negative twin: the unlocked reads outnumber the locked access, so no guard is inferred at all
// (held at 1 of 4 accesses; one unlocked reader among locked accesses is rule
// read-breaks-consistent-guard's: unguarded_access_consistent_read.cpp); and a size-only read,
// which neither breaks nor makes the protocol.
class ReadOnlyForget {
public:
  void add(const std::string &Tag, int Session) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions[Tag] = Session;
  }
  bool has(const std::string &Tag) const { return Sessions.find(Tag) != Sessions.end(); }
  size_t size() const { return Sessions.size(); }

private:
  mutable std::mutex Mu;
  std::map<std::string, int> Sessions;
};

// Negative twin: a table filled unlocked by a set-up function and only read, locked, afterwards -
// no writer runs at the same time as the fill (inferred-guard's, off by default).
class RouteTable {
public:
  void addRoute(int Id, std::string Target) { Routes[Id] = std::move(Target); }
  std::string lookup(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Routes.find(Id);
    return It == Routes.end() ? std::string() : It->second;
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Routes;
};

// Negative twin: a private helper with no caller in this unit - its callers may hold the lock.
class HelperElsewhere {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Keys.push_back(Key);
  }

private:
  void dropAllUnlocked();
  void trim() { Keys.pop_back(); }
  std::mutex Mu;
  std::vector<int> Keys;
};

// Negative twin: the only caller of the private helper holds the lock - no access misses it.
class HelperCalledLocked {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Keys.push_back(Key);
    trim();
  }

private:
  void trim() { Keys.erase(Keys.begin()); }
  std::mutex Mu;
  std::vector<int> Keys;
};

// Negative twin: an element written through `v[i]`, not the container changed; and copy
// assignment, which initialises the object from another.
class Slots {
public:
  void grow() {
    std::lock_guard<std::mutex> Lock(Mu);
    Values.push_back(0);
  }
  void set(size_t I, int V) { Values[I] = V; }
  Slots &operator=(const Slots &Other) {
    Values = Other.Values;
    return *this;
  }

private:
  std::mutex Mu;
  std::vector<int> Values;
};

// Negative twin: the locked accesses hold the lock by the caller's annotation, and no function
// takes it itself - the protocol is a contract this unit does not show being kept.
class Contracted {
public:
  std::mutex Mu;
  void addLocked(int Key) __attribute__((requires_capability(Mu)));
  void clearAll() { Keys.clear(); }

private:
  std::vector<int> Keys;
};
void Contracted::addLocked(int Key) { Keys.push_back(Key); }

// A global table and its global mutex, changed by a free function that lost its guard.
std::mutex RoutesMu;
std::map<int, std::string> Routes;
void addRoute(int Id, std::string Name) {
  std::lock_guard<std::mutex> Lock(RoutesMu);
  Routes[Id] = std::move(Name);
}
void removeRoute(int Id) {
  Routes.erase(Id); // expect: mapguard-unguarded-access {{'erase' on 'Routes' without holding 'RoutesMu', which guards it at every access in the other functions (1 of 2 accesses)}} note@-3: {{'Routes' is accessed with 'RoutesMu' held here}}
}

// Catch handlers are analysed (Clang's CFG has no exception edges: a handler runs with the locks
// held where its try began). The cleanup in a handler misses the lock; its twin takes the lock
// before the try, and the handler holds it.
void connect(int Id);
class Connections {
public:
  void open(int Id) {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Pending.push_back(Id);
    }
    try {
      connect(Id);
    } catch (...) {
      Pending.pop_back(); // expect: mapguard-unguarded-access {{'pop_back' on 'Pending' without holding 'Mu', which guards it at every access in the other functions}} note@-4: {{'Mu' is released here}} note@-5: {{'Pending' is accessed with 'Mu' held here}}
      throw;
    }
  }
  void openLocked(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    try {
      connect(Id);
    } catch (...) {
      Failed.push_back(Id);
    }
  }
  std::vector<int> takeFailed() {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.clear();
    return std::move(Failed);
  }

private:
  std::mutex Mu;
  std::vector<int> Pending;
  std::vector<int> Failed;
};

// A call that stops threads is not after itself (ZLToolKit's UdpServer): onRead() calls a helper
// that changes the table and, on some path, shuts a peer down (a stop, by its name: the body is in
// another file); the helper's accesses run while the threads run.
struct Peer {
  void shutdown();
};
class PeerTable {
public:
  void onRead(int Id) { handleRead(Id); }
  void add(int Id, Peer *P) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers[Id] = P;
  }
  void drop(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Peers.erase(Id);
  }
  // Negative twin: after the stop on every path, the table is the stopping thread's alone.
  void stop() {
    stopAll();
    Peers.clear();
  }

private:
  void handleRead(int Id) {
    Peers.erase(Id); // expect: mapguard-unguarded-access {{'erase' on 'Peers' without holding 'Mu', which guards it at every access in the other functions}} note@-14: {{'Peers' is accessed with 'Mu' held here}}
    if (Id < 0)
      Self.shutdown();
  }
  void stopAll() { Self.shutdown(); }

  std::mutex Mu;
  std::map<int, Peer *> Peers;
  Peer Self;
};

// A change made before its function takes the lock, where the other functions only read under it
// (oatpp's ClassId::registerClassName with the guard moved below the push_back): the change races
// with the locked readers, though no other function writes.
class ClassNames {
public:
  int registerName(const char *Name) {
    Names.push_back(Name); // expect: mapguard-unguarded-access {{'push_back' on 'Names' without holding 'Mu', which this function holds at its other accesses and which guards it at every access in the other functions}} note@+2: {{'Names' is accessed with 'Mu' held here}}
    std::lock_guard<std::mutex> Lock(Mu);
    return static_cast<int>(Names.size()) - 1;
  }
  std::vector<const char *> all() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Names;
  }

private:
  std::mutex Mu;
  std::vector<const char *> Names;
};

// A helper called while the caller holds another class's mutex still misses this one (oatpp's
// Processor::wakeCoroutine, called from CoroutineWaitList under the wait list's lock).
class Scheduler {
public:
  void sleep(int Task) {
    std::lock_guard<std::mutex> Lock(SleepMu);
    Sleeping.insert({Task, Task});
  }
  void wake(int Task) {
    Sleeping.erase(Task); // expect: mapguard-unguarded-access {{'erase' on 'Sleeping' without holding 'SleepMu', which guards it at every access in the other functions}} note@-3: {{'Sleeping' is accessed with 'SleepMu' held here}}
  }

private:
  std::mutex SleepMu;
  std::map<int, int> Sleeping;
};
class WaitList {
public:
  void notifyFirst(Scheduler &S) {
    std::lock_guard<std::mutex> Lock(ListMu);
    if (!Waiting.empty()) {
      S.wake(Waiting.front());
      Waiting.pop_front();
    }
  }

private:
  std::mutex ListMu;
  std::deque<int> Waiting;
};

// Negative twin: a caller may hold the very mutex (the same member of another object, passed in):
// the helper may run with it.
class Pool {
public:
  void put(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Free.insert({Id, Id});
  }
  void take(int Id) { Free.erase(Id); }
  void moveFrom(Pool &Other, int Id) {
    std::lock_guard<std::mutex> Lock(Other.Mu);
    Other.take(Id);
  }

private:
  std::mutex Mu;
  std::map<int, int> Free;
};

// A public function runs beside itself: the locked accesses of the helper only it calls, in
// another thread's call, race with its read before the lock (oatpp's Interface::obtainShared with
// its lock one statement late; registerInterface locks the recursive mutex again).
class InterfaceRegistry {
public:
  static int obtain(int Name) {
    auto It = Registry.find(Name); // expect: mapguard-unguarded-access {{'find' on 'Registry' without holding 'Mu', which this function holds at its other accesses and which guards it at every access in the other functions}} note@+2: {{'Registry' is accessed with 'Mu' held here}}
    std::lock_guard<std::recursive_mutex> Lock(Mu);
    if (It != Registry.end())
      return It->second;
    registerName(Name);
    return Name;
  }

private:
  static void registerName(int Name) {
    std::lock_guard<std::recursive_mutex> Lock(Mu);
    Registry[Name] = Name;
  }
  static std::recursive_mutex Mu;
  static std::map<int, int> Registry;
};
std::recursive_mutex InterfaceRegistry::Mu;
std::map<int, int> InterfaceRegistry::Registry;

// A private helper with no caller in this unit that locks a std::mutex itself: no caller can hold
// it (it would deadlock), so its access before its own lock misses it (oatpp's
// Processor::wakeCoroutine, called by a friend in another unit, its lock one statement late).
class Sleepers {
  friend class Waker;

public:
  void sleep(int Task) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sleeping.insert({Task, Task});
  }

private:
  void wake(int Task) {
    Sleeping.erase(Task); // expect: mapguard-unguarded-access {{'erase' on 'Sleeping' without holding 'Mu', which guards it at every access in the other functions}} note@-5: {{'Sleeping' is accessed with 'Mu' held here}}
    std::lock_guard<std::mutex> Lock(Mu);
    ++Woken;
  }
  std::mutex Mu;
  std::map<int, int> Sleeping;
  int Woken = 0;
};

// Negative twin: the same helper over a recursive mutex - a caller elsewhere may hold it.
class RecursiveSleepers {
  friend class Waker;

public:
  void sleep(int Task) {
    std::lock_guard<std::recursive_mutex> Lock(Mu);
    Sleeping.insert({Task, Task});
  }

private:
  void wake(int Task) {
    Sleeping.erase(Task);
    std::lock_guard<std::recursive_mutex> Lock(Mu);
    ++Woken;
  }
  std::recursive_mutex Mu;
  std::map<int, int> Sleeping;
  int Woken = 0;
};

// Negative twin: after `if (worker.joinable()) worker.join();` no worker runs on either path (it
// was joined, or never started), so the queue is the stopping thread's (i2pd's
// EphemeralKeysSupplier::Stop, `if (m_Thread) { m_Thread->join(); ... }`).
class KeySupplier {
public:
  void start() {
    Worker = std::thread([this] { run(); });
    Helper = std::make_unique<std::thread>([this] { run(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> Lock(Mu);
      Running = false;
    }
    if (Worker.joinable())
      Worker.join();
    if (Helper) {
      Helper->join();
      Helper = nullptr;
    }
    Keys.clear();
  }
  // Its twin: the clear before the join runs beside the worker.
  void reset() {
    Keys.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Keys' without holding 'Mu', which guards it at every access in the other functions}} note@+11: {{'Keys' is accessed with 'Mu' held here}}
    if (Worker.joinable())
      Worker.join();
  }

private:
  void run() {
    while (true) {
      std::lock_guard<std::mutex> Lock(Mu);
      if (!Running)
        break;
      Keys.push_back(1);
    }
  }
  std::mutex Mu;
  bool Running = true;
  std::deque<int> Keys;
  std::thread Worker;
  std::unique_ptr<std::thread> Helper;
};

// A helper the destructor calls after the join and a callable handed to the thread calls: it runs
// while the thread does, so the destructor's call does not make it a phase of its own (ZLToolKit's
// EventPoller::onPipeEvent, swapping its task list out, with the lock taken one statement late).
class Poller {
public:
  Poller() : Worker([this] { onWake(); }) {}
  ~Poller() {
    Worker.join();
    onWake();
  }
  void post(int Task) {
    std::lock_guard<std::mutex> Lock(Mu);
    Tasks.push_back(Task);
  }

private:
  void onWake() {
    std::vector<int> Swapped;
    Swapped.swap(Tasks); // expect: mapguard-unguarded-access {{'swap' on 'Tasks' without holding 'Mu', which guards it at every access in the other functions (1 of 2 accesses)}} note@-6: {{'Tasks' is accessed with 'Mu' held here}}
    std::lock_guard<std::mutex> Lock(Mu);
  }
  std::mutex Mu;
  std::vector<int> Tasks;
  std::thread Worker;
};

// Twin: a helper only the destructor calls, after the join, runs when no thread does.
class Drainer {
public:
  Drainer() : Worker([this] { run(); }) {}
  ~Drainer() {
    Worker.join();
    drain();
  }
  void post(int Task) {
    std::lock_guard<std::mutex> Lock(Mu);
    Tasks.push_back(Task);
  }

private:
  void run() {
    std::lock_guard<std::mutex> Lock(Mu);
    Tasks.clear();
  }
  void drain() {
    std::vector<int> Swapped;
    Swapped.swap(Tasks);
  }
  std::mutex Mu;
  std::vector<int> Tasks;
  std::thread Worker;
};

// A lock one statement late inside a lambda the function keeps and calls (ZLToolKit's
// UdpServer::createSession, `helper_creator`; handed to a thread or task, it would be
// deferred-capture's). The lambda holds 'Mu' at its other accesses; the read before its lock
// escapes it.
class SessionTable {
public:
  int open(int Id) {
    auto Create = [this, Id]() -> int {
      auto It = Sessions.find(Id); // expect: mapguard-unguarded-access {{'find' on 'Sessions' without holding 'Mu', which this function holds at its other accesses and which guards it at every access in the other functions (3 of 4 accesses)}} note@+2: {{'Sessions' is accessed with 'Mu' held here}}
      std::lock_guard<std::mutex> Lock(Mu);
      if (It != Sessions.end())
        return It->second;
      Sessions.emplace(Id, Id);
      return Id;
    };
    return Create();
  }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions.erase(Id);
  }

private:
  std::mutex Mu;
  std::map<int, int> Sessions;
};

// Negative twins: the lambda locks first; a lambda that never takes the lock is left to
// inferred-guard (it may run under a lock its caller holds).
class SessionSet {
public:
  int open(int Id) {
    auto Create = [this, Id]() -> int {
      std::lock_guard<std::mutex> Lock(Mu);
      auto It = Sessions.find(Id);
      if (It != Sessions.end())
        return It->second;
      Sessions.emplace(Id, Id);
      return Id;
    };
    return Create();
  }
  int peek(int Id) {
    auto Look = [this, Id] { return Sessions.count(Id) != 0 ? Sessions.at(Id) : 0; };
    return Look();
  }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions.erase(Id);
  }

private:
  std::mutex Mu;
  std::map<int, int> Sessions;
};

// A map this object shares with its clones through a shared_ptr member (ZLToolKit's UdpServer):
// its destructor runs while the clones' threads still use the map, so the destructor's change
// counts like any other; here the lock comes one statement too late.
class Listener {
public:
  Listener() : Sessions(std::make_shared<std::map<int, int>>()), Mu(std::make_shared<std::mutex>()) {}
  ~Listener() {
    Sessions->clear(); // expect: mapguard-unguarded-access {{'clear' on 'Sessions' without holding '*Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@+9: {{'Sessions' is accessed with '*Mu' held here}}
    std::lock_guard<std::mutex> Lock(*Mu);
  }
  void cloneFrom(const Listener &That) {
    Sessions = That.Sessions;
    Mu = That.Mu;
  }
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(*Mu);
    (*Sessions)[Id] = Id;
  }
  int find(int Id) {
    std::lock_guard<std::mutex> Lock(*Mu);
    auto It = Sessions->find(Id);
    return It == Sessions->end() ? 0 : It->second;
  }

private:
  std::shared_ptr<std::map<int, int>> Sessions;
  std::shared_ptr<std::mutex> Mu;
};

// Negative twin: the map is this object's alone (made here, never taken from another handle);
// its destructor runs when no other thread can use it.
class Acceptor {
public:
  Acceptor() : Sessions(std::make_shared<std::map<int, int>>()), Mu(std::make_shared<std::mutex>()) {}
  ~Acceptor() {
    Sessions->clear();
    std::lock_guard<std::mutex> Lock(*Mu);
  }
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(*Mu);
    (*Sessions)[Id] = Id;
  }
  int find(int Id) {
    std::lock_guard<std::mutex> Lock(*Mu);
    auto It = Sessions->find(Id);
    return It == Sessions->end() ? 0 : It->second;
  }

private:
  std::shared_ptr<std::map<int, int>> Sessions;
  std::shared_ptr<std::mutex> Mu;
};

// A sharded map: each stripe, an element of an array, has its own mutex beside its map; the
// functions bind references to a stripe's mutex and map, then lock, then use the references
// (muduo's memcached server). The uses through the references are the accesses, made under the
// locks held where they run; the binding itself touches nothing.
class ShardedItems {
public:
  bool store(int Key, std::string Value) {
    std::mutex &Mu = Shards[Key % 4].Mu;
    std::map<int, std::string> &Items = Shards[Key % 4].Items;
    std::lock_guard<std::mutex> Lock(Mu);
    return Items.emplace(Key, std::move(Value)).second;
  }
  std::string get(int Key) {
    std::mutex &Mu = Shards[Key % 4].Mu;
    const std::map<int, std::string> &Items = Shards[Key % 4].Items;
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Items.find(Key);
    return It == Items.end() ? std::string() : It->second;
  }
  // The guard deleted.
  bool remove(int Key) {
    std::map<int, std::string> &Items = Shards[Key % 4].Items;
    return Items.erase(Key) == 1; // expect: mapguard-unguarded-access {{'erase' on 'Shards[...].Items' without holding 'Shards[...].Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-12: {{'Shards[...].Items' is accessed with 'Shards[...].Mu' held here}}
  }

private:
  struct Shard {
    std::mutex Mu;
    std::map<int, std::string> Items;
  };
  std::array<Shard, 4> Shards;
};

// Twin: every function locks the stripe it uses, through the element itself or a reference.
class ShardedCounters {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Shards[Key % 4].Mu);
    Shards[Key % 4].Counts[Key] += 1;
  }
  int count(int Key) {
    auto &Stripe = Shards[Key % 4];
    std::lock_guard<std::mutex> Lock(Stripe.Mu);
    auto It = Stripe.Counts.find(Key);
    return It == Stripe.Counts.end() ? 0 : It->second;
  }
  void reset(int Key) {
    std::map<int, int> &Counts = Shards[Key % 4].Counts;
    std::lock_guard<std::mutex> Lock(Shards[Key % 4].Mu);
    Counts.erase(Key);
  }

private:
  struct Shard {
    std::mutex Mu;
    std::map<int, int> Counts;
  };
  Shard Shards[4];
};

// A guard deleted from the function that makes most of the accesses: the accesses no longer hold
// the mutex in the majority, but every other function keeps it (muduo's memcached `storeItem`).
class ItemStore {
public:
  bool store(int Key, const std::string &Value, bool Replace) {
    auto It = Items.find(Key);
    bool Exists = It != Items.end();
    if (Exists && !Replace)
      return false;
    if (Exists)
      Items.erase(It); // expect: mapguard-unguarded-access {{'erase' on 'Items' without holding 'Mu', which guards it at every access in the other functions (3 of 7 accesses)}} note@+6: {{'Items' is accessed with 'Mu' held here}}
    Items.emplace(Key, Value);
    return !Exists;
  }
  std::string get(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Items.find(Key);
    return It == Items.end() ? std::string() : It->second;
  }
  bool remove(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Items.erase(Key) == 1;
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Items;
};

// Twin: two functions make their accesses without the mutex - no protocol the rest keeps.
class ItemStoreTwoUnlocked {
public:
  bool store(int Key, const std::string &Value) {
    auto It = Items.find(Key);
    if (It != Items.end())
      Items.erase(It);
    return Items.emplace(Key, Value).second;
  }
  void replace(int Key, const std::string &Value) {
    auto It = Items.find(Key);
    if (It != Items.end())
      It->second = Value;
    Items.emplace(Key, Value);
  }
  std::string get(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Items.find(Key);
    return It == Items.end() ? std::string() : It->second;
  }
  bool remove(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Items.erase(Key) == 1;
  }

private:
  std::mutex Mu;
  std::map<int, std::string> Items;
};

// Negative twin: a function that locks by hand only on some paths decides when to skip the lock
// (coost's logger drains its buffers unlocked when called from a signal handler, where it cannot
// lock): no forgotten guard.
class SignalSafeLog {
public:
  void push(const std::string &Line) {
    std::lock_guard<std::mutex> Lock(Mu);
    Lines.push_back(Line);
  }
  size_t pending() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Lines.empty() ? 0 : Lines.front().size();
  }
  void flush(bool SignalSafe, std::vector<std::string> &Out) {
    if (!SignalSafe)
      Mu.lock();
    if (!Lines.empty())
      Lines.swap(Out);
    if (!SignalSafe)
      Mu.unlock();
  }

private:
  std::mutex Mu;
  std::vector<std::string> Lines;
};

// Its twin: the same drain, the lock taken on every path but one statement too late.
class LateLockedLog {
public:
  void push(const std::string &Line) {
    std::lock_guard<std::mutex> Lock(Mu);
    Lines.push_back(Line);
  }
  size_t pending() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Lines.empty() ? 0 : Lines.front().size();
  }
  void flush(std::vector<std::string> &Out) {
    Lines.swap(Out); // expect: mapguard-unguarded-access {{'swap' on 'Lines' without holding 'Mu', which this function holds at its other accesses and which guards it at every access in the other functions (4 of 5 accesses)}} note@-7: {{'Lines' is accessed with 'Mu' held here}}
    Mu.lock();
    Lines.clear();
    Mu.unlock();
  }

private:
  std::mutex Mu;
  std::vector<std::string> Lines;
};
