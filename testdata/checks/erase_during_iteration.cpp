// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-erase-during-iteration on std containers (C++20: fixes use std::erase_if).
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

bool dead(int Value);
bool stale(const std::string &Key);
void use(int Value);

using SessionMap = std::map<std::string, int>;
struct Registry : std::unordered_map<int, int> {};

// --- Reported: erase, clear, extract, assignment, swap, merge inside a range-for --------------

void eraseByKey(SessionMap &Sessions) {
  for (auto &[Key, Value] : Sessions)
    if (dead(Value)) Sessions.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Sessions' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element; use std::erase_if}} note@-1: {{iteration over 'Sessions' starts here}}
}

void eraseByPairFirst(std::map<int, int> &Counts) {
  for (const auto &Entry : Counts)
    if (dead(Entry.second))
      Counts.erase(Entry.first); // expect: mapguard-erase-during-iteration {{'erase' on 'Counts'}} note@-2: {{iteration over 'Counts'}}
}

void eraseFromSet(std::set<std::string> &Names) {
  for (const std::string &Name : Names)
    if (stale(Name)) Names.erase(Name); // expect: mapguard-erase-during-iteration {{'erase' on 'Names'}} note@-1: {{iteration over 'Names'}}
}

void eraseDeepInBody(std::map<int, int> &Counts, int Limit) {
  for (auto &[Key, Value] : Counts) {
    if (Value > Limit) {
      while (Limit-- > 0) {
        if (dead(Key))
          Counts.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Counts'}} note@-4: {{iteration over 'Counts'}}
      }
    }
  }
}

void eraseThenContinue(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts) {
    if (dead(Value)) {
      Counts.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Counts'}} note@-2: {{iteration over 'Counts'}}
      continue;
    }
    use(Value);
  }
}

void otherMutations(std::map<int, int> &Counts, std::map<int, int> &Other) {
  for (auto &[Key, Value] : Counts) {
    if (Value == 1) Counts.clear();           // expect: mapguard-erase-during-iteration {{'clear' on 'Counts' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element; collect the changes and apply them after the loop}} note@-1: {{iteration over 'Counts'}}
    if (Value == 2) Counts.extract(Key);      // expect: mapguard-erase-during-iteration {{'extract' on 'Counts'}} note@-2: {{iteration over 'Counts'}}
    if (Value == 3) Counts = Other;           // expect: mapguard-erase-during-iteration {{'operator=' on 'Counts'}} note@-3: {{iteration over 'Counts'}}
    if (Value == 4) Counts.swap(Other);       // expect: mapguard-erase-during-iteration {{'swap' on 'Counts'}} note@-4: {{iteration over 'Counts'}}
    if (Value == 5) std::swap(Other, Counts); // expect: mapguard-erase-during-iteration {{'swap' on 'Counts'}} note@-5: {{iteration over 'Counts'}}
    if (Value == 6) Other.merge(Counts);      // expect: mapguard-erase-during-iteration {{'merge' on 'Counts'}} note@-6: {{iteration over 'Counts'}}
  }
}

void multimapEraseHasNoFix(std::multimap<int, int> &Index) {
  // erase(key) removes every element with the key, so std::erase_if would not be equivalent.
  for (auto &[Key, Value] : Index)
    if (dead(Value)) Index.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Index'}} note@-1: {{iteration over 'Index'}}
}

// --- Reported: inserts that may rehash an unordered container ---------------------------------

void rehashingInserts(std::unordered_map<int, int> &Table, Registry &Reg) {
  for (auto &[Key, Value] : Table) {
    Table[Key + 1] = Value;            // expect: mapguard-erase-during-iteration {{'operator[]' on 'Table' inside a range-for over it may rehash 'Table' and invalidate every iterator; collect the new entries}} note@-1: {{iteration over 'Table'}}
    Table.insert({Key + 2, Value});    // expect: mapguard-erase-during-iteration {{'insert' on 'Table'}} note@-2: {{iteration over 'Table'}}
    Table.emplace(Key + 3, Value);     // expect: mapguard-erase-during-iteration {{'emplace' on 'Table'}} note@-3: {{iteration over 'Table'}}
    Table.try_emplace(Key + 4, Value); // expect: mapguard-erase-during-iteration {{'try_emplace' on 'Table'}} note@-4: {{iteration over 'Table'}}
    Table.insert_or_assign(Key, 0);    // expect: mapguard-erase-during-iteration {{'insert_or_assign' on 'Table'}} note@-5: {{iteration over 'Table'}}
    Table.reserve(100);                // expect: mapguard-erase-during-iteration {{'reserve' on 'Table'}} note@-6: {{iteration over 'Table'}}
  }
  for (auto &[Key, Value] : Reg)
    Reg.rehash(Key); // expect: mapguard-erase-during-iteration {{'rehash' on 'Reg'}} note@-1: {{iteration over 'Reg'}}
}

