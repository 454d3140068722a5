// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// A project's own mutex and guard classes need no configuration: mapguard reads their bodies (a
// class whose methods leave a member mutex locked and unlocked is a mutex; a class whose
// constructor locks the mutex it is given and whose destructor unlocks it is a scoped guard),
// and, where the bodies are in another file, the lock model's method names. Every check sees
// them. Each hazard has a negative twin.
#include <map>
#include <pthread.h>
#include <set>
#include <string>

namespace port {
// leveldb/RocksDB style: pthread inside, bodies visible.
class Mutex {
public:
  Mutex() { pthread_mutex_init(&mu_, nullptr); }
  ~Mutex() { pthread_mutex_destroy(&mu_); }
  void Lock() { pthread_mutex_lock(&mu_); }
  void Unlock() { pthread_mutex_unlock(&mu_); }

private:
  pthread_mutex_t mu_;
};

class MutexLock {
public:
  explicit MutexLock(Mutex *mu) : mu_(mu) { this->mu_->Lock(); }
  ~MutexLock() { this->mu_->Unlock(); }
  MutexLock(const MutexLock &) = delete;
  MutexLock &operator=(const MutexLock &) = delete;

private:
  Mutex *const mu_;
};

// Windows-style names no list knows: the bodies say which is the lock and which the unlock.
class CriticalSection {
public:
  void Enter() { pthread_mutex_lock(&cs_); }
  void Leave() { pthread_mutex_unlock(&cs_); }

private:
  pthread_mutex_t cs_ = PTHREAD_MUTEX_INITIALIZER;
};

class Guard {
public:
  explicit Guard(CriticalSection &cs) : cs_(cs) { cs_.Enter(); }
  ~Guard() { cs_.Leave(); }

private:
  CriticalSection &cs_;
};

// A reader/writer wrapper and its two guards; shared by what the constructor calls.
class RWMutex {
public:
  void ReadLock() { pthread_rwlock_rdlock(&rw_); }
  void WriteLock() { pthread_rwlock_wrlock(&rw_); }
  void ReadUnlock() { pthread_rwlock_unlock(&rw_); }
  void WriteUnlock() { pthread_rwlock_unlock(&rw_); }

private:
  pthread_rwlock_t rw_ = PTHREAD_RWLOCK_INITIALIZER;
};

class ReadLock {
public:
  explicit ReadLock(RWMutex *mu) : mu_(mu) { mu_->ReadLock(); }
  ~ReadLock() { mu_->ReadUnlock(); }

private:
  RWMutex *mu_;
};

class WriteLock {
public:
  explicit WriteLock(RWMutex *mu) : mu_(mu) { mu_->WriteLock(); }
  ~WriteLock() { mu_->WriteUnlock(); }

private:
  RWMutex *mu_;
};

// Bodies in another file: a mutex member and the model's method names.
class OpaqueMutex {
public:
  void Lock();
  void Unlock();

private:
  pthread_mutex_t mu_;
};
} // namespace port

// A guard declared by a macro needs nothing more.
#define LOCK(cs) port::Guard lock_##cs(cs)

class SessionTable {
public:
  void Add(const std::string &Id) {
    port::MutexLock L(&mu_);
    sessions_[Id] = 1;
  }
  bool Has(const std::string &Id) {
    port::MutexLock L(&mu_);
    return sessions_.count(Id) != 0;
  }
  void Remove(const std::string &Id) {
    sessions_.erase(Id); // expect: mapguard-unguarded-access {{'erase' on 'sessions_' without holding 'mu_', which guards it at every access in the other functions (2 of 3 accesses)}} note@-7: {{'sessions_' is accessed with 'mu_' held here}}
  }

private:
  port::Mutex mu_;
  std::map<std::string, int> sessions_;
};

// Negative twin: every access under the project's guard.
class GuardedSessionTable {
public:
  void Add(const std::string &Id) {
    port::MutexLock L(&mu_);
    sessions_[Id] = 1;
  }
  void Remove(const std::string &Id) {
    port::MutexLock L(&mu_);
    sessions_.erase(Id);
  }

private:
  port::Mutex mu_;
  std::map<std::string, int> sessions_;
};

