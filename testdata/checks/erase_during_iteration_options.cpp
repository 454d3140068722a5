// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: mapguard-erase-during-iteration.Containers: 'legacy::Table;std::map', mapguard-erase-during-iteration.InsertInvalidatingContainers: 'legacy::Table', mapguard-erase-during-iteration.MaxCallDepth: 1, Rules: all
// Project containers are configured by qualified name (seen through aliases); MaxCallDepth
// bounds how deep the check follows calls from the loop body.
#include <map>
#include <unordered_map>

namespace legacy {
template <typename K, typename V> struct Table {
  struct Entry { K first; V second; };
  Entry *begin();
  Entry *end();
  void insert(const K &Key, const V &Value);
  void erase(const K &Key);
};
} // namespace legacy

using Routes = legacy::Table<int, int>;
bool dead(int Value);

void projectContainer(Routes &Table) {
  for (auto &Entry : Table)
    Table.insert(Entry.first + 1, 0); // expect: mapguard-erase-during-iteration {{'insert' on 'Table' inside a range-for over it may rehash}} note@-1: {{iteration over 'Table'}}
}

void notConfigured(std::unordered_map<int, int> &Table) {
  // std::unordered_map is not in this configuration's Containers list.
  for (auto &[Key, Value] : Table)
    Table.erase(Key);
}

void eraseOne(std::map<int, int> &Counts, int Key) { Counts.erase(Key); }
void eraseTwo(std::map<int, int> &Counts, int Key) { eraseOne(Counts, Key); }

void callDepth(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) eraseOne(Counts, Key); // expect: mapguard-erase-during-iteration {{call to 'eraseOne'}} note@-1: {{iteration over 'Counts'}} note@-5: {{'erase' changes 'Counts' here}}
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) eraseTwo(Counts, Key); // two calls deep: beyond MaxCallDepth 1
}