void unorderedSetInsert(std::unordered_set<int> &Seen) {
  for (int Value : Seen)
    Seen.insert(Value * 2); // expect: mapguard-erase-during-iteration {{'insert' on 'Seen' inside a range-for over it may rehash}} note@-1: {{iteration over 'Seen'}}
}

// --- Reported: the container reached through aliases, pointers, members and calls --------------

void throughReferenceAlias(std::map<int, int> &Counts) {
  auto &Alias = Counts;
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Alias.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Counts'}} note@-1: {{iteration over 'Counts'}}
}

void throughPointer(std::map<int, int> *Counts) {
  for (auto &[Key, Value] : *Counts)
    if (dead(Value)) Counts->erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on '*Counts'}} note@-1: {{iteration over '*Counts'}}
  std::map<int, int> Local;
  std::map<int, int> *Pointer = &Local;
  for (auto &[Key, Value] : Local)
    Pointer->erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Local'}} note@-1: {{iteration over 'Local'}}
}

class SessionCache {
public:
  void expireAll() {
    for (auto &[Key, Value] : Sessions)
      if (stale(Key)) evict(Key); // expect: mapguard-erase-during-iteration {{call to 'evict', which calls 'erase' on 'Sessions', inside a range-for over it}} note@-1: {{iteration over 'Sessions'}} note@+13: {{'erase' changes 'Sessions' here}}
    for (auto &[Key, Value] : this->Sessions) if (dead(Value)) this->Sessions.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'Sessions'}} note: {{iteration over 'Sessions'}}
    for (auto &[Key, Value] : Sessions) if (dead(Value)) cleanup(Key); // expect: mapguard-erase-during-iteration {{call to 'cleanup', which calls 'erase' on 'Sessions'}} note: {{iteration over 'Sessions'}} note@+11: {{'erase' changes 'Sessions' here}}
  }
  void touchAll() {
    // A helper that only reads the map.
    for (auto &[Key, Value] : Sessions)
      Value += lookup(Key);
  }

private:
  // cleanup() reaches the erase two calls deep; the note points at the erase itself.
  void cleanup(const std::string &Key) { evict(Key); }
  void evict(const std::string &Key) { Sessions.erase(Key); }
  int lookup(const std::string &Key) const { return Sessions.count(Key) ? 1 : 0; }
  SessionMap Sessions;
};

void pruneOne(std::map<int, int> &Target, int Key) { Target.erase(Key); }

void throughFreeFunction(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) pruneOne(Counts, Key); // expect: mapguard-erase-during-iteration {{call to 'pruneOne', which calls 'erase' on 'Counts'}} note@-1: {{iteration over 'Counts'}} note@-4: {{'erase' changes 'Counts' here}}
}

std::unordered_map<int, int> GlobalTable;
void forgetGlobal(int Key) { GlobalTable.erase(Key); }

void throughGlobal() {
  for (auto &[Key, Value] : GlobalTable)
    if (dead(Value)) forgetGlobal(Key); // expect: mapguard-erase-during-iteration {{call to 'forgetGlobal'}} note@-1: {{iteration over 'GlobalTable'}} note@-4: {{'erase' changes 'GlobalTable' here}}
}

void throughLocalLambda(std::map<int, int> &Counts) {
  auto Drop = [&](int Key) { Counts.erase(Key); };
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Drop(Key); // expect: mapguard-erase-during-iteration {{call to 'Drop', which calls 'erase' on 'Counts'}} note@-1: {{iteration over 'Counts'}} note@-2: {{'erase' changes 'Counts' here}}
}

// No fix-it in a template: it would rewrite every instantiation.
template <typename Map> void inTemplate(Map &M) {
  for (auto &[Key, Value] : M)
    if (dead(Value)) M.erase(Key); // expect: mapguard-erase-during-iteration {{'erase' on 'M'}} note@-1: {{iteration over 'M'}}
}
template void inTemplate(std::map<int, int> &);

// --- Reported: explicit iterator loops that use 'it' after erase(it) ---------------------------

void iteratorLoopIncrement(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (dead(It->second)) Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Counts.erase(It)' invalidated it, on every path from the erase; write 'It = Counts.erase(It)'}} note@-1: {{'It' is used here after the erase}}
}

