// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// The lock classes of sync.h (defined in sync.cpp) used from another unit. `expect-indexed` marks
// a finding that needs their facts (the project index); without it, this unit cannot tell a guard
// from any other class and sees no lock at all.
#include "sync.h"

#include <deque>
#include <map>
#include <string>

class Store {
public:
  void put(int Key, const std::string &Value) {
    sync::WriteGuard Guard(Lock);
    Items[Key] = Value;
  }
  void drop(int Key) {
    sync::WriteGuard Guard(Lock);
    Items.erase(Key);
  }
  bool has(int Key) {
    sync::ReadGuard Guard(Lock);
    return Items.count(Key) != 0;
  }
  void putUnlocked(int Key, const std::string &Value) {
    Items[Key] = Value; // expect-indexed: mapguard-unguarded-access {{'operator[]' on 'Items' without holding 'Lock', which guards it at every access in the other functions (4 of 5 accesses)}} note@-11: {{'Items' is accessed with 'Lock' held here}}
  }
  void putUnderRead(int Key, const std::string &Value) {
    sync::ReadGuard Guard(Lock);
    Items[Key] = Value; // expect-indexed: mapguard-write-under-shared-lock {{'operator[]' on 'Items' while 'Lock' is held only shared}} note@-1: {{'Lock' is locked shared here}}
  }

private:
  sync::RwLock Lock;
  std::map<int, std::string> Items;
};

// Its guard locks nothing (read in sync.cpp): no access holds a lock, none is reported.
class Traced {
public:
  void put(int Key, const std::string &Value) {
    sync::Tracer Trace(Lock);
    Items[Key] = Value;
  }
  void drop(int Key) {
    sync::Tracer Trace(Lock);
    Items.erase(Key);
  }
  void putUnlocked(int Key, const std::string &Value) { Items[Key] = Value; }

private:
  sync::RwLock Lock;
  std::map<int, std::string> Items;
};

class Jobs {
public:
  void add(int Job) {
    Watch.enter();
    Queue.push_back(Job);
    Watch.leave();
  }
  bool take(int &Job) {
    Watch.enter(); // expect-indexed: mapguard-manual-lock {{'Watch' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'Watch' is still locked when this 'return' leaves}}
    if (Queue.empty())
      return false;
    Job = Queue.front();
    Queue.pop_front();
    Watch.leave();
    return true;
  }
  void addUnlocked(int Job) {
    Queue.push_back(Job); // expect-indexed: mapguard-unguarded-access {{'push_back' on 'Queue' without holding 'Watch', which guards it at every access in the other functions (4 of 5 accesses)}} note@-13: {{'Queue' is accessed with 'Watch' held here}}
  }

private:
  sync::Monitor Watch;
  std::deque<int> Queue;
};

// enter() and leave() lock nothing (read in sync.cpp): the same shapes say nothing.
class Counted {
public:
  void add(int Job) {
    Level.enter();
    Queue.push_back(Job);
    Level.leave();
  }
  bool take(int &Job) {
    Level.enter();
    if (Queue.empty())
      return false;
    Job = Queue.front();
    Queue.pop_front();
    Level.leave();
    return true;
  }
  void addUnlocked(int Job) { Queue.push_back(Job); }

private:
  sync::Depth Level;
  std::deque<int> Queue;
};
