// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECK-OPTIONS: Rules: all
// The other part of the classes of cache.h. Alone, this unit sees one access of each container,
// and no lock held at any: nothing to infer. With the tallies of cache_a.cpp, the accesses of the
// whole class count.
#include "cache.h"

void Cache::refresh(int Key) {
  Items[Key] = "fresh"; // expect-indexed: mapguard-unguarded-access {{'operator[]' on 'Items' without holding 'Mu', which guards it at every access in the other functions (3 of 4 accesses, 3 of them in cache_a.cpp)}}
}

void Ledger::reset(int Key) {
  std::lock_guard<std::mutex> Lock(Mu);
  Entries[Key] = 0;
}

void Scratch::clear(int Key) { Marks.erase(Key); }

void Scratch::forget(int Key) { Marks[Key] = 0; }

// Its own class, named as one of cache_a.cpp is: the accesses there are not this class's.
struct Tasks {
  std::mutex Mu;
  std::map<int, int> Pending;
  void add(int Key) { Pending[Key] = 1; }
};
