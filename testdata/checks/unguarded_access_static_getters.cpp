// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// CHECKS: -*,mapguard-unguarded-access
// mapguard-unguarded-access: a container or mutex reached through a getter that returns a
// function-local static (`Map &cache() { static Map m; return m; }`, a Meyers singleton) is the
// same object at every call: its accesses are counted for the guard, and its guard is the mutex
// another getter returns. Default rules.
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <vector>

static std::map<std::string, int> &globalCache() {
  static std::map<std::string, int> Cache;
  return Cache;
}
static std::mutex &globalMutex() {
  static std::mutex Mu;
  return Mu;
}

void put(const std::string &Key, int Value) {
  std::lock_guard<std::mutex> Lock(globalMutex());
  globalCache()[Key] = Value;
}
int lookup(const std::string &Key) {
  std::lock_guard<std::mutex> Lock(globalMutex());
  auto It = globalCache().find(Key);
  return It == globalCache().end() ? 0 : It->second;
}
// A guard deleted: the getters name the same map and mutex as in the functions above.
void forget(const std::string &Key) {
  globalCache().erase(Key); // expect: mapguard-unguarded-access {{'erase' on 'globalCache()' without holding 'globalMutex()', which guards it at every access in the other functions (3 of 4 accesses); lock 'globalMutex()' here}} note@-9: {{'globalCache()' is accessed with 'globalMutex()' held here}}
}

// Negative twin: the same protocol kept everywhere.
static std::set<int> &liveIds() {
  static std::set<int> Ids;
  return Ids;
}
static std::mutex &liveIdsMutex() {
  static std::mutex Mu;
  return Mu;
}
void addId(int Id) {
  std::lock_guard<std::mutex> Lock(liveIdsMutex());
  liveIds().insert(Id);
}
bool hasId(int Id) {
  std::lock_guard<std::mutex> Lock(liveIdsMutex());
  return liveIds().count(Id) != 0;
}
void dropId(int Id) {
  std::lock_guard<std::mutex> Lock(liveIdsMutex());
  liveIds().erase(Id);
}

// Negative twin: a thread_local static is one container per thread; nothing to guard.
static std::vector<int> &scratch() {
  static thread_local std::vector<int> Buffer;
  return Buffer;
}
static std::mutex ScratchMutex;
void fillScratch(int N) {
  std::lock_guard<std::mutex> Lock(ScratchMutex);
  scratch().push_back(N);
}
int scratchSum() {
  std::lock_guard<std::mutex> Lock(ScratchMutex);
  int Sum = 0;
  for (int V : scratch())
    Sum += V;
  return Sum;
}
void clearScratch() { scratch().clear(); }

// A Meyers singleton: `Registry::instance().Names` from a free function is the member the
// singleton's own functions lock.
class Registry {
public:
  static Registry &instance() {
    static Registry Instance;
    return Instance;
  }
  void add(const std::string &Name) {
    std::lock_guard<std::mutex> Lock(Mu);
    Names.push_back(Name);
  }
  size_t count() {
    std::lock_guard<std::mutex> Lock(Mu);
    return Names.size();
  }
  void removeLast() {
    std::lock_guard<std::mutex> Lock(Mu);
    Names.pop_back();
  }
  std::mutex Mu;
  std::vector<std::string> Names;
};
void resetRegistry() {
  Registry::instance().Names.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Registry::instance().Names' without holding 'Registry::instance().Mu', which guards it at every access in the other functions}} note@-14: {{'Names' is accessed with 'Registry::instance().Mu' held here}}
}
// Negative twin: the free function takes the singleton's mutex.
void resetRegistryLocked() {
  std::lock_guard<std::mutex> Lock(Registry::instance().Mu);
  Registry::instance().Names.clear();
}

// A pointer getter: `(*sessions())` is the same map at every call.
static std::map<int, std::string> *sessions() {
  static std::map<int, std::string> Sessions;
  return &Sessions;
}
static std::mutex SessionsMutex;
void openSession(int Id, const std::string &User) {
  std::lock_guard<std::mutex> Lock(SessionsMutex);
  (*sessions())[Id] = User;
}
void closeSession(int Id) {
  std::lock_guard<std::mutex> Lock(SessionsMutex);
  sessions()->erase(Id);
}
std::string userOf(int Id) {
  std::lock_guard<std::mutex> Lock(SessionsMutex);
  auto It = sessions()->find(Id);
  return It == sessions()->end() ? std::string() : It->second;
}
void closeAll() {
  sessions()->clear(); // expect: mapguard-unguarded-access {{'clear' on '(*sessions())' without holding 'SessionsMutex'}} note@-12: {{'(*sessions())' is accessed with 'SessionsMutex' held here}}
}

// A call through a pointer to member function has no callee to read (libzmq's encoders): neither
// an accessor nor a getter, and no crash.
class Encoder {
public:
  std::vector<int> &buffer() { return Buffer; }
  void step() { (this->*Next)().push_back(1); }

private:
  std::vector<int> &(Encoder::*Next)() = &Encoder::buffer;
  std::vector<int> Buffer;
};

