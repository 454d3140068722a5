// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// Before C++20 there is no std::erase_if: the fix writes the iterator loop. abseil containers
// from Debian's libabsl-dev headers.
#include <absl/container/btree_map.h>
#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_set.h>
#include <map>
#include <string>

bool dead(int Value);

void stdMapBeforeCxx20(std::map<std::string, int> &Sessions) {
  for (auto &[Key, Value] : Sessions)
    if (dead(Value)) Sessions.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Sessions' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element; use an iterator loop with 'it = Sessions.erase(it)'}} note@-1: {{iteration over 'Sessions'}}
}

void abslEraseIf(absl::flat_hash_map<int, int> &Table) {
  for (const auto &Entry : Table)
    if (dead(Entry.second)) Table.erase(Entry.first); // expect: mapguard-erase-during-iteration {{'erase' on 'Table' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element; use absl::erase_if}} note@-1: {{iteration over 'Table'}}
}

void abslInserts(absl::flat_hash_map<int, int> &Table, absl::btree_map<int, int> &Tree, absl::node_hash_set<int> &Set) {
  for (auto &[Key, Value] : Table)
    Table[Key + 1] = Value; // expect: mapguard-erase-during-iteration {{'operator[]' on 'Table' inside a range-for over it may rehash 'Table'}} note@-1: {{iteration over 'Table'}}
  for (auto &[Key, Value] : Tree)
    Tree.insert({Key + 1, Value}); // expect: mapguard-erase-during-iteration {{'insert' on 'Tree' inside a range-for over it may rebalance 'Tree' and invalidate every iterator}} note@-1: {{iteration over 'Tree'}}
  for (int Value : Set)
    Set.emplace(Value + 1); // expect: mapguard-erase-during-iteration {{'emplace' on 'Set' inside a range-for over it may rehash}} note@-1: {{iteration over 'Set'}}
}

void abslIteratorLoop(absl::flat_hash_map<int, int> &Table) {
  // absl's erase(iterator) returns void: the safe form is erase(it++).
  for (auto It = Table.begin(); It != Table.end(); ++It)
    if (dead(It->second)) Table.erase(It); // expect: mapguard-erase-during-iteration {{write 'Table.erase(It++)'}} note@-1: {{'It' is used here after the erase}}
}

// Not reported: the documented safe forms.
void safeForms(absl::flat_hash_map<int, int> &Table) {
  absl::erase_if(Table, [](const auto &Entry) { return dead(Entry.second); });
  for (auto It = Table.begin(); It != Table.end();) {
    if (dead(It->second))
      Table.erase(It++);
    else
      ++It;
  }
}
