// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// Class and function templates the translation unit never instantiates (a header-only
// ThreadSafeMap, a library's template no unit uses yet) are analysed in their definitions: calls on
// containers of dependent type (`map_.erase(k)`, `map_[k] = v`, `it->first`) are read by their
// names. A template that is instantiated is judged where it is, once (the other test files).
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

template <typename K, typename V> class ThreadSafeMap {
public:
  void put(const K &Key, const V &Value) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Map[Key] = Value; // expect: mapguard-write-under-shared-lock {{'operator[]' on 'Map' while 'Mu' is held only shared; other readers may use 'Map' at the same time: take 'Mu' exclusively}} note@-1: {{'Mu' is locked shared here}}
  }
  void putExclusive(const K &Key, const V &Value) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Map[Key] = Value;
  }
  bool contains(const K &Key) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Map.count(Key) != 0;
  }
  bool lookup(const K &Key, V &Out) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    auto It = Map.find(Key);
    if (It == Map.end())
      return false;
    Out = It->second;
    return true;
  }
  void erase(const K &Key) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Map.erase(Key);
  }
  void reset() { Map.clear(); } // expect: mapguard-unguarded-access {{'clear' on 'Map' without holding 'Mu', which guards it at every access in the other functions (12 of 13 accesses)}} note@-22: {{'Map' is accessed with 'Mu' held here}}
  void pruneEmpty() {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    for (auto &[Key, Value] : Map)
      if (Value == V())
        Map.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Map' inside a range-for over it invalidates the loop's iterator}} note@-2: {{iteration over 'Map' starts here}}
  }
  void pruneByIterator() {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    for (auto It = Map.begin(); It != Map.end(); ++It)
      if (It->second == V())
        Map.erase(It->first); // expect: mapguard-erase-during-iteration {{'erase' on 'Map' erases the element 'It' points to while a loop over 'Map' uses 'It'}} note@-2: {{iteration over 'Map' with 'It' starts here}} note@-2: {{'It' is used here after the change}}
  }
  void pruneCorrectly() {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    for (auto It = Map.begin(); It != Map.end();) {
      if (It->second == V())
        It = Map.erase(It);
      else
        ++It;
    }
  }
  void eraseFirstMatch(const V &Value) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    for (auto &[Key, Stored] : Map)
      if (Stored == Value) {
        Map.erase(Key);
        break;
      }
  }

private:
  mutable std::shared_mutex Mu;
  std::unordered_map<K, V> Map;
};

// A sequence of dependent type under a reader-writer mutex.
template <typename T> class EventLog {
public:
  void append(const T &Event) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    Events.push_back(Event); // expect: mapguard-write-under-shared-lock {{'push_back' on 'Events' while 'Mu' is held only shared}} note@-1: {{'Mu' is locked shared here}}
  }
  void appendExclusive(const T &Event) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Events.push_back(Event);
  }
  size_t size() const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Events.size();
  }
  T at(size_t I) const {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Events[I];
  }

private:
  mutable std::shared_mutex Mu;
  std::vector<T> Events;
};

// A function template over any map: an iterator kept after its erase.
template <typename Map> void dropNegative(Map &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (It->second < 0)
      Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Counts.erase(It)' invalidated it, on every path from the erase; write 'It = Counts.erase(It)'}} note@-2: {{'It' is used here after the erase}}
}
template <typename Map> void dropNegativeCorrectly(Map &Counts) {
  for (auto It = Counts.begin(); It != Counts.end();)
    if (It->second < 0)
      It = Counts.erase(It);
    else
      ++It;
}

// A map of non-dependent type in a class template: its calls with dependent arguments are not
// resolved in the definition either.
template <typename Id> class Registry {
public:
  void add(const Id &Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Names[Key.name()] = 1;
  }
  void remove(const Id &Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Names.erase(Key.name());
  }
  void forget(const Id &Key) { Names.erase(Key.name()); } // expect: mapguard-unguarded-access {{'erase' on 'Names' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses)}} note@-6: {{'Names' is accessed with 'Mu' held here}}
  bool known(const Id &Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    return Names.count(Key.name()) != 0;
  }

private:
  std::mutex Mu;
  std::map<std::string, int> Names;
};
