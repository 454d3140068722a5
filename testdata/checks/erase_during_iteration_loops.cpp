// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-erase-during-iteration on explicit iterator loops (for, while, const_iterator, a cached
// end()): the body erases the element 'it' points to by key - directly, through a local taken from
// it, or through a function it calls - or clears, reassigns or rehashes the container, and the loop
// then uses 'it' again. Each hazard has a negative twin.
#include <map>
#include <set>
#include <string>
#include <unordered_map>

bool dead(int Value);
bool stale(const std::string &Key);

void eraseByKey(std::map<std::string, int> &Sessions) {
  for (auto it = Sessions.begin(); it != Sessions.end(); ++it) {
    if (dead(it->second))
      Sessions.erase(it->first); // expect: mapguard-erase-during-iteration {{'erase' on 'Sessions' erases the element 'it' points to while a loop over 'Sessions' uses 'it'; 'it' is dangling when the loop uses it next, on every path from the erase: write 'it = Sessions.erase(it)' and advance only when nothing was erased}} note@-2: {{iteration over 'Sessions' with 'it' starts here}} note@-2: {{'it' is used here after the change}}
  }
}

void eraseFromSetInWhile(std::set<std::string> &Names) {
  auto it = Names.begin();
  while (it != Names.end()) {
    if (stale(*it))
      Names.erase(*it); // expect: mapguard-erase-during-iteration {{'erase' on 'Names' erases the element 'it' points to}} note@-2: {{iteration over 'Names' with 'it'}} note@+1: {{'it' is used here}}
    ++it;
  }
}

void eraseThroughKeyVariable(std::map<int, int> &Counts) {
  for (auto it = Counts.cbegin(), end = Counts.cend(); it != end; ++it) {
    const int &Key = it->first;
    if (dead(it->second))
      Counts.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Counts' erases the element 'it' points to}} note@-3: {{iteration over 'Counts' with 'it'}} note@-3: {{used here}}
  }
}

class Registry {
public:
  void sweep() {
    for (auto it = Entries.begin(); it != Entries.end(); ++it)
      if (dead(it->second))
        remove(it->first); // expect: mapguard-erase-during-iteration {{call to 'remove', which calls 'erase' on 'Entries', erases the element 'it' points to}} note@-2: {{iteration over 'Entries' with 'it'}} note@+10: {{'erase' changes 'Entries' here}} note@-2: {{'it' is used here}}
  }
  void sweepSafely() {
    for (auto it = Entries.begin(); it != Entries.end();) {
      int Key = it->first;
      ++it;
      if (dead(Key))
        remove(Key); // negative twin: 'it' moved on before the erase
    }
  }
  void remove(int Key) { Entries.erase(Key); }

private:
  std::map<int, int> Entries;
};

void clearInLoop(std::map<int, int> &Counts) {
  for (auto it = Counts.begin(); it != Counts.end(); ++it)
    if (it->second < 0)
      Counts.clear(); // expect: mapguard-erase-during-iteration {{'clear' on 'Counts' inside a loop over 'Counts' with 'it' invalidates 'it', which the loop uses next; collect the changes}} note@-2: {{iteration over 'Counts' with 'it'}} note@-2: {{'it' is used here}}
}

void rehashInLoop(std::unordered_map<int, int> &Table) {
  for (auto it = Table.begin(); it != Table.end(); ++it)
    Table[it->first + 1000] = 0; // expect: mapguard-erase-during-iteration {{'operator[]' on 'Table' inside a loop over 'Table' with 'it' invalidates 'it'}} note@-1: {{iteration over 'Table' with 'it'}} note@-1: {{'it' is used here}}
}

// --- Not reported --------------------------------------------------------------------------------

