// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// CHECKS: -*,mapguard-unguarded-access
// mapguard-unguarded-access on a project's container that has no begin()/end(): a class that keeps
// its elements in a standard container or in a linked structure of its own (intrusive lists, a
// hand-written queue) and has members that add or remove them (put, del, push, pop). Default rules.
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

// An LRU cache over a list and a map (the shape of workflow's LRUCache): no iteration, no lock.
class LruCache {
public:
  const std::string *get(int Key) {
    auto It = Index.find(Key);
    if (It == Index.end())
      return nullptr;
    Order.splice(Order.begin(), Order, It->second);
    return &It->second->second;
  }
  void put(int Key, std::string Value) {
    Order.emplace_front(Key, std::move(Value));
    Index[Key] = Order.begin();
  }
  void del(int Key) {
    auto It = Index.find(Key);
    if (It == Index.end())
      return;
    Order.erase(It->second);
    Index.erase(It);
  }

private:
  std::list<std::pair<int, std::string>> Order;
  std::unordered_map<int, std::list<std::pair<int, std::string>>::iterator> Index;
};

class DnsCache {
public:
  const std::string *get(int Host) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Pool.get(Host);
  }
  void put(int Host, std::string Address) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pool.put(Host, std::move(Address));
  }
  void del(int Host) {
    Pool.del(Host); // expect: mapguard-unguarded-access {{'del' on 'Pool' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-7: {{'Pool' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  LruCache Pool;
};

// Negative twin: the same cache, every call under the lock.
class DnsCacheLocked {
public:
  const std::string *get(int Host) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Pool.get(Host);
  }
  void put(int Host, std::string Address) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pool.put(Host, std::move(Address));
  }
  void del(int Host) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pool.del(Host);
  }

private:
  std::mutex Mu;
  LruCache Pool;
};

// A hand-written intrusive queue: nodes linked by a pointer to their own type.
struct TaskNode {
  int Id = 0;
  TaskNode *Next = nullptr;
};
class TaskQueue {
public:
  void push(TaskNode *Node) {
    Node->Next = nullptr;
    if (Tail)
      Tail->Next = Node;
    else
      Head = Node;
    Tail = Node;
  }
  TaskNode *pop() {
    TaskNode *Node = Head;
    if (Node) {
      Head = Node->Next;
      if (!Head)
        Tail = nullptr;
    }
    return Node;
  }

private:
  TaskNode *Head = nullptr;
  TaskNode *Tail = nullptr;
};

class Worker {
public:
  void post(TaskNode *Node) {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.push(Node);
  }
  TaskNode *next() {
    TaskNode *Node = Queue.pop(); // expect: mapguard-unguarded-access {{'pop' on 'Queue' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-3: {{'Queue' is accessed with 'Mu' held here}}
    return Node;
  }
  void requeue(TaskNode *Node) {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.push(Node);
  }

private:
  std::mutex Mu;
  TaskQueue Queue;
};

// Negative twin: a queue that locks inside is used without the owner's lock.
class LockedQueue {
public:
  void push(TaskNode *Node) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.push(Node);
  }
  TaskNode *pop() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Items.pop();
  }

private:
  std::mutex Mu;
  TaskQueue Items;
};
class Dispatcher {
public:
  void post(TaskNode *Node) {
    std::lock_guard<std::mutex> Lock(Mu);
    ++Posted;
    Queue.push(Node);
  }
  TaskNode *next() { return Queue.pop(); }
  void requeue(TaskNode *Node) {
    std::lock_guard<std::mutex> Lock(Mu);
    Queue.push(Node);
  }

private:
  std::mutex Mu;
  int Posted = 0;
  LockedQueue Queue;
};

// Negative twin: a settings holder whose members neither add nor remove (a map it only reads).
class Settings {
public:
  std::string lookup(const std::string &Key) const {
    auto It = Values.find(Key);
    return It == Values.end() ? std::string() : It->second;
  }
  void load(const std::string &Text);

private:
  std::unordered_map<std::string, std::string> Values;
};
class Service {
public:
  void reload(const std::string &Text) {
    std::lock_guard<std::mutex> Lock(Mu);
    Config.load(Text);
  }
  std::string value(const std::string &Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Config.lookup(Key);
  }
  std::string unlockedValue(const std::string &Key) { return Config.lookup(Key); }

private:
  std::mutex Mu;
  Settings Config;
};

// A hash table of chains (LevelDB's HandleTable): an array of buckets, each a chain of nodes linked
// by a pointer to their own type.
struct Handle {
  int Key = 0;
  Handle *NextHash = nullptr;
};
class HandleTable {
public:
  Handle *Lookup(int Key) { return *FindPointer(Key); }
  Handle *Insert(Handle *H) {
    Handle **Ptr = FindPointer(H->Key);
    Handle *Old = *Ptr;
    H->NextHash = Old ? Old->NextHash : nullptr;
    *Ptr = H;
    return Old;
  }
  Handle *Remove(int Key) {
    Handle **Ptr = FindPointer(Key);
    Handle *Result = *Ptr;
    if (Result)
      *Ptr = Result->NextHash;
    return Result;
  }

private:
  Handle **FindPointer(int Key) {
    Handle **Ptr = &List[static_cast<unsigned>(Key) % Length];
    while (*Ptr && (*Ptr)->Key != Key)
      Ptr = &(*Ptr)->NextHash;
    return Ptr;
  }
  unsigned Length = 16;
  Handle **List = new Handle *[16]();
};

class HandleCache {
public:
  Handle *lookup(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Table.Lookup(Key);
  }
  Handle *insert(Handle *H) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Table.Insert(H);
  }
  Handle *erase(int Key) {
    return Table.Remove(Key); // expect: mapguard-unguarded-access {{'Remove' on 'Table' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-7: {{'Table' is accessed with 'Mu' held here}}
  }

private:
  std::mutex Mu;
  HandleTable Table;
};

// Negative twin: the same table, every call under the lock.
class HandleCacheLocked {
public:
  Handle *lookup(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Table.Lookup(Key);
  }
  Handle *erase(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Table.Remove(Key);
  }

private:
  std::mutex Mu;
  HandleTable Table;
};
