// Classes whose member functions are split over two units (cache_a.cpp and cache_b.cpp): each unit
// sees only part of the accesses that guard inference counts. Each unit's tally of them reaches the
// other through the project index.
#pragma once
#include <map>
#include <mutex>
#include <string>

class Cache {
public:
  void put(int Key, const std::string &Value); // cache_a.cpp, locked
  void drop(int Key);                          // cache_a.cpp, locked
  bool has(int Key);                           // cache_a.cpp, locked
  void refresh(int Key);                       // cache_b.cpp, not locked

private:
  std::mutex Mu;
  std::map<int, std::string> Items;
};

// The same split, every function locked.
class Ledger {
public:
  void add(int Key, int Amount);  // cache_a.cpp
  void remove(int Key);           // cache_a.cpp
  bool known(int Key);            // cache_a.cpp
  void reset(int Key);            // cache_b.cpp

private:
  std::mutex Mu;
  std::map<int, int> Entries;
};

// Locked at a minority of its accesses: no guard to infer, here or across the units.
class Scratch {
public:
  void note(int Key);   // cache_a.cpp, locked
  void clear(int Key);  // cache_b.cpp, not locked
  void forget(int Key); // cache_b.cpp, not locked

private:
  std::mutex Mu;
  std::map<int, int> Marks;
};
