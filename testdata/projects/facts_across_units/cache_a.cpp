// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// Part of the classes of cache.h; the rest is in cache_b.cpp.
#include "cache.h"

void Cache::put(int Key, const std::string &Value) {
  std::lock_guard<std::mutex> Lock(Mu);
  Items[Key] = Value;
}

void Cache::drop(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  Items.erase(Key);
}

bool Cache::has(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  return Items.count(Key) != 0;
}

void Ledger::add(int Key, int Amount) {
  std::lock_guard<std::mutex> Lock(Mu);
  Entries[Key] += Amount;
}

void Ledger::remove(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  Entries.erase(Key);
}

bool Ledger::known(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  return Entries.count(Key) != 0;
}

void Scratch::note(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  Marks[Key] = 1;
}

// A class of this file alone (another file may define one of the same name for itself).
struct Tasks {
  std::mutex Mu;
  std::map<int, int> Pending;
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending[Key] = 1;
  }
  void done(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Pending.erase(Key);
  }
};