class Registry {
public:
  void Register(int Id) {
    LOCK(cs_);
    ids_.insert(Id);
  }
  void Unregister(int Id) {
    LOCK(cs_);
    ids_.erase(Id);
  }
  bool Known(int Id) {
    return ids_.count(Id) != 0; // expect: mapguard-unguarded-access {{'count' on 'ids_' in a function that does not lock 'cs_', which guards it at every access in the other functions (3 of 4 accesses}} note@-7: {{accessed with 'cs_' held here}}
  }
  // Locked and unlocked by hand with the wrapper's own names.
  bool KnownByHand(int Id) {
    cs_.Enter();
    bool Found = ids_.count(Id) != 0;
    cs_.Leave();
    return Found;
  }

private:
  port::CriticalSection cs_;
  std::set<int> ids_;
};

// Manual locking with the wrapper: a return skips Leave().
int countOrFail(port::CriticalSection &cs, const std::set<int> &ids, bool fail) {
  cs.Enter(); // expect: mapguard-manual-lock {{'cs' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'cs' is still locked when this 'return' leaves}}
  if (fail)
    return -1;
  int n = static_cast<int>(ids.size());
  cs.Leave();
  return n;
}

// Negative twin: every path leaves.
int countAlways(port::CriticalSection &cs, const std::set<int> &ids, bool fail) {
  cs.Enter();
  int n = fail ? -1 : static_cast<int>(ids.size());
  cs.Leave();
  return n;
}

class Routes {
public:
  int Lookup(int Key) {
    port::ReadLock L(&mu_);
    auto It = table_.find(Key);
    return It == table_.end() ? 0 : It->second;
  }
  int LookupOrAdd(int Key) {
    port::ReadLock L(&mu_);
    return table_[Key]; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'table_' while 'mu_' is held only shared}} note@-1: {{'mu_' is locked shared here}}
  }
  void Set(int Key, int Value) {
    port::WriteLock L(&mu_);
    table_[Key] = Value; // the negative twin: the writer guard
  }

private:
  port::RWMutex mu_;
  std::map<int, int> table_;
};

class Opaque {
public:
  void Put(int Key) {
    mu_.Lock();
    keys_.insert(Key);
    mu_.Unlock();
  }
  void Drop(int Key) {
    mu_.Lock();
    keys_.erase(Key);
    mu_.Unlock();
  }
  size_t Size() const { return keys_.count(0); } // expect: mapguard-unguarded-access {{'count' on 'keys_' in a function that does not lock 'mu_', which guards it at every access in the other functions (2 of 3 accesses}} note@-8: {{accessed with 'mu_' held here}}

private:
  mutable port::OpaqueMutex mu_;
  std::set<int> keys_;
};

// Negative twin: a class with lock-like names but no mutex member is not a mutex, and a member
// function that locks and unlocks its own mutex is not a lock function.
class Door {
public:
  void Lock() { locked_ = true; }
  void Unlock() { locked_ = false; }

private:
  bool locked_ = false;
};

class Counter {
public:
  void Bump(int Key) {
    mu_.Lock();
    counts_[Key]++;
    mu_.Unlock();
  }
  void BumpTwice(int Key) {
    Bump(Key);
    Bump(Key);
  }

private:
  port::Mutex mu_;
  std::map<int, int> counts_;
};

class Users {
public:
  void Visit(Door &D, Counter &C, int Key) {
    D.Lock();
    C.Bump(Key);
    names_.insert(Key);
    D.Unlock();
  }
  void Leave(int Key) { names_.erase(Key); }

private:
  std::set<int> names_;
};

// A class derived from a project mutex is a mutex (RocksDB's CacheAlignedInstrumentedMutex): the
// guard owns a relock by hand under it; without the guard, a return skips the unlock.
class AlignedMutex : public port::Mutex {};
int recover();

