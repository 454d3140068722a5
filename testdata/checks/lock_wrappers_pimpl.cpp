// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// A project mutex whose Lock() and Unlock() are defined in another file behind a pointer to its
// implementation (a pimpl): the unit sees only their declarations, and the names are all it can
// read. A class given no object to lock at construction is a mutex by those names; a class whose
// constructor takes a reference or a pointer may be a guard or a wrapper of that object, and is
// not taken for a mutex on its names alone.
#include <map>
#include <string>

class Mutex {
public:
  Mutex();
  ~Mutex();
  void Lock();
  void Unlock();

private:
  struct Impl;
  Impl *Pimpl;
};

class MutexLock {
public:
  explicit MutexLock(Mutex *Mu) : Mu(Mu) { Mu->Lock(); }
  ~MutexLock() { Mu->Unlock(); }

private:
  Mutex *Mu;
};

class Registry {
public:
  void add(const std::string &Key, int Value) {
    MutexLock Lock(&Mu);
    Items[Key] = Value;
  }
  int get(const std::string &Key) {
    MutexLock Lock(&Mu);
    auto It = Items.find(Key);
    return It == Items.end() ? 0 : It->second;
  }
  void dropLocked(const std::string &Key) {
    Mu.Lock();
    Items.erase(Key);
    Mu.Unlock();
  }
  void drop(const std::string &Key) {
    Items.erase(Key); // expect: mapguard-unguarded-access {{'erase' on 'Items' without holding 'Mu', which guards it at every access in the other functions (5 of 6 accesses)}} note@-13: {{'Items' is accessed with 'Mu' held here}}
  }
  bool dropUnlessAbsent(const std::string &Key) {
    Mu.Lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'Mu' is still locked when this 'return' leaves}}
    if (Items.count(Key) == 0)
      return false;
    Items.erase(Key);
    Mu.Unlock();
    return true;
  }

private:
  Mutex Mu;
  std::map<std::string, int> Items;
};

// Given the row it locks: not a mutex by its names alone.
class RowLock {
public:
  explicit RowLock(int *Row);
  void lock();
  void unlock();

private:
  int *Row;
};

class Table {
public:
  void put(int Key) {
    Lock.lock();
    Rows[Key] = 1;
    Lock.unlock();
  }
  bool has(int Key) {
    Lock.lock();
    bool Found = Rows.count(Key) != 0;
    Lock.unlock();
    return Found;
  }
  void drop(int Key) { Rows.erase(Key); }

private:
  RowLock Lock{nullptr};
  std::map<int, int> Rows;
};
