// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// A project's guard class template that locks through member functions of its own (oneTBB's
// unique_scoped_lock: the constructor calls `acquire(m)`, which stores the mutex and locks it;
// the destructor calls `release()`, which unlocks the stored one) is a guard: the accesses under it
// hold the mutex, and the one access without it breaks the protocol (default rules). Twin: the
// same shape whose acquire() only records the mutex locks nothing, and there is no guard.
#include <atomic>
#include <set>

template <typename Mutex> class unique_scoped_lock {
public:
  unique_scoped_lock(Mutex &M) { acquire(M); }
  unique_scoped_lock(const unique_scoped_lock &) = delete;
  ~unique_scoped_lock() {
    if (Held)
      release();
  }
  void acquire(Mutex &M) {
    Held = &M;
    M.lock();
  }
  void release() {
    Held->unlock();
    Held = nullptr;
  }

private:
  Mutex *Held = nullptr;
};

class spin_mutex {
public:
  using scoped_lock = unique_scoped_lock<spin_mutex>;
  void lock() {
    while (Flag.exchange(true, std::memory_order_acquire)) {
    }
  }
  void unlock() { Flag.store(false, std::memory_order_release); }

private:
  std::atomic<bool> Flag{false};
};

class Controls {
public:
  void add(int Value) {
    spin_mutex::scoped_lock Lock(Mu);
    Active.insert(Value);
  }
  bool has(int Value) {
    spin_mutex::scoped_lock Lock(Mu);
    return Active.count(Value) != 0;
  }
  void remove(int Value) {
    spin_mutex::scoped_lock Lock(Mu);
    Active.erase(Value);
  }
  void reset() { Active.clear(); } // expect: mapguard-unguarded-access {{'clear' on 'Active' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-10: {{'Active' is accessed with 'Mu' held here}}

private:
  std::set<int> Active;
  spin_mutex Mu;
};

// Negative twin: a scope object whose acquire() only records what it was given.
template <typename Mutex> class scope_marker {
public:
  scope_marker(Mutex &M) { acquire(M); }
  ~scope_marker() {
    if (Seen)
      release();
  }
  void acquire(Mutex &M) { Seen = &M; }
  void release() { Seen = nullptr; }

private:
  Mutex *Seen = nullptr;
};

class Tags {
public:
  void add(int Value) {
    scope_marker<spin_mutex> Mark(Mu);
    Active.insert(Value);
  }
  bool has(int Value) {
    scope_marker<spin_mutex> Mark(Mu);
    return Active.count(Value) != 0;
  }
  void remove(int Value) {
    scope_marker<spin_mutex> Mark(Mu);
    Active.erase(Value);
  }
  void reset() { Active.clear(); }

private:
  std::set<int> Active;
  spin_mutex Mu;
};