class Recovery {
public:
  int Resume(bool Stopped) {
    port::MutexLock L(&mu_);
    if (Stopped)
      return 0;
    mu_.Unlock();
    int Status = recover();
    mu_.Lock();
    return Status;
  }
  int ResumeByHand(bool Stopped) {
    mu_.Lock(); // expect: mapguard-manual-lock {{'mu_' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'mu_' is still locked when this 'return' leaves}}
    if (Stopped)
      return 0;
    mu_.Unlock();
    return 1;
  }

private:
  AlignedMutex mu_;
};

// Poco style: the mutex derives privately from its platform implementation and locks through the
// inherited methods; the guard is a class template over the mutex type. Both are read from
// their bodies.
namespace poco {
class MutexImpl {
protected:
  MutexImpl() { pthread_mutex_init(&mutex_, nullptr); }
  ~MutexImpl() { pthread_mutex_destroy(&mutex_); }
  void lockImpl() { pthread_mutex_lock(&mutex_); }
  void unlockImpl() { pthread_mutex_unlock(&mutex_); }

private:
  pthread_mutex_t mutex_;
};
template <class M> class ScopedLock {
public:
  explicit ScopedLock(M &mutex) : mutex_(mutex) { mutex_.lock(); }
  ~ScopedLock() {
    try {
      mutex_.unlock();
    } catch (...) {
    }
  }

private:
  M &mutex_;
};
class FastMutex : private MutexImpl {
public:
  using ScopedLock = poco::ScopedLock<FastMutex>;
  void lock() { lockImpl(); }
  void unlock() { unlockImpl(); }
};
} // namespace poco

class CollectorRegistry {
public:
  void add(const std::string &Name, int Id) {
    poco::FastMutex::ScopedLock Lock(mutex_);
    collectors_[Name] = Id;
  }
  int find(const std::string &Name) {
    poco::FastMutex::ScopedLock Lock(mutex_);
    auto It = collectors_.find(Name);
    return It == collectors_.end() ? 0 : It->second;
  }
  void remove(const std::string &Name) {
    collectors_.erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'collectors_' without holding 'mutex_', which guards it at every access in the other functions (3 of 4 accesses)}} note@-8: {{'collectors_' is accessed with 'mutex_' held here}}
  }
  void removeLocked(const std::string &Name) { // negative twin
    poco::FastMutex::ScopedLock Lock(mutex_);
    collectors_.erase(Name);
  }

private:
  std::map<std::string, int> collectors_;
  poco::FastMutex mutex_;
};

// Poco's reader/writer guard chooses by a flag: `ScopedLock(rw)` reads, `ScopedLock(rw, true)`
// writes. The flag at each construction decides.
namespace poco {
class RWLockImpl {
protected:
  void readLockImpl() { pthread_rwlock_rdlock(&rwl_); }
  void writeLockImpl() { pthread_rwlock_wrlock(&rwl_); }
  void unlockImpl() { pthread_rwlock_unlock(&rwl_); }

private:
  pthread_rwlock_t rwl_;
};
class RWLock;
class ScopedRWLock {
public:
  ScopedRWLock(RWLock &rwl, bool write = false);
  ~ScopedRWLock();

private:
  RWLock &rwl_;
};
class RWLock : private RWLockImpl {
public:
  using ScopedLock = ScopedRWLock;
  void readLock() { readLockImpl(); }
  void writeLock() { writeLockImpl(); }
  void unlock() { unlockImpl(); }
};
inline ScopedRWLock::ScopedRWLock(RWLock &rwl, bool write) : rwl_(rwl) {
  if (write)
    rwl_.writeLock();
  else
    rwl_.readLock();
}
inline ScopedRWLock::~ScopedRWLock() { rwl_.unlock(); }
} // namespace poco

class EncodingManager {
public:
  void add(const std::string &Name, int Id) {
    poco::RWLock::ScopedLock Lock(lock_, true);
    encodings_[Name] = Id;
  }
  void addWhileReading(const std::string &Name, int Id) {
    poco::RWLock::ScopedLock Lock(lock_);
    encodings_[Name] = Id; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'encodings_' while 'lock_' is held only shared}} note@-1: {{'lock_' is locked shared here}}
  }
  int find(const std::string &Name) const {
    poco::RWLock::ScopedLock Lock(lock_);
    auto It = encodings_.find(Name);
    return It == encodings_.end() ? 0 : It->second;
  }

