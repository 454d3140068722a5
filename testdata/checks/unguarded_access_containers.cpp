// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-unguarded-access
// CHECK-OPTIONS: Rules: all
// mapguard-unguarded-access on every container (issue 23): sequences and queues, a project's own
// container (read from its declaration), and containers and mutexes reached through handles (a
// raw pointer, a smart pointer created lazily under the lock, a reference member, `*mu_`). Each
// class has one unguarded access; its twins are the locked accesses beside it, and a synchronized
// container of the project (it locks inside) used without the user's lock.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

struct Job {
  int Id = 0;
};

class Pool {
public:
  void submit(Job J) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.push(J);
  }
  bool take(Job &Out) {
    std::lock_guard<std::mutex> Lock(Mu);
    if (Pending.empty())
      return false;
    Out = Pending.front();
    Pending.pop();
    return true;
  }
  void retry(Job J) {
    Pending.push(J); // expect: mapguard-unguarded-access {{'push' on 'Pending' without holding 'Mu', which guards it at every access in the other functions (4 of 5 accesses)}} note@-11: {{'Pending' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::queue<Job> Pending;
};

class History {
public:
  void record(int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Values.push_back(Value);
  }
  int last() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Values.empty() ? 0 : Values.back();
  }
  void trim() {
    Values.erase(Values.begin()); // expect: mapguard-unguarded-access {{'erase' on 'Values' without holding 'Mu', which guards it at every access in the other functions (3 of 5 accesses)}} note@-7: {{'Values' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::vector<int> Values;
};

// A project's own container: iteration, and members that add and remove.
class RingBuffer {
public:
  void add(int Value) { Items.push_back(Value); }
  void removeOldest() { Items.pop_front(); }
  std::deque<int>::iterator begin() { return Items.begin(); }
  std::deque<int>::iterator end() { return Items.end(); }

private:
  std::deque<int> Items;
};

// A project's container that locks inside: safe without its user's lock.
class SafeList {
public:
  void add(int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.push_back(Value);
  }
  std::vector<int>::iterator begin() { return Items.begin(); }
  std::vector<int>::iterator end() { return Items.end(); }

private:
  std::mutex Mu;
  std::vector<int> Items;
};

class Recorder {
public:
  void add(int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Samples.add(Value);
    Audit.add(Value);
  }
  void expire() {
    std::lock_guard<std::mutex> Lock(Mu);
    Samples.removeOldest();
    Audit.add(0);
  }
  void flush() {
    Samples.removeOldest(); // expect: mapguard-unguarded-access {{'removeOldest' on 'Samples' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-9: {{'Samples' is accessed with 'Mu' held here}}
    Audit.add(1);
  }

private:
  std::mutex Mu;
  RingBuffer Samples;
  SafeList Audit;
};

// Handles: a map through a raw pointer, a mutex through a smart pointer.
class Dictionary {
public:
  void put(int Key, int Value) {
    std::lock_guard<std::mutex> Lock(*Mu);
    (*Table)[Key] = Value;
  }
  int get(int Key) {
    std::lock_guard<std::mutex> Lock(*Mu);
    auto It = Table->find(Key);
    return It == Table->end() ? 0 : It->second;
  }
  void drop(int Key) {
    Table->erase(Key); // expect: mapguard-unguarded-access {{'erase' on 'Table' without holding '*Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-8: {{'Table' is accessed with '*Mu' held here}}
  }

private:
  std::unique_ptr<std::mutex> Mu = std::make_unique<std::mutex>();
  std::map<int, int> *Table = new std::map<int, int>;
};

// A container created lazily under the lock, through a unique_ptr.
class Lazy {
public:
  void add(int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    if (!Items)
      Items = std::make_unique<std::vector<int>>();
    Items->push_back(Value);
  }
  size_t size() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Items ? Items->size() : 0;
  }
  void reset() {
    if (Items)
      Items->clear(); // expect: mapguard-unguarded-access {{'clear' on 'Items' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-8: {{'Items' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::unique_ptr<std::vector<int>> Items;
};

// A reference member: the container belongs to someone else, the guard too.
class Producer {
public:
  Producer(std::deque<int> &Queue, std::mutex &Mu) : Queue(Queue), Mu(Mu) {}
  void push(int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.push_back(Value);
  }
  int pop() {
    std::lock_guard<std::mutex> Lock(Mu);
    int Value = Queue.front();
    Queue.pop_front();
    return Value;
  }
  void drain() {
    Queue.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Queue' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-9: {{'Queue' is accessed with 'Mu' held here}}
  }

private:
  std::deque<int> &Queue;
  std::mutex &Mu;
};

// A map behind a shared_ptr that clones of the server share: creating it, copying the handle to a
// clone and testing it are uses of the handle, not of the map; they do not outvote the guard.
class UdpSessions {
public:
  void start() {
    Mu = std::make_shared<std::mutex>();
    Sessions = std::make_shared<std::map<int, std::string>>();
  }
  void cloneFrom(const UdpSessions &That) {
    Mu = That.Mu;
    Sessions = That.Sessions;
  }
  std::string findOrAdd(int Id, const std::string &Peer) {
    auto It = Sessions->find(Id); // expect: mapguard-unguarded-access {{'find' on 'Sessions' without holding '*Mu', which this function holds at its other accesses and which guards it at every access in the other functions (2 of 4 accesses)}} note@+4: {{'Sessions' is accessed with '*Mu' held here}}
    if (It != Sessions->end())
      return It->second;
    std::lock_guard<std::mutex> Lock(*Mu);
    (*Sessions)[Id] = Peer;
    return Peer;
  }
  void remove(int Id) {
    if (!Sessions)
      return;
    std::lock_guard<std::mutex> Lock(*Mu);
    Sessions->erase(Id);
  }

private:
  std::shared_ptr<std::mutex> Mu;
  std::shared_ptr<std::map<int, std::string>> Sessions;
};

// Negative twin: every use of the map holds the lock; the handle is set and copied without it.
class UdpSessionsLocked {
public:
  void start() {
    Mu = std::make_shared<std::mutex>();
    Sessions = std::make_shared<std::map<int, std::string>>();
  }
  void cloneFrom(const UdpSessionsLocked &That) {
    Mu = That.Mu;
    Sessions = That.Sessions;
  }
  bool has(int Id) {
    std::lock_guard<std::mutex> Lock(*Mu);
    return Sessions->count(Id) != 0;
  }
  void add(int Id, std::string Peer) {
    std::lock_guard<std::mutex> Lock(*Mu);
    (*Sessions)[Id] = std::move(Peer);
  }

private:
  std::shared_ptr<std::mutex> Mu;
  std::shared_ptr<std::map<int, std::string>> Sessions;
};
