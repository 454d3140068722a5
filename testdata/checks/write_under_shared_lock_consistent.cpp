// RUN-ARGS: -std=c++17 -Wno-unused
// CHECKS: -*,mapguard-write-under-shared-lock
// CHECK-OPTIONS: Rules: 'default,+shared-write-consistent-guard'
// mapguard-write-under-shared-lock, rule shared-write-consistent-guard (off by default since abseil's
// first run, one option away): a change
// made with the guard held only shared, and no other lock, where every other change of the
// container takes the guard exclusively - the shape a writer's guard turned into a reader's leaves.
// The default rules and this one only: each negative twin is a finding of write-under-reader-lock
// (off by default) or no finding at all.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

class Cache {
public:
  void put(const std::string &Key, int Value) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Values[Key] = Value;
  }
  void drop(const std::string &Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Values.erase(Key); // expect: mapguard-write-under-shared-lock {{'erase' on 'Values' while 'Mu' is held only shared, where every other change of 'Values' takes it exclusively; other readers may use 'Values' at the same time: take 'Mu' exclusively}} note@-1: {{'Mu' is locked shared here}}
  }
  int get(const std::string &Key) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    auto It = Values.find(Key);
    return It == Values.end() ? 0 : It->second;
  }

private:
  mutable std::shared_mutex Mu;
  std::map<std::string, int> Values;
};

// Negative twin: no other change takes the mutex exclusively - the protocol is not visible here.
class LooseCache {
public:
  void drop(const std::string &Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Values.erase(Key);
  }
  void put(const std::string &Key, int Value) { Values[Key] = Value; }

private:
  std::shared_mutex Mu;
  std::map<std::string, int> Values;
};

// Negative twin: the rebuild under the reader lock also holds a second lock that every reader of
// the slots takes (tkrzw's HashDBM): a protocol of its own.
class Slots {
public:
  void add(int Key) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Keys.push_back(Key);
  }
  void rebuild() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    std::lock_guard<std::mutex> SlotsLock(SlotsMu);
    Keys.clear();
  }

private:
  std::shared_mutex Mu;
  std::mutex SlotsMu;
  std::vector<int> Keys;
};

// Negative twin: an 'operator[]' that only reads, under the reader lock (the message of
// write-under-reader-lock advises find()).
class Lookup {
public:
  void put(int Key, int Value) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Table[Key] = Value;
  }
  int read(int Key) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Table[Key];
  }

private:
  std::shared_mutex Mu;
  std::map<int, int> Table;
};

// A view of the container made under the reader lock by a function that takes it by non-const
// reference but only reads it (abseil's absl::MakeSpan(sinks_) in its log sink set: a view's
// constructor helper, then data() and size()); its twin hands the container to a function that
// changes it.
template <typename T> struct View {
  T *Data;
  size_t Size;
};
template <typename C> auto dataOf(C &Items) -> decltype(Items.data()) { return Items.data(); }
template <typename C> View<typename C::value_type> makeView(C &Items) {
  return {dataOf(Items), Items.size()};
}
template <typename C> void appendZero(C &Items) { Items.push_back(0); }
int sum(View<int> Values) {
  int Total = 0;
  for (size_t I = 0; I < Values.Size; ++I)
    Total += Values.Data[I];
  return Total;
}

class Sinks {
public:
  void add(int Sink) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Targets.push_back(Sink);
  }
  int total() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return sum(makeView(Targets));
  }
  void pad() {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    appendZero(Targets); // expect: mapguard-write-under-shared-lock {{'Targets' passed as a non-const reference while 'Mu' is held only shared, where every other change of 'Targets' takes it exclusively}} note@-1: {{'Mu' is locked shared here}}
  }

private:
  std::shared_mutex Mu;
  std::vector<int> Targets;
};
