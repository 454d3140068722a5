// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// mapguard-write-under-shared-lock on containers other than maps and sets: sequences, strings and
// a project's own container (a class with begin() and end()), guarded by a reader-writer mutex of
// the same class. A write is a non-const member function with no const overload (push_back,
// pop_front, append, a project's own add) or an accessor whose result is changed (`v[i] = x`).
#include <deque>
#include <list>
#include <mutex>
#include <pthread.h>
#include <shared_mutex>
#include <string>
#include <vector>

// A project's own container: nothing names it, its begin() and end() make it one.
class Ring {
public:
  void add(int V) { Items[Next++ % 8] = V; }
  int *begin() { return Items; }
  int *end() { return Items + 8; }
  const int *begin() const { return Items; }
  const int *end() const { return Items + 8; }
  int size() const { return 8; }

private:
  int Items[8] = {};
  unsigned Next = 0;
};

class EventLog {
public:
  void record(int Event) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Events.push_back(Event); // expect: mapguard-write-under-shared-lock {{'push_back' on 'Events' while 'Mu' is held only shared, where every other change of 'Events' takes it exclusively; other readers may use 'Events' at the same time: take 'Mu' exclusively}} note@-1: {{'Mu' is locked shared here}}
  }
  void drain() {
    std::shared_lock Lock(Mu);
    while (!Pending.empty())
      Pending.pop_front(); // expect: mapguard-write-under-shared-lock {{'pop_front' on 'Pending' while 'Mu' is held only shared}} note@-2: {{'Mu' is locked shared here}}
  }
  void rename(const std::string &Suffix) {
    Mu.lock_shared();
    Name += Suffix; // expect: mapguard-write-under-shared-lock {{'operator+=' on 'Name' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
    Mu.unlock_shared();
  }
  void reset(size_t I) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    if (I < Events.size())
      Events[I] = 0; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Events' while 'Mu' is held only shared}} note@-2: {{'Mu' is locked shared here}}
  }
  void bumpLast() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    if (!Batches.empty())
      Batches.back().push_back(1); // expect: mapguard-write-under-shared-lock {{'back' on 'Batches' while 'Mu' is held only shared}} note@-2: {{'Mu' is locked shared here}}
  }
  void sample(int V) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Samples.add(V); // expect: mapguard-write-under-shared-lock {{'add' on 'Samples' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }

  // Negative twins: the same containers read under the reader lock (non-const accessors whose
  // result is only read, begin()/end() of a non-const object, range-for), written under the
  // writer lock.
  int total() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    int Sum = Events.empty() ? 0 : Events[0] + Events.front() + Events.back();
    for (int E : Events)
      Sum += E;
    for (auto It = Pending.begin(); It != Pending.end(); ++It)
      Sum += *It;
    for (int S : Samples)
      Sum += S;
    return Sum + static_cast<int>(Name.size()) + (Batches.empty() ? 0 : static_cast<int>(Batches.back().size()));
  }
  std::string name() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Name + Name.substr(0, 1);
  }
  void recordExclusive(int Event) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Events.push_back(Event);
    Pending.push_back(Event);
    Name += "x";
    Samples.add(Event);
    Batches.emplace_back();
  }

private:
  std::shared_mutex Mu;
  std::vector<int> Events;
  std::deque<int> Pending;
  std::string Name;
  std::list<std::vector<int>> Batches;
  Ring Samples;
};

// pthread's reader-writer lock guards a global vector.
pthread_rwlock_t RoutesLock = PTHREAD_RWLOCK_INITIALIZER;
std::vector<std::string> Routes;

void addRoute(const std::string &R) {
  pthread_rwlock_rdlock(&RoutesLock);
  Routes.push_back(R); // expect: mapguard-write-under-shared-lock {{'push_back' on 'Routes' while 'RoutesLock' is held only shared}} note@-1: {{'RoutesLock' is locked shared here}}
  pthread_rwlock_unlock(&RoutesLock);
}
size_t routeCount() {
  pthread_rwlock_rdlock(&RoutesLock);
  size_t N = Routes.size();
  pthread_rwlock_unlock(&RoutesLock);
  return N;
}
void addRouteExclusive(const std::string &R) {
  pthread_rwlock_wrlock(&RoutesLock);
  Routes.push_back(R);
  pthread_rwlock_unlock(&RoutesLock);
}

// A class template: reported where its member functions are instantiated, once per line however
// many instantiations there are.
template <typename T> class Bag {
public:
  void put(const T &V) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Values.push_back(V); // expect: mapguard-write-under-shared-lock {{'push_back' on 'Values' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }
  size_t count() const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Values.size();
  }

private:
  mutable std::shared_mutex Mu;
  std::vector<T> Values;
};
void fillBags(Bag<int> &A, Bag<std::string> &B) {
  A.put(1);
  B.put("x");
}

// No reader-writer mutex in the class: its vectors cannot be written under a reader lock, and are
// not followed at all.
class Queue {
public:
  void push(int V) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.push_back(V);
  }

private:
  std::mutex Mu;
  std::vector<int> Items;
};
