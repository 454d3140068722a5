// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-unguarded-access
// mapguard-unguarded-access, rule read-breaks-consistent-guard (on by default): a read of a
// container in a function that does not lock the mutex every access in the other functions holds,
// one of which changes the container under it - the shape a guard deleted from a reader leaves.
// Default rules only: each negative twin below is a finding of inferred-guard (off by default) or
// no finding at all.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

// A guard deleted from a reader (oatpp's ContentMappers): the writers and the other reader lock.
class Mappers {
public:
  void put(const std::string &Type, int Mapper) {
    std::lock_guard<std::mutex> Lock(Mu);
    ByType[Type] = Mapper;
  }
  void setDefault(const std::string &Type) {
    Default = ByType.at(Type); // expect: mapguard-unguarded-access {{'at' on 'ByType' in a function that does not lock 'Mu', which guards it at every access in the other functions (3 of 4 accesses); lock 'Mu' here}} note@-3: {{'ByType' is accessed with 'Mu' held here}}
  }
  int get(const std::string &Type) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = ByType.find(Type);
    return It == ByType.end() ? 0 : It->second;
  }

private:
  std::mutex Mu;
  std::map<std::string, int> ByType;
  int Default = 0;
};

// A walk in a const member function while producers push under the lock.
class EventLog {
public:
  void push(std::string Line) {
    std::lock_guard<std::mutex> Lock(Mu);
    Lines.push_back(std::move(Line));
  }
  void pop() {
    std::lock_guard<std::mutex> Lock(Mu);
    Lines.pop_front();
  }
  size_t totalLength() const {
    size_t N = 0;
    for (const std::string &Line : Lines) // expect: mapguard-unguarded-access {{iteration over 'Lines' in a function that does not lock 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-8: {{'Lines' is accessed with 'Mu' held here}}
      N += Line.size();
    return N;
  }

private:
  mutable std::mutex Mu;
  std::deque<std::string> Lines;
};

// A global table read by a free function holding another mutex.
std::mutex RoutesMu;
std::mutex StatsMu;
std::map<int, std::string> Routes;
void addRoute(int Id, std::string Name) {
  std::lock_guard<std::mutex> Lock(RoutesMu);
  Routes[Id] = std::move(Name);
}
void removeRoute(int Id) {
  std::lock_guard<std::mutex> Lock(RoutesMu);
  Routes.erase(Id);
}
bool hasRoute(int Id) {
  std::lock_guard<std::mutex> Lock(RoutesMu);
  return Routes.count(Id) != 0;
}
std::string routeName(int Id) {
  std::lock_guard<std::mutex> Lock(StatsMu);
  auto It = Routes.find(Id); // expect: mapguard-unguarded-access {{'find' on 'Routes' in a function that does not lock 'RoutesMu', which guards it at every access in the other functions (3 of 5 accesses) (holding 'StatsMu' instead)}} note@-12: {{'Routes' is accessed with 'RoutesMu' held here}}
  return It == Routes.end() ? std::string() : It->second;
}

// Through a handle: the map behind a shared_ptr is the same object at every access.
class Sessions {
public:
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    (*Table)[Id] = Id;
  }
  bool isOpen(int Id) {
    return Table->count(Id) != 0; // expect: mapguard-unguarded-access {{'count' on 'Table' in a function that does not lock 'Mu', which guards it at every access in the other functions (1 of 2 accesses)}} note@-3: {{'Table' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  std::shared_ptr<std::map<int, int>> Table = std::make_shared<std::map<int, int>>();
};

// Negative twin: two functions read without the lock - no protocol the whole class keeps
// (inferred-guard's, off by default).
class LooseReaders {
public:
  void put(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Keys[Key] = Key;
  }
  bool has(int Key) const { return Keys.count(Key) != 0; }
  int get(int Key) const { return Keys.at(Key); }

private:
  mutable std::mutex Mu;
  std::map<int, int> Keys;
};

// Negative twin: the reads without the lock read the size only, a snapshot (a fast path before
// locking, a statistic).
class Backlog {
public:
  void push(int Job) {
    std::lock_guard<std::mutex> Lock(Mu);
    Jobs.push_back(Job);
  }
  bool idle() const { return Jobs.empty(); }
  size_t depth() const { return Jobs.size(); }

private:
  mutable std::mutex Mu;
  std::vector<int> Jobs;
};