void correctForms(std::map<int, int> &Counts, std::set<int> &Ids, int Other) {
  for (auto it = Counts.begin(); it != Counts.end();) {
    if (dead(it->second))
      it = Counts.erase(it);
    else
      ++it;
  }
  for (auto it = Counts.begin(); it != Counts.end();) {
    if (dead(it->second))
      Counts.erase(it++);
    else
      ++it;
  }
  // The previous element, after the iterator moved on.
  for (auto it = Counts.begin(); it != Counts.end();) {
    auto Current = it++;
    if (dead(Current->second))
      Counts.erase(Current->first);
  }
  // Leaves the loop, or restarts it, right after the erase.
  for (auto it = Counts.begin(); it != Counts.end(); ++it) {
    if (dead(it->second)) {
      Counts.erase(it->first);
      break;
    }
  }
  auto it = Ids.begin();
  while (it != Ids.end()) {
    if (dead(*it)) {
      Ids.erase(*it);
      it = Ids.begin();
    } else {
      ++it;
    }
  }
  // Another key (an element other than the current one stays valid), another container, and an
  // insert into an ordered map (no rehash).
  for (auto i = Counts.begin(); i != Counts.end(); ++i) {
    if (i->first == Other)
      continue;
    Ids.erase(i->first);
    Counts.erase(Other);
    Counts[i->first + 1] = 0;
  }
}

// --- An iterator of a hash container held across an insert that may rehash -----------------------

int heldAcrossInsert(std::unordered_map<int, int> &Table, int Key) {
  auto Found = Table.find(Key);
  if (Found == Table.end())
    return 0;
  Table[Key + 1] = 1; // expect: mapguard-erase-during-iteration {{'operator[]' on 'Table' may rehash 'Table' and invalidate 'Found', which is used after it; look the element up again after the insert}} note@-3: {{'Found' is taken here}} note@+1: {{'Found' is used here after the insert}}
  return Found->second;
}

class Index {
public:
  int touch(int Key) {
    auto Slot = Slots.emplace(Key, 0).first;
    add(Key * 2); // expect: mapguard-erase-during-iteration {{call to 'add', which calls 'operator[]' on 'Slots', may rehash 'Slots' and invalidate 'Slot'}} note@-1: {{'Slot' is taken here}} note@+1: {{'Slot' is used here after the insert}}
    return ++Slot->second;
  }
  void add(int Key) { Slots[Key] = 1; }

private:
  std::unordered_map<int, int> Slots;
};

// Negative twins: looked up again after the insert; an ordered map (no rehash); not used after.
int lookedUpAgain(std::unordered_map<int, int> &Table, std::map<int, int> &Ordered, int Key) {
  auto Found = Table.find(Key);
  Table[Key + 1] = 1;
  Found = Table.find(Key);
  auto Stable = Ordered.find(Key);
  Ordered[Key + 1] = 1;
  auto Unused = Table.find(Key + 2);
  if (Unused != Table.end())
    return 0;
  Table[Key + 3] = 3;
  return Found->second + Stable->second;
}

// Negative twin: the insert's own result is assigned to the iterator (pistache's connection pool).
int insertedIfMissing(std::unordered_map<int, int> &Table, int Key) {
  auto Found = Table.find(Key);
  if (Found == Table.end())
    Found = Table.insert({Key, 0}).first;
  return Found->second;
}

// --- A reference into the erased element, used after the erase -----------------------------------

void logKey(const std::string &Key);

void danglingKey(std::map<std::string, int> &Sessions) {
  for (auto &[Key, Value] : Sessions) {
    if (dead(Value)) {
      Sessions.erase(Key); // the loop leaves: no iterator is used again, but 'Key' is
      logKey(Key); // expect: mapguard-erase-during-iteration {{'Key' refers into the element that 'erase' removed from 'Sessions'; it is dangling here: copy what you need before the erase}} note@-1: {{the element is erased here}}
      return;
    }
  }
}

// Negative twin: the key is copied before the erase (a by-value loop variable is a copy too).
void copiedKey(std::map<std::string, int> &Sessions) {
  for (auto &[Key, Value] : Sessions) {
    if (dead(Value)) {
      std::string Copy = Key;
      Sessions.erase(Key);
      logKey(Copy);
      return;
    }
  }
  for (auto Entry : Sessions) {
    if (dead(Entry.second)) {
      Sessions.erase(Entry.first);
      logKey(Entry.first);
      return;
    }
  }
}
