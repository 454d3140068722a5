// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// CHECKS: -*,mapguard-unguarded-access
// mapguard-unguarded-access, rule call-breaks-consistent-guard (off by default since its first run on log4cplus; enabled here): a call, without the
// mutex the function's other callers hold, of a function that reads or changes a container with no
// lock of its own, where every access in the other functions holds that mutex - the shape a guard
// deleted around a helper call leaves. Reported at the call, where the lock is missing.
// A helper whose name says its caller holds the lock is judged so too. Default rules only: each
// negative twin below has no finding.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

// A guard deleted around the call of a public reader (oatpp's ContentMappers::selectMapper).
class ContentMappers {
public:
  void put(const std::string &Type, int Mapper) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Index[Type] = Mapper;
  }
  int get(const std::string &Type) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    auto It = Index.find(Type);
    return It == Index.end() ? 0 : It->second;
  }
  int select(const std::vector<std::string> &Types) const {
    for (const std::string &Type : Types) {
      auto It = Index.find(Type);
      if (It != Index.end())
        return It->second;
    }
    return 0;
  }
  int selectForHeader(const std::string &Header) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return select({Header});
  }
  int selectForList(const std::vector<std::string> &Types) const {
    return select(Types); // expect: mapguard-unguarded-access {{call to 'select', which reads 'Index', without holding 'Mu', which its other callers hold and which guards it at every access in the other functions (5 of 7 accesses); lock 'Mu' here}} note@-11: {{'find' on 'Index' here}} note@-3: {{'select' is called with 'Mu' held here}}
  }

private:
  mutable std::shared_mutex Mu;
  std::map<std::string, int> Index;
};

// A private helper that erases, called by an expiry without the lock the other callers take.
class Sessions {
public:
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Open[Id] = "new";
  }
  bool isOpen(int Id) const {
    std::lock_guard<std::mutex> Lock(Mu);
    return Open.count(Id) != 0;
  }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    drop(Id);
  }
  void expire(int Id) {
    drop(Id); // expect: mapguard-unguarded-access {{call to 'drop', which changes 'Open', without holding 'Mu', which its other callers hold}} note@+7: {{'erase' on 'Open' here}} note@-3: {{'drop' is called with 'Mu' held here}}
  }

private:
  void drop(int Id) {
    auto It = Open.find(Id);
    if (It != Open.end())
      Open.erase(It);
  }
  mutable std::mutex Mu;
  std::map<int, std::string> Open;
};

// A helper whose name says its caller holds the lock (gflags' `FlagRegistry::FindFlagLocked()`):
// by contract its accesses are its callers', and the one call made without the lock breaks that
// contract. Twin: a caller that says so too (`renameLocked`) passes the contract on.
class FlagIndex {
public:
  int *findLocked(const std::string &Name) {
    auto It = Flags.find(Name);
    return It == Flags.end() ? nullptr : &It->second;
  }
  void set(const std::string &Name, int Value) {
    std::lock_guard<std::mutex> Lock(Mu);
    if (int *Flag = findLocked(Name))
      *Flag = Value;
  }
  bool has(const std::string &Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    return findLocked(Name) != nullptr;
  }
  void add(const std::string &Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    Flags.emplace(Name, 0);
  }
  int get(const std::string &Name) {
    int *Flag = findLocked(Name); // expect: mapguard-unguarded-access {{call to 'findLocked', which reads 'Flags', without holding 'Mu', which its other callers hold and which guards it at every access in the other functions (1 of 1 accesses); lock 'Mu' here}} note@-17: {{'find' on 'Flags' here}} note@-12: {{'findLocked' is called with 'Mu' held here}}
    return Flag != nullptr ? *Flag : 0;
  }
  void renameLocked(const std::string &From, const std::string &To) {
    if (int *Flag = findLocked(From))
      Flags[To] = *Flag;
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Flags;
};

// Twin: every call holds the lock, also the one in a private function called only under it.
class LockedEverywhere {
public:
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Open[Id] = "new";
  }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    drop(Id);
  }
  void expire(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    expireHeld(Id);
  }

private:
  void expireHeld(int Id) { drop(Id); }
  void drop(int Id) { Open.erase(Id); }
  std::mutex Mu;
  std::map<int, std::string> Open;
};

// Twin: the unlocked calls are made where no other thread can use the object (the constructor)
// or by a function whose name says its caller holds the lock.
class ByContract {
public:
  explicit ByContract(int Id) { drop(Id); }
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Open[Id] = "new";
  }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    drop(Id);
  }
  void closeLocked(int Id) { drop(Id); }

private:
  void drop(int Id) { Open.erase(Id); }
  std::mutex Mu;
  std::map<int, std::string> Open;
};

// Twin: the container has no consistent guard (another function reads it unlocked), so the
// unlocked call breaks no protocol: a majority at most (inferred-guard, off by default).
class NoProtocol {
public:
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Open[Id] = "new";
  }
  bool known(int Id) const { return Open.count(Id) != 0; }
  void close(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    drop(Id);
  }
  void expire(int Id) { drop(Id); }

private:
  void drop(int Id) { Open.erase(Id); }
  mutable std::mutex Mu;
  std::map<int, std::string> Open;
};

// Twin: the helper locks for itself; every call is safe.
class SelfLocking {
public:
  void open(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Open[Id] = "new";
  }
  void close(int Id) { drop(Id); }
  void expire(int Id) { drop(Id); }

private:
  void drop(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Open.erase(Id);
  }
  std::mutex Mu;
  std::map<int, std::string> Open;
};

// A guard deleted from a function that reads the container and calls the helper that changes it:
// one finding for the function (the call), not one per access.
class Registry {
public:
  void add(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Id] = 1;
  }
  void remove(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    eraseItem(Id);
  }
  int purge(int Id) {
    int Count = static_cast<int>(Items.count(Id));
    eraseItem(Id); // expect: mapguard-unguarded-access {{call to 'eraseItem', which changes 'Items', without holding 'Mu', which its other callers hold}} note@+5: {{'erase' on 'Items' here}} note@-4: {{'eraseItem' is called with 'Mu' held here}}
    return Count;
  }

private:
  void eraseItem(int Id) { Items.erase(Id); }
  std::mutex Mu;
  std::map<int, int> Items;
};