// Negative twin: a table filled without the lock by a set-up function - the other functions do not
// keep a protocol a reader could break.
class RouteTable {
public:
  void addRoute(int Id, std::string Target) { Table[Id] = std::move(Target); }
  std::string lookup(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Table.find(Id);
    return It == Table.end() ? std::string() : It->second;
  }
  bool known(int Id) const { return Table.count(Id) != 0; }

private:
  std::mutex Mu;
  std::map<int, std::string> Table;
};

// Negative twin: only locked reads elsewhere - no change runs under the lock, nothing to race with.
class Frozen {
public:
  explicit Frozen(std::map<int, int> Init) : Values(std::move(Init)) {}
  int lockedGet(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Values.at(Key);
  }
  int get(int Key) const { return Values.at(Key); }

private:
  std::mutex Mu;
  std::map<int, int> Values;
};

// Negative twins: a private helper with no caller in this unit (its callers may hold the lock),
// and one whose every caller holds it.
class Helpers {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Keys.push_back(Key);
  }
  int newest() {
    std::lock_guard<std::mutex> Lock(Mu);
    return last();
  }

private:
  int firstElsewhere() const;
  int first() const { return Keys.front(); }
  int last() const { return Keys.back(); }
  std::mutex Mu;
  std::vector<int> Keys;
};

// Negative twin: an element read through `v[i]` (a worker's own slot), not the container.
class Slots {
public:
  void grow() {
    std::lock_guard<std::mutex> Lock(Mu);
    Values.push_back(0);
  }
  int slot(size_t I) const { return Values[I]; }

private:
  std::mutex Mu;
  std::vector<int> Values;
};

// Negative twin: the mutex is private to a class that locks inside and also offers an unlocked view
// (oatpp's `LazyStringMap::getAll_Unsafe()`); code outside the class cannot take the lock, the
// protocol is the class's own.
class Headers {
public:
  void put(int Key, int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Map[Key] = Value;
  }
  int get(int Key) const {
    std::lock_guard<std::mutex> Lock(Mu);
    auto It = Map.find(Key);
    return It == Map.end() ? 0 : It->second;
  }
  const std::map<int, int> &allUnsafe() const { return Map; }

private:
  mutable std::mutex Mu;
  std::map<int, int> Map;
};
int sumHeaders(const Headers &H) {
  int Sum = 0;
  for (const auto &Entry : H.allUnsafe())
    Sum += Entry.second;
  return Sum;
}

// Its twin: the class's own reader forgets the lock.
class Params {
public:
  void put(int Key, int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Map[Key] = Value;
  }
  bool has(int Key) const {
    return Map.count(Key) != 0; // expect: mapguard-unguarded-access {{'count' on 'Map' in a function that does not lock 'Mu', which guards it at every access in the other functions (1 of 2 accesses)}} note@-3: {{'Map' is accessed with 'Mu' held here}}
  }

private:
  mutable std::mutex Mu;
  std::map<int, int> Map;
};

// The only other unlocked access is a read after its function released the guard: the phase its
// locked part established (libhv's http_server_stop waits under the lock until every loop runs,
// then walks them). A reader that never locks still breaks the protocol (a guard deleted from
// libhv's HttpServer::loop()).
void halt(int Loop);
class LoopSet {
public:
  void add(int Loop) {
    Mu.lock();
    Loops.push_back(Loop);
    Mu.unlock();
  }
  void stop() {
    while (true) {
      std::lock_guard<std::mutex> Lock(Mu);
      if (Loops.size() >= 4)
        break;
    }
    for (int Loop : Loops)
      halt(Loop);
  }
  int first() { return Loops.empty() ? -1 : Loops.front(); } // expect: mapguard-unguarded-access {{'front' on 'Loops' in a function that does not lock 'Mu', which guards it at every access in the other functions (3 of 6 accesses)}} note@-12: {{'Loops' is accessed with 'Mu' held here}}
  int total() {
    std::lock_guard<std::mutex> Lock(Mu);
    int Sum = 0;
    for (int Loop : Loops)
      Sum += Loop;
    return Sum;
  }

private:
  std::mutex Mu;
  std::vector<int> Loops;
};

// Negative twin: the walk in stop() never held the lock; the protocol is not consistent.
class LoopList {
public:
  void add(int Loop) {
    Mu.lock();
    Loops.push_back(Loop);
    Mu.unlock();
  }
  void stop() {
    for (int Loop : Loops)
      halt(Loop);
  }
  int first() { return Loops.empty() ? -1 : Loops.front(); }
  int total() {
    std::lock_guard<std::mutex> Lock(Mu);
    int Sum = 0;
    for (int Loop : Loops)
      Sum += Loop;
    return Sum;
  }

private:
  std::mutex Mu;
  std::vector<int> Loops;
};
