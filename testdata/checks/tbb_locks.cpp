// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: mapguard-write-under-shared-lock.Rules: '+shared-write-consistent-guard', mapguard-unguarded-access.Rules: '+breaks-consistent-guard,+call-breaks-consistent-guard'
// oneTBB's locks (Debian's libtbb-dev): its mutexes and their scoped locks are locks of the model
// by name; a reader-writer scoped lock takes its mutex shared when its `write` argument is false,
// as its body says. Its concurrent containers synchronize themselves: filling one from several
// threads at once is no race. Positives are default rules; each negative twin keeps the protocol.
#include <map>
#include <oneapi/tbb/concurrent_unordered_map.h>
#include <oneapi/tbb/concurrent_vector.h>
#include <oneapi/tbb/spin_mutex.h>
#include <oneapi/tbb/spin_rw_mutex.h>
#include <thread>
#include <vector>

// A change without the lock every other access holds.
class Sessions {
public:
  void add(int Id, int Port) {
    tbb::spin_mutex::scoped_lock Lock(Mu);
    Ports[Id] = Port;
  }
  int port(int Id) {
    tbb::spin_mutex::scoped_lock Lock(Mu);
    return Ports.at(Id);
  }
  void drop(int Id) {
    tbb::spin_mutex::scoped_lock Lock(Mu);
    Ports.erase(Id);
  }
  void reset() { Ports.clear(); } // expect: mapguard-unguarded-access {{'clear' on 'Ports' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-10: {{'Ports' is accessed with 'Mu' held here}}

private:
  std::map<int, int> Ports;
  tbb::spin_mutex Mu;
};

// Negative twin: every access holds it.
class Peers {
public:
  void add(int Id, int Port) {
    tbb::spin_mutex::scoped_lock Lock(Mu);
    Ports[Id] = Port;
  }
  void reset() {
    tbb::spin_mutex::scoped_lock Lock(Mu);
    Ports.clear();
  }

private:
  std::map<int, int> Ports;
  tbb::spin_mutex Mu;
};

// A change under the reader side of a reader-writer lock (`write` false), where every other change
// takes it for writing (the default).
class Routes {
public:
  void learn(int Prefix, int Hop) {
    tbb::spin_rw_mutex::scoped_lock Lock(Mu, /*write=*/false);
    Hops[Prefix] = Hop; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Hops' while 'Mu' is held only shared, where every other change of 'Hops' takes it exclusively}} note@-1: {{'Mu' is locked shared here}}
  }
  void forget(int Prefix) {
    tbb::spin_rw_mutex::scoped_lock Lock(Mu);
    Hops.erase(Prefix);
  }
  int hop(int Prefix) {
    tbb::spin_rw_mutex::scoped_lock Lock(Mu, false);
    auto It = Hops.find(Prefix);
    return It == Hops.end() ? -1 : It->second;
  }

private:
  std::map<int, int> Hops;
  tbb::spin_rw_mutex Mu;
};

// Negative twin: readers take it shared, writers for writing.
class Links {
public:
  void learn(int Prefix, int Hop) {
    tbb::spin_rw_mutex::scoped_lock Lock(Mu, /*write=*/true);
    Hops[Prefix] = Hop;
  }
  int hop(int Prefix) {
    tbb::spin_rw_mutex::scoped_lock Lock(Mu, false);
    auto It = Hops.find(Prefix);
    return It == Hops.end() ? -1 : It->second;
  }

private:
  std::map<int, int> Hops;
  tbb::spin_rw_mutex Mu;
};

// Threads started in a loop fill a std::vector together: a race (concurrent-invocations).
void collect(std::vector<int> &Out) {
  std::vector<int> Values;
  std::vector<std::thread> Workers;
  for (int I = 0; I < 4; ++I)
    Workers.emplace_back([&Values, I] { Values.push_back(I); }); // expect: mapguard-deferred-capture {{'push_back' on 'Values', captured by reference, in a callable that a thread started in a loop runs on several threads at once}} note: {{the callable is started on several threads here}}
  for (auto &Worker : Workers)
    Worker.join();
  Out = Values;
}

// Negative twin: TBB's concurrent containers are made to be filled so.
void collectConcurrently(std::vector<int> &Out) {
  tbb::concurrent_vector<int> Values;
  tbb::concurrent_unordered_map<int, int> Index;
  std::vector<std::thread> Workers;
  for (int I = 0; I < 4; ++I)
    Workers.emplace_back([&Values, &Index, I] {
      Values.push_back(I);
      Index.emplace(I, I);
    });
  for (auto &Worker : Workers)
    Worker.join();
  Out.assign(Values.begin(), Values.end());
}
