// RUN-ARGS: -std=c++17 -Wno-unused
// NO-LIBCXX: Debian's Boost 1.74 uses std::unary_function, which libc++ 22 removes in C++17.
// CHECK-OPTIONS: Rules: all
// Boost containers from Debian's libboost-dev headers.
#include <boost/unordered_map.hpp>
#include <boost/unordered_set.hpp>

bool dead(int Value);

void boostInsert(boost::unordered_map<int, int> &Table, boost::unordered_set<int> &Set) {
  for (auto &Entry : Table)
    Table.emplace(Entry.first * 2, 0); // expect: mapguard-erase-during-iteration {{'emplace' on 'Table' inside a range-for over it may rehash}} note@-1: {{iteration over 'Table'}}
  for (int Value : Set)
    if (dead(Value)) Set.erase(Value); // expect: mapguard-erase-during-iteration {{'erase' on 'Set' inside a range-for over it invalidates the loop's iterator}} note@-1: {{iteration over 'Set'}}
}

void boostSafe(boost::unordered_map<int, int> &Table) {
  for (auto It = Table.begin(); It != Table.end();) {
    if (dead(It->second))
      It = Table.erase(It);
    else
      ++It;
  }
}
