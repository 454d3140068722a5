// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-unguarded-access
// CHECK-OPTIONS: Rules: all
// mapguard-unguarded-access on locking protocols other than "one mutex at every access" (issue 25,
// classes 5, 6 and 10): a container filled once under a lock and only read after it; two locks
// that every writer takes, of which a reader holds either; a helper that every caller calls with
// the lock held except the constructor and destructor. Each has a reported twin that breaks the protocol.
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

void fill(std::set<std::string> &Words);

// Class 5: initialised once under a lock, read-only after.
bool isKeyword(const std::string &Word) {
  static std::mutex KeywordsMutex;
  static std::set<std::string> Keywords;
  {
    std::lock_guard<std::mutex> Lock(KeywordsMutex);
    if (Keywords.empty())
      fill(Keywords);
  }
  return Keywords.count(Word) != 0;
}

// Twin: the set also grows at run time, elsewhere, so a reader races with the next insert.
std::mutex KnownMutex;
std::set<std::string> Known;
void learn(const std::string &Word) {
  std::lock_guard<std::mutex> Lock(KnownMutex);
  Known.insert(Word);
}
bool isKnown(const std::string &Word) {
  return Known.count(Word) != 0; // expect: mapguard-unguarded-access {{'count' on 'Known' in a function that does not lock 'KnownMutex', which guards it at every access in the other functions (1 of 2 accesses}} note@-3: {{'Known' is accessed with 'KnownMutex' held here}}
}

// The single-writer idiom: code that writes the container under the lock reads it without: the
// thread that owns the container locks only its writes, for the readers on other threads.
class Peers {
public:
  void onConnected(int Id) {
    auto It = Table.find(Id);
    if (It == Table.end()) {
      std::lock_guard<std::mutex> Lock(Mu);
      Table[Id] = 1;
    }
  }
  int lookup(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Table.find(Id);
    return It == Table.end() ? 0 : It->second;
  }

private:
  std::mutex Mu;
  std::map<int, int> Table;
};

// Class 6: writers take the object lock and the data mutex; readers hold either.
class Registry {
public:
  void add(const std::string &Name) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    std::lock_guard<std::mutex> Data(DataMutex);
    Names.push_back(Name);
    Index[Name] = Names.size();
  }
  void remove(const std::string &Name) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    std::lock_guard<std::mutex> Data(DataMutex);
    Index.erase(Name);
  }
  bool hasUnderData(const std::string &Name) {
    std::lock_guard<std::mutex> Data(DataMutex);
    return Index.count(Name) != 0;
  }
  size_t positionUnderData(const std::string &Name) {
    std::lock_guard<std::mutex> Data(DataMutex);
    return Index.at(Name);
  }
  // Holds the object lock only: every writer holds it too.
  bool hasUnderObject(const std::string &Name) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    return Index.count(Name) != 0;
  }

private:
  std::mutex ObjectLock;
  std::mutex DataMutex;
  std::vector<std::string> Names;
  std::unordered_map<std::string, size_t> Index;
};

// Twin: a writer that takes the object lock only; a reader under the data mutex races with it.
class BrokenRegistry {
public:
  void add(const std::string &Name) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    std::lock_guard<std::mutex> Data(DataMutex);
    Index[Name] = 1;
  }
  void remove(const std::string &Name) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    std::lock_guard<std::mutex> Data(DataMutex);
    Index.erase(Name);
  }
  bool hasUnderData(const std::string &Name) {
    std::lock_guard<std::mutex> Data(DataMutex);
    return Index.count(Name) != 0; // expect: mapguard-unguarded-access {{'count' on 'Index' in a function that does not lock 'ObjectLock', which guards it at every access in the other functions (5 of 6 accesses) (holding 'DataMutex' instead)}} note@-9: {{'Index' is accessed with 'ObjectLock' held here}}
  }
  bool hasUnderObject(const std::string &Name) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    return Index.count(Name) != 0;
  }
  void rename(const std::string &From, const std::string &To) {
    std::lock_guard<std::mutex> Object(ObjectLock);
    Index[To] = Index[From];
  }

private:
  std::mutex ObjectLock;
  std::mutex DataMutex;
  std::unordered_map<std::string, size_t> Index;
};

// Class 10: a helper every caller locks for, except the constructor and the destructor.
class Journal {
public:
  Journal() { flushLocked(); }
  ~Journal() { flushLocked(); }
  void append(const std::string &Line) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.insert(Line);
    if (Pending.size() > 10)
      flushLocked();
  }
  void sync() {
    std::lock_guard<std::mutex> Lock(Mu);
    flushLocked();
  }
  // A size read alone is not reported: a snapshot for a statistic or an unlocked fast path.
  size_t backlog() const { return Pending.size(); }

private:
  void flushLocked() { Pending.clear(); }
  mutable std::mutex Mu;
  std::set<std::string> Pending;
};