private:
  std::map<std::string, int> encodings_;
  mutable poco::RWLock lock_;
};

// Poco's ScopedReadRWLock and ScopedWriteRWLock derive from that guard and fix its flag in their
// base initializer: guards too, of the kind the flag picks.
namespace poco {
class ScopedReadRWLock : public ScopedRWLock {
public:
  explicit ScopedReadRWLock(RWLock &rwl) : ScopedRWLock(rwl, false) {}
  ~ScopedReadRWLock() {}
};
class ScopedWriteRWLock : public ScopedRWLock {
public:
  explicit ScopedWriteRWLock(RWLock &rwl) : ScopedRWLock(rwl, true) {}
  ~ScopedWriteRWLock() {}
};
} // namespace poco

class CodecRegistry {
public:
  void add(const std::string &Name, int Id) {
    poco::ScopedWriteRWLock Lock(lock_);
    codecs_[Name] = Id;
  }
  void addWhileReading(const std::string &Name, int Id) {
    poco::ScopedReadRWLock Lock(lock_);
    codecs_[Name] = Id; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'codecs_' while 'lock_' is held only shared}} note@-1: {{'lock_' is locked shared here}}
  }
  int find(const std::string &Name) const {
    poco::ScopedReadRWLock Lock(lock_);
    auto It = codecs_.find(Name);
    return It == codecs_.end() ? 0 : It->second;
  }
  void drop(const std::string &Name) {
    codecs_.erase(Name); // expect: mapguard-unguarded-access {{'erase' on 'codecs_' without holding 'lock_', which guards it at every access in the other functions (4 of 5 accesses)}} note@-12: {{'codecs_' is accessed with 'lock_' held here}}
  }
  // Twin: erased under the writer guard.
  void dropLocked(const std::string &Name) {
    poco::ScopedWriteRWLock Lock(lock_);
    codecs_.erase(Name);
  }

private:
  std::map<std::string, int> codecs_;
  mutable poco::RWLock lock_;
};