// A registry whose entries register and unregister themselves from their constructor and
// destructor (oatpp's Environment::Component): the constructor has its own object to itself, not
// the global map its helpers change, so a helper it calls is judged at its accesses of the map.
class Environment {
public:
  template <typename T> class Component {
  public:
    explicit Component(std::string Name) : Name(std::move(Name)) { Environment::registerComponent(this->Name, this); }
    ~Component() { Environment::unregisterComponent(Name); }

  private:
    std::string Name;
  };
  static void *getComponent(const std::string &Name) {
    std::lock_guard<std::mutex> Lock(componentsMutex());
    auto It = components().find(Name);
    return It == components().end() ? nullptr : It->second;
  }

private:
  static std::mutex &componentsMutex() {
    static std::mutex Mu;
    return Mu;
  }
  static std::map<std::string, void *> &components() {
    static std::map<std::string, void *> Map;
    return Map;
  }
  static void registerComponent(const std::string &Name, void *Object) {
    std::lock_guard<std::mutex> Lock(componentsMutex());
    components()[Name] = Object;
  }
  static void unregisterComponent(const std::string &Name) {
    components().erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'Environment::components()' without holding 'Environment::componentsMutex()'}} note@-18: {{is accessed with 'Environment::componentsMutex()' held here}}
  }
};

// Twin: a helper the constructor and destructor call on their own object changes only that
// object's map - not shared while it is built or torn down.
class Assembly {
public:
  Assembly() { this->fill(); }
  ~Assembly() { drain(); }
  void add(int Part) {
    std::lock_guard<std::mutex> Lock(Mu);
    Parts.insert(Part);
  }
  bool has(int Part) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Parts.count(Part) != 0;
  }

private:
  void fill() { Parts.insert(0); }
  void drain() { Parts.clear(); }
  std::mutex Mu;
  std::set<int> Parts;
};

// A leaked mutex, one that outlives static destruction (cctz's time-zone map): the getter returns
// what a function-local static pointer points to, the same mutex at every call; the map is a
// global pointer created under the lock on first use.
static std::mutex &zoneMutex() {
  static std::mutex *Mu = new std::mutex;
  return *Mu;
}
static std::map<std::string, int> *ZoneMap = nullptr;
int loadZone(const std::string &Name) {
  std::lock_guard<std::mutex> Lock(zoneMutex());
  if (ZoneMap == nullptr)
    ZoneMap = new std::map<std::string, int>;
  return (*ZoneMap)[Name];
}
bool hasZone(const std::string &Name) {
  std::lock_guard<std::mutex> Lock(zoneMutex());
  return ZoneMap != nullptr && ZoneMap->count(Name) != 0;
}
// A guard deleted.
void clearZones() {
  if (ZoneMap != nullptr)
    ZoneMap->clear(); // expect: mapguard-unguarded-access {{'clear' on 'ZoneMap' without holding 'zoneMutex()', which guards it at every access in the other functions (2 of 3 accesses); lock 'zoneMutex()' here, or use}} note@-9: {{'ZoneMap' is accessed with 'zoneMutex()' held here}}
}

// The same, the mutex kept in a holder that is never destroyed and reached through its
// operator* (abseil's `absl::NoDestructor<absl::Mutex>` behind `FreelistMutex()`): the accesses
// hold it as the holder's pointee, which is the guard's name too.
template <typename T> class NeverDestroyed {
public:
  NeverDestroyed() { new (&Space) T(); }
  T &operator*() { return *reinterpret_cast<T *>(&Space); }

private:
  alignas(T) unsigned char Space[sizeof(T)];
};
static std::mutex &freelistMutex() {
  static NeverDestroyed<std::mutex> Mu;
  return *Mu;
}
static std::vector<void *> *FreeList = nullptr;
void addToFreelist(void *P) {
  std::lock_guard<std::mutex> Lock(freelistMutex());
  if (FreeList == nullptr)
    FreeList = new std::vector<void *>;
  FreeList->push_back(P);
}
void *takeFromFreelist() {
  std::lock_guard<std::mutex> Lock(freelistMutex());
  if (FreeList == nullptr || FreeList->empty())
    return nullptr;
  void *P = FreeList->back();
  FreeList->pop_back();
  return P;
}
// A guard deleted.
void dropFreelist() {
  if (FreeList != nullptr)
    FreeList->clear(); // expect: mapguard-unguarded-access {{'clear' on 'FreeList' without holding 'freelistMutex()', which guards it at every access in the other functions (4 of 5 accesses); lock 'freelistMutex()' here, or use}} note@-13: {{'FreeList' is accessed with 'freelistMutex()' held here}}
}

// A global pointer to a leaked mutex, locked through it.
static std::mutex *HandlersMutex = new std::mutex;
static std::vector<int> Handlers;
void addHandler(int Id) {
  std::lock_guard<std::mutex> Lock(*HandlersMutex);
  Handlers.push_back(Id);
}
bool hasHandler(int Id) {
  std::lock_guard<std::mutex> Lock(*HandlersMutex);
  for (int H : Handlers)
    if (H == Id)
      return true;
  return false;
}
// A guard deleted.
void dropHandlers() {
  Handlers.clear(); // expect: mapguard-unguarded-access {{'clear' on 'Handlers' without holding '*HandlersMutex', which guards it at every access in the other functions (2 of 3 accesses); lock '*HandlersMutex' here, or make the guard explicit: annotate 'Handlers' with GUARDED_BY(*HandlersMutex)}} note@-11: {{'Handlers' is accessed with '*HandlersMutex' held here}}
}

// Negative twin: the same leaked mutex, taken by every function.
static std::mutex &codecMutex() {
  static std::mutex *Mu = new std::mutex;
  return *Mu;
}
static std::map<std::string, int> *Codecs = nullptr;
void addCodec(const std::string &Name, int Id) {
  std::lock_guard<std::mutex> Lock(codecMutex());
  if (Codecs == nullptr)
    Codecs = new std::map<std::string, int>;
  (*Codecs)[Name] = Id;
}
void clearCodecs() {
  std::lock_guard<std::mutex> Lock(codecMutex());
  if (Codecs != nullptr)
    Codecs->clear();
}
