// RUN-ARGS: -std=c++20 -Wno-unused
// CHECK-OPTIONS: Rules: 'default,+inferred-guard,+range-for-change,+erase-then-use,+exit-while-locked'
// The Rules option on rules_default.cpp's code: four rules off by default turned on (turning a
// default rule off: CliTest's RulesOptionSelectsRulesAndRejectsUnknownOnes), the others at their default.
#include <map>
#include <mutex>

class Registry {
public:
  void add(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items[Key] = Key;
  }
  void remove(int Key) {
    std::lock_guard<std::mutex> Lock(Mu);
    Items.erase(Key);
  }
  // inferred-guard, turned on: unlocked reads in two functions, 'Mu' held at the other accesses.
  bool has(int Key) { return Items.count(Key) != 0; } // expect: mapguard-unguarded-access {{'count' on 'Items' without holding 'Mu', which guards it at 2 of 4 accesses}} note@-7: {{'Items' is accessed with 'Mu' held here}}
  int get(int Key) { return Items.at(Key); } // expect: mapguard-unguarded-access {{'at' on 'Items' without holding 'Mu', which guards it at 2 of 4 accesses}} note@-8: {{'Items' is accessed with 'Mu' held here}}

private:
  std::mutex Mu;
  std::map<int, int> Items;
};

// range-for-change, turned on.
void pruneEmpty(std::map<int, int> &Counts, bool Once) {
  for (auto &Entry : Counts)
    if (Entry.second == 0) {
      Counts.erase(Entry.first); // expect: mapguard-erase-during-iteration {{'erase' on 'Counts' inside a range-for over it invalidates the loop's iterator}} note@-2: {{iteration over 'Counts' starts here}}
      if (Once)
        break;
    }
}

// erase-then-use, turned on: a use some path after the erase avoids.
void pruneZeros(std::map<int, int> &Counts, bool First) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (It->second == 0) {
      Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Counts.erase(It)' invalidated it; write}} note@-2: {{'It' is used here after the erase}}
      if (First)
        break;
    }
}

// exit-while-locked, turned on.
int takeOne(std::mutex &Mu, std::map<int, int> &Counts) {
  Mu.lock(); // expect: mapguard-manual-lock {{'Mu' is locked by hand and a 'return' leaves the function with it still locked}} note@+2: {{'Mu' is still locked when this 'return' leaves}}
  if (Counts.empty())
    return -1;
  int Key = Counts.begin()->first;
  Mu.unlock();
  return Key;
}