// A spin lock over an atomic meets the standard's BasicLockable (lock(), unlock()) with state of
// its own: a mutex, whatever its bodies do (tkrzw's SpinSharedMutex); lock_shared() makes it a
// reader-writer one.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
class SpinSharedMutex {
public:
  void lock() { while (Count.exchange(-1) != 0) std::this_thread::yield(); }
  void unlock() { Count.store(0); }
  void lock_shared() { Count.fetch_add(1); }
  void unlock_shared() { Count.fetch_sub(1); }
private:
  std::atomic<int> Count{0};
};
class SpinTable {
public:
  void put(int K) { std::lock_guard<SpinSharedMutex> Lock(Mu); Items[K] = K; }
  void drop(int K) { std::lock_guard<SpinSharedMutex> Lock(Mu); Items.erase(K); }
  bool has(int K) { std::shared_lock<SpinSharedMutex> Lock(Mu); return Items.count(K) != 0; }
  void set(int K) { std::shared_lock<SpinSharedMutex> Lock(Mu); Items[K] = 0; } // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Items' while 'Mu' is held only shared}} note: {{'Mu' is locked shared here}}
  void forget(int K) { Items.erase(K); } // expect: mapguard-unguarded-access {{'erase' on 'Items' without holding 'Mu', which guards it at every access in the other functions (4 of 5 accesses)}} note@-4: {{'Items' is accessed with 'Mu' held here}}
private:
  SpinSharedMutex Mu;
  std::map<int, int> Items;
};
// lock() returning a handle, and no unlock(): not a lock (std::weak_ptr's shape).
struct WeakOwner {
  std::shared_ptr<int> lock() const;
};
class OwnerTable {
public:
  void put(int K) { auto P = Owner.lock(); Items[K] = K; }
  void drop(int K) { auto P = Owner.lock(); Items.erase(K); }
  void forget(int K) { Items.erase(K); }
private:
  WeakOwner Owner;
  std::map<int, int> Items;
};
// const lock()/unlock() that reach their own member through `const_cast<Mutex *>(this)`, and a
// nested guard over a pointer to it (ZeroTier's Mutex and Mutex::Lock).
class ConstLockMutex {
public:
  ConstLockMutex() { pthread_mutex_init(&Handle, nullptr); }
  ~ConstLockMutex() { pthread_mutex_destroy(&Handle); }
  void lock() const { pthread_mutex_lock(&((const_cast<ConstLockMutex *>(this))->Handle)); }
  void unlock() const { pthread_mutex_unlock(&((const_cast<ConstLockMutex *>(this))->Handle)); }
  class Lock {
  public:
    Lock(const ConstLockMutex &M) : Held(const_cast<ConstLockMutex *>(&M)) { Held->lock(); }
    ~Lock() { Held->unlock(); }
  private:
    ConstLockMutex *const Held;
  };
private:
  pthread_mutex_t Handle;
};
class PeerTable {
public:
  void put(int K) { ConstLockMutex::Lock L(PeersLock); Peers[K] = K; }
  void drop(int K) { ConstLockMutex::Lock L(PeersLock); Peers.erase(K); } // twin: held
  bool has(int K) const { ConstLockMutex::Lock L(PeersLock); return Peers.count(K) != 0; }
  void forget(int K) { Peers.erase(K); } // expect: mapguard-unguarded-access {{'erase' on 'Peers' without holding 'PeersLock', which guards it at every access in the other functions (3 of 4 accesses)}} note@-3: {{'Peers' is accessed with 'PeersLock' held here}}
private:
  std::map<int, int> Peers;
  ConstLockMutex PeersLock;
};
// The platform mutex behind a project typedef of its own (gflags' and glog's `typedef
// pthread_rwlock_t MutexType;`, locked behind a macro that checks a flag first): still a mutex.
// Twin: the same class over a typedef of a condition variable locks nothing.
typedef pthread_rwlock_t RwMutexType;
#define LOCK_IF_SAFE(fncall)                                                                                          \
  do {                                                                                                                 \
    if (IsSafe && fncall(&Handle) != 0)                                                                                \
      abort();                                                                                                         \
  } while (0)
class TypedefMutex {
public:
  inline void Lock();
  inline void Unlock();
private:
  RwMutexType Handle;
  volatile bool IsSafe = true;
};
void TypedefMutex::Lock() { LOCK_IF_SAFE(pthread_rwlock_wrlock); }
void TypedefMutex::Unlock() { LOCK_IF_SAFE(pthread_rwlock_unlock); }
class FlagTable {
public:
  void set(int K) { Mu.Lock(); Flags[K] = K; Mu.Unlock(); }
  bool has(int K) { Mu.Lock(); bool Found = Flags.count(K) != 0; Mu.Unlock(); return Found; }
  void reset(int K) { Flags.erase(K); } // expect: mapguard-unguarded-access {{'erase' on 'Flags' without holding 'Mu', which guards it at every access in the other functions (2 of 3 accesses)}} note@-2: {{'Flags' is accessed with 'Mu' held here}}
private:
  std::map<int, int> Flags;
  TypedefMutex Mu;
};
typedef pthread_cond_t CondType;
class TypedefSignal {
public:
  void Lock() { pthread_cond_signal(&Handle); }
  void Unlock() { pthread_cond_broadcast(&Handle); }
private:
  CondType Handle;
};
class SignalTable {
public:
  void set(int K) { Cv.Lock(); Flags[K] = K; Cv.Unlock(); }
  bool has(int K) { Cv.Lock(); bool Found = Flags.count(K) != 0; Cv.Unlock(); return Found; }
  void reset(int K) { Flags.erase(K); } // twin: no mutex
private:
  std::map<int, int> Flags;
  TypedefSignal Cv;
};