void iteratorLoopBlock(std::unordered_map<int, int> &Table) {
  for (auto It = Table.begin(); It != Table.end(); It++) {
    use(It->first);
    if (dead(It->second)) {
      Table.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Table.erase(It)'}} note@-3: {{'It' is used here after the erase}}
    }
  }
}

void whileLoop(std::map<int, int> &Counts) {
  auto It = Counts.begin();
  while (It != Counts.end()) {
    if (dead(It->second))
      Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Counts.erase(It)'}} note@+1: {{'It' is used here after the erase}}
    ++It;
  }
}

void dereferenceAfterErase(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It) {
    if (dead(It->second)) {
      Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after}} note@+1: {{'It' is used here after the erase}}
      use(It->first);
      break;
    }
  }
}

// --- Not reported ------------------------------------------------------------------------------

void eraseFromAnotherContainer(std::map<int, int> &Counts, std::map<int, int> &Other) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Other.erase(Key);
}

void loopOverCopy(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : std::map<int, int>(Counts))
    if (dead(Value)) Counts.erase(Key);
  auto Snapshot = Counts;
  for (auto &[Key, Value] : Snapshot)
    if (dead(Value)) Counts.erase(Key);
}

void collectThenErase(std::map<int, int> &Counts) {
  std::vector<int> Doomed;
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Doomed.push_back(Key);
  for (int Key : Doomed)
    Counts.erase(Key);
}

void eraseIf(std::map<int, int> &Counts) {
  std::erase_if(Counts, [](const auto &Entry) { return dead(Entry.second); });
}

int eraseThenLeave(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) { Counts.erase(Key); break; }
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) { Counts.erase(Key); return 1; }
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) { Counts.clear(); throw std::runtime_error("dead"); }
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) { Counts.erase(Key); goto done; }
done:
  return 0;
}

int readOnly(const std::map<int, int> &Counts, std::map<int, int> &Mutable) {
  int Sum = 0;
  for (auto &[Key, Value] : Mutable)
    Sum += Mutable.count(Key + 1) + Mutable.at(Key) + static_cast<int>(Mutable.size()) + (Mutable.find(Key) != Mutable.end());
  for (auto &[Key, Value] : Counts)
    Sum += Counts.at(Key);
  return Sum;
}

void nestedContainers(std::vector<std::map<int, int>> &Shards, std::map<int, std::set<int>> &Outer) {
  for (auto &Shard : Shards)
    Shard.erase(1);
  for (auto &[Name, Inner] : Outer)
    Inner.erase(Name);
}

void orderedInsertIsSafe(std::map<int, int> &Counts, std::set<int> &Names) {
  for (auto &[Key, Value] : Counts) {
    Counts[Key + 1] = Value; // std::map never invalidates on insert
    Counts.emplace(Key + 2, Value);
  }
  for (int Name : Names)
    Names.insert(Name + 1);
}

void correctIteratorLoops(std::map<int, int> &Counts, std::unordered_map<int, int> &Table) {
  for (auto It = Counts.begin(); It != Counts.end();) {
    if (dead(It->second))
      It = Counts.erase(It);
    else
      ++It;
  }
  for (auto It = Table.begin(); It != Table.end();) {
    if (dead(It->second))
      Table.erase(It++);
    else
      ++It;
  }
  for (auto It = Counts.begin(); It != Counts.end(); ++It) {
    if (dead(It->second)) {
      Counts.erase(It);
      It = Counts.begin(); // reassigned before the next use
    }
  }
}

void redeclaredEachIteration(std::map<int, int> &Counts, const std::vector<int> &Keys) {
  // Found on RocksDB: the erased iterator's scope ends; the next iteration declares a new one.
  for (int Key : Keys) {
    auto It = Counts.find(Key);
    if (It != Counts.end() && dead(It->second))
      Counts.erase(It);
  }
  for (int Key : Keys) {
    {
      auto It = Counts.find(Key);
      Counts.erase(It);
    }
    use(Key);
  }
}

void lambdaHandedElsewhere(std::map<int, int> &Counts, std::vector<std::function<void()>> &Callbacks) {
  // Created in the loop but run later: not an erase during this iteration (the deferred checks
  // look at callbacks).
  for (auto &[Key, Value] : Counts) {
    int K = Key;
    Callbacks.push_back([&Counts, K] { Counts.erase(K); });
  }
}

// Known misses (also listed in docs/checks/mapguard-erase-during-iteration.md):
// - a lambda that erases, passed to an algorithm that runs it inside the loop body;
// - a loop over a function's result that returns a reference to the container
//   (`for (auto &E : registry.items()) registry.remove(E.first);`);
// - overrides of a virtual function other than the one the call names.
