// RUN-ARGS: -std=c++17 -Wno-unused
// CHECKS: -*,mapguard-write-under-shared-lock
// mapguard-write-under-shared-lock, rule shared-write-consistent-guard (on by default): a change
// made with the guard held only shared, and no other lock, where every other change of the
// container takes the guard exclusively - the shape a writer's guard turned into a reader's leaves.
// Default rules only: each negative twin is a finding of write-under-reader-lock (off by default)
// or no finding at all.
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