// Twin: another member function calls the helper without the lock.
class Ledger {
public:
  ~Ledger() { flush(); }
  void append(const std::string &Line) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.insert(Line);
    flush();
  }
  void drop() { flush(); } // expect: mapguard-unguarded-access {{call to 'flush', which changes 'Pending', without holding 'Mu', which its other callers hold and which guards it at every access in the other functions (2 of 3 accesses); lock 'Mu' here}} note@+3: {{'clear' on 'Pending' here}} note@-2: {{'flush' is called with 'Mu' held here}}

private:
  void flush() { Pending.clear(); }
  std::mutex Mu;
  std::set<std::string> Pending;
};

// A life cycle: start() fills the table (directly and through a private helper) before it starts
// the thread it keeps; stop() clears it after the join, directly and through a helper whose body
// this unit cannot see but whose name says it stops. Neither is judged (as in a constructor).
#include <thread>
class Database {
public:
  void start() {
    Routers.clear();
    load();
    refill();
    Worker = new std::thread(&Database::run, this);
  }
  void stop() {
    Running = false;
    Worker->join();
    Routers.clear();
  }
  void shutdown() {
    stopWorkers();
    Routers.clear();
  }
  std::string lookup(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Routers.find(Id);
    return It == Routers.end() ? std::string() : It->second;
  }
  // Twin: a reload at run time, while the worker runs.
  void reload() {
    Routers.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Routers' without holding 'Mu', which guards it at 4 of 6 accesses}} note@-5: {{'Routers' is accessed with 'Mu' held here}}
    refill();
  }

private:
  void load() { Routers[0] = "self"; }
  // Twin: called before the start and at run time.
  void refill() {
    Routers[1] = "peer"; // expect: mapguard-unguarded-access {{'operator[]' on 'Routers' without holding 'Mu', which guards it at 4 of 6 accesses}} note@-13: {{'Routers' is accessed with 'Mu' held here}}
  }
  void stopWorkers(); // defined in another unit
  void run() {
    while (Running) {
      std::lock_guard<std::mutex> Lock(Mu);
      Routers.erase(1);
      Routers[2] = "next";
    }
  }
  std::mutex Mu;
  std::unordered_map<int, std::string> Routers;
  std::thread *Worker = nullptr;
  bool Running = true;
};

// A constructor or destructor has its own object to itself (members by value or by unique_ptr),
// not the objects its pointer members lead to: an iterator that registers with its database in
// its constructor and leaves in its destructor must lock the database (tkrzw).
#include <memory>
class Iter;
class Db {
  friend class Iter;
public:
  void add(Iter *I) { std::lock_guard<std::mutex> L(Mu); Iterators.push_back(I); }
  void drop() { std::lock_guard<std::mutex> L(Mu); Iterators.pop_back(); }
  bool idle() { std::lock_guard<std::mutex> L(Mu); return Iterators.empty(); }
private:
  std::mutex Mu;
  std::vector<Iter *> Iterators;
};
class Iter {
public:
  explicit Iter(Db *D) : D(D) { D->Iterators.push_back(this); } // expect: mapguard-unguarded-access {{'push_back' on 'D->Iterators' without holding 'D->Mu', which guards it at 3 of 5 accesses}} note@-9: {{'Iterators' is accessed with 'D->Mu' held here}}
  ~Iter() { D->Iterators.pop_back(); } // expect: mapguard-unguarded-access {{'pop_back' on 'D->Iterators' without holding 'D->Mu', which guards it at 3 of 5 accesses}} note@-10: {{'Iterators' is accessed with 'D->Mu' held here}}
  Db *D;
};
class Owner {
public:
  Owner() { Items[0] = 0; Impl->Items[1] = 1; }
  ~Owner() { Items.clear(); Impl->Items.clear(); }
  void put(int K) { std::lock_guard<std::mutex> L(Mu); Items[K] = K; Impl->Items[K] = K; }
  void drop(int K) { std::lock_guard<std::mutex> L(Mu); Items.erase(K); Impl->Items.erase(K); }
private:
  struct Body { std::map<int, int> Items; };
  std::mutex Mu;
  std::map<int, int> Items;
  std::unique_ptr<Body> Impl = std::make_unique<Body>();
};
// A helper that only functions saying their caller holds the lock call (`addLocked()`, workflow's
// `add_server_locked()` calling `hash_map_add_addr()`), whose callers are in another unit: by
// contract too, not judged. Its twin is also called from a public function that holds nothing.
class Routes {
public:
  void add(int K) { std::lock_guard<std::mutex> L(Mu); Table[K] = K; }
  void drop(int K) { std::lock_guard<std::mutex> L(Mu); Table.erase(K); }
  bool has(int K) { std::lock_guard<std::mutex> L(Mu); return Table.count(K) != 0; }
  void bump(int K) { touch(K); }

protected:
  void addLocked(int K) { index(K); touch(K); }

private:
  void index(int K) { Table[K + 1] = K; }
  void touch(int K) { Table[K] += 1; } // expect: mapguard-unguarded-access {{'operator[]' on 'Table' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-10: {{'Table' is accessed with 'Mu' held here}}
  std::mutex Mu;
  std::map<int, int> Table;
};
