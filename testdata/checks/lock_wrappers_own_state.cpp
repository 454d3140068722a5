// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// A lock class that is also the object its lock protects (gflags' and abseil's flag registries):
// `void Lock() { lock_.Lock(); }` beside the maps it keeps, locked by a guard of its own given the
// registry, or by its own functions. A lock of the registry is a lock of `lock_`, the member its
// lock functions lock, so `lock_` guards the maps, and the one access without any lock breaks the
// protocol; a call without the lock of a helper that says its caller holds it breaks it too.
// Twins: the same shapes locked everywhere; a parser that points to the registry and
// reads it under its lock, whose own maps that lock does not guard; a class whose lock functions
// lock two different members (a lock of the object names neither); a project mutex wrapper used as
// a member of another class, which stays that class's guard under its own name.
#include <map>
#include <mutex>
#include <string>
#include <vector>

class Mutex {
public:
  void Lock() { Mu.lock(); }
  void Unlock() { Mu.unlock(); }

private:
  std::mutex Mu;
};

// gflags' shape: a pointer guard, the registry's own Lock()/Unlock() over a project Mutex,
// friends that reach into the maps.
class FlagRegistry {
public:
  void Lock() { lock_.Lock(); }
  void Unlock() { lock_.Unlock(); }
  void RegisterFlag(const std::string &Name, int Value) {
    Lock();
    flags_[Name] = Value;
    Unlock();
  }
  static FlagRegistry *GlobalRegistry();

private:
  friend void SetAllFlags(int Value);
  friend int SumOfFlags();
  friend void DropFlag(const std::string &Name);
  std::map<std::string, int> flags_;
  Mutex lock_;
};

class FlagRegistryLock {
public:
  explicit FlagRegistryLock(FlagRegistry *Registry) : Registry(Registry) { Registry->Lock(); }
  ~FlagRegistryLock() { Registry->Unlock(); }

private:
  FlagRegistry *const Registry;
};

void SetAllFlags(int Value) {
  FlagRegistry *Registry = FlagRegistry::GlobalRegistry();
  FlagRegistryLock Lock(Registry);
  for (auto &Flag : Registry->flags_)
    Flag.second = Value;
}

int SumOfFlags() {
  FlagRegistry *Registry = FlagRegistry::GlobalRegistry();
  FlagRegistryLock Lock(Registry);
  int Sum = 0;
  for (const auto &Flag : Registry->flags_)
    Sum += Flag.second;
  return Sum;
}

void DropFlag(const std::string &Name) {
  FlagRegistry *Registry = FlagRegistry::GlobalRegistry();
  Registry->flags_.erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'Registry->flags_' without holding 'Registry->lock_', which guards it at every access in the other functions (3 of 4 accesses)}} note@-40: {{'flags_' is accessed with 'Registry->lock_' held here}}
}

// Twin: a parser that points to the registry and reads it under the registry's lock keeps maps
// of its own, which that lock does not guard (gflags' CommandLineFlagParser, a local of each
// parse): its accesses without the lock are no finding.
class FlagParser {
public:
  explicit FlagParser(FlagRegistry *Registry) : Registry(Registry) {}
  void noteError(const std::string &Name, const std::string &Message) {
    FlagRegistryLock Lock(Registry);
    Errors[Name] = Message;
  }
  void clearError(const std::string &Name) {
    FlagRegistryLock Lock(Registry);
    Errors.erase(Name);
  }
  bool hasErrors() const { return !Errors.empty() && Errors.begin()->second.size() > 0; }

private:
  FlagRegistry *const Registry;
  std::map<std::string, std::string> Errors;
};

// abseil's shape: a reference guard built on `*this`, lower-case lock functions over a standard
// mutex, an upper-case pair that calls them.
class Registry {
public:
  void lock() { lock_.lock(); }
  void Lock() { lock(); }
  void unlock() { lock_.unlock(); }
  void Unlock() { unlock(); }
  int *Find(const std::string &Name);
  void Register(const std::string &Name, int *Value);
  void Forget(const std::string &Name);
  std::vector<std::string> Names();

private:
  std::map<std::string, int *> flags_;
  std::mutex lock_;
};

class RegistryLock {
public:
  explicit RegistryLock(Registry &Owner) : Owner(Owner) { Owner.lock(); }
  ~RegistryLock() { Owner.unlock(); }

private:
  Registry &Owner;
};

int *Registry::Find(const std::string &Name) {
  RegistryLock Lock(*this);
  auto It = flags_.find(Name);
  return It != flags_.end() ? It->second : nullptr;
}

void Registry::Register(const std::string &Name, int *Value) {
  RegistryLock Lock(*this);
  flags_.emplace(Name, Value);
}

void Registry::Forget(const std::string &Name) {
  Lock();
  flags_.erase(Name);
  Unlock();
}

