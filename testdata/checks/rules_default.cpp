// RUN-ARGS: -std=c++20 -Wno-unused
// The default rules: a rule runs by default only when its first-run precision earned it (each
// check doc's "Rules and their precision"). Rules off by default stay silent here, on the same
// code on which rules_selected.cpp turns them on (and a default one off) with the Rules option.
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
  // inferred-guard, off by default: unlocked reads in two functions, 'Mu' held at the other
  // accesses (an unlocked change there, or the only function that reads without it, is a rule on
  // by default: unguarded_access_consistent_guard.cpp, unguarded_access_consistent_read.cpp).
  bool has(int Key) { return Items.count(Key) != 0; }
  int get(int Key) { return Items.at(Key); }

private:
  std::mutex Mu;
  std::map<int, int> Items;
};

// range-for-change, off by default: a path after the erase may leave the loop (a change after
// which every path goes on is a rule on by default: erase_during_iteration_range_for_every_path.cpp).
void pruneEmpty(std::map<int, int> &Counts, bool Once) {
  for (auto &Entry : Counts)
    if (Entry.second == 0) {
      Counts.erase(Entry.first);
      if (Once)
        break;
    }
}

// erase-then-use, off by default: a path after the erase leaves the loop, so the use of the
// erased iterator is not certain (one on every path is a rule on by default:
// erase_during_iteration_every_path.cpp).
void pruneZeros(std::map<int, int> &Counts, bool First) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (It->second == 0) {
      Counts.erase(It); // off by default: erase-then-use (1 of 2 at first run)
      if (First)
        break;
    }
}

// exit-while-locked, off by default since Kismet's first run (0 of 4).
int takeOne(std::mutex &Mu, std::map<int, int> &Counts) {
  Mu.lock();
  if (Counts.empty())
    return -1;
  int Key = Counts.begin()->first;
  Mu.unlock();
  return Key;
}