std::vector<std::string> Registry::Names() {
  std::vector<std::string> Out;
  for (const auto &Flag : flags_) // expect: mapguard-unguarded-access {{iteration over 'flags_' in a function that does not lock 'lock_', which guards it at every access in the other functions (4 of 5 accesses)}} note@-17: {{'flags_' is accessed with 'lock_' held here}}
    Out.push_back(Flag.first);
  return Out;
}

// Negative twin of both: the same registry locked at every access.
class LockedRegistry {
public:
  void lock() { lock_.lock(); }
  void unlock() { lock_.unlock(); }
  void Register(const std::string &Name, int Value);
  int Find(const std::string &Name);
  std::vector<std::string> Names();

private:
  std::map<std::string, int> flags_;
  std::mutex lock_;
};

void LockedRegistry::Register(const std::string &Name, int Value) {
  std::lock_guard<LockedRegistry> Lock(*this);
  flags_[Name] = Value;
}

int LockedRegistry::Find(const std::string &Name) {
  std::lock_guard<LockedRegistry> Lock(*this);
  auto It = flags_.find(Name);
  return It != flags_.end() ? It->second : 0;
}

std::vector<std::string> LockedRegistry::Names() {
  lock();
  std::vector<std::string> Out;
  for (const auto &Flag : flags_)
    Out.push_back(Flag.first);
  unlock();
  return Out;
}

// Code that is no friend takes a catalog's lock through `std::lock_guard` to call the helper that
// says its caller holds it; one call does not (gflags' `GetCommandLineOption()` with its
// `FlagRegistryLock` deleted): the lock of an object that is its own lock is one any code can
// take, so the call breaks the helper's contract.
class Catalog {
public:
  void lock() { Mu.lock(); }
  void unlock() { Mu.unlock(); }
  void add(const std::string &Name, int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    Entries[Name] = Value;
  }
  const int *findLocked(const std::string &Name) const {
    auto It = Entries.find(Name);
    return It == Entries.end() ? nullptr : &It->second;
  }

private:
  std::map<std::string, int> Entries;
  std::mutex Mu;
};

int entryOr(Catalog &C, const std::string &Name, int Default) {
  std::lock_guard<Catalog> Lock(C);
  const int *Entry = C.findLocked(Name);
  return Entry != nullptr ? *Entry : Default;
}

bool hasEntry(Catalog &C, const std::string &Name) {
  return C.findLocked(Name) != nullptr; // expect: mapguard-unguarded-access {{call to 'findLocked', which reads 'Entries', without holding 'Mu', which its other callers hold and which guards it at every access in the other functions (1 of 1 accesses)}} note@-16: {{'find' on 'Entries' here}} note@-5: {{'findLocked' is called with 'Mu' held here}}
}

// A board that is its own lock, as std::lock_guard takes it from outside.
struct Board {
  void lock() { Mu.lock(); }
  void unlock() { Mu.unlock(); }
  std::vector<int> Cells;
  std::mutex Mu;
};

void place(Board &B, int Cell) {
  std::lock_guard<Board> Lock(B);
  B.Cells.push_back(Cell);
}

bool occupied(Board &B, int Cell) {
  std::lock_guard<Board> Lock(B);
  for (int Taken : B.Cells)
    if (Taken == Cell)
      return true;
  return false;
}

void reset(Board &B) {
  B.Cells.clear(); // expect: mapguard-unguarded-access {{'clear' on 'B.Cells' without holding 'B.Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-12: {{'B.Cells' is accessed with 'B.Mu' held here}}
}

// Twin: a class whose lock functions lock two different members - a lock of the object names
// neither, and the access under it is no evidence either way.
class TwoLocks {
public:
  void lock() {
    First.lock();
    Second.lock();
  }
  void unlock() {
    Second.unlock();
    First.unlock();
  }
  void add(int Value) {
    std::lock_guard<std::mutex> Lock(First);
    Items.push_back(Value);
  }
  void remove() {
    std::lock_guard<std::mutex> Lock(First);
    Items.pop_back();
  }
  void replace(int Value) {
    std::lock_guard<TwoLocks> Lock(*this);
    Items.assign(1, Value);
  }

private:
  std::vector<int> Items;
  std::mutex First, Second;
};

// Twin: a project mutex wrapper as a member of another class guards that class's map under its
// own name, as before.
class Sessions {
public:
  void open(int Id) {
    Mu.Lock();
    Open[Id] = true;
    Mu.Unlock();
  }
  bool isOpen(int Id) {
    Mu.Lock();
    bool Found = Open.count(Id) != 0;
    Mu.Unlock();
    return Found;
  }
  void close(int Id) { Open.erase(Id); } // expect: mapguard-unguarded-access {{'erase' on 'Open' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-9: {{'Open' is accessed with 'Mu' held here}}

private:
  std::map<int, bool> Open;
  Mutex Mu;
};
