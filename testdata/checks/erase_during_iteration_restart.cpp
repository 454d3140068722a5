// RUN-ARGS: -std=c++17 -Wno-unused
// CHECKS: -*,mapguard-erase-during-iteration
// CHECK-OPTIONS: Rules: all
// mapguard-erase-during-iteration: an erase after which every path leaves the range-for is safe,
// also when an outer loop then starts the range-for again: the new pass begins at begin(). The
// positive twins erase and go on with the same pass. And `m[k]` for the key the range-for visits
// finds it: nothing is inserted, nothing rehashes (issue 25, class 0); another key may insert.
#include <set>
#include <string>
#include <unordered_map>

bool tryResolve(const std::string &Name);

// An outer retry loop restarts the walk after each erase (issue 25, class 1).
void resolveAll(std::set<std::string> &Pending) {
  bool Progress = true;
  while (!Pending.empty() && Progress) {
    Progress = false;
    for (const std::string &Name : Pending) {
      if (tryResolve(Name)) {
        Pending.erase(Name);
        Progress = true;
        break;
      }
    }
  }
}

// The same with a do-while and a nested block; the erase leaves through a return in one branch.
int drain(std::unordered_map<int, int> &Jobs) {
  int Done = 0;
  do {
    for (auto &[Id, Job] : Jobs) {
      if (Job > 0) {
        {
          Jobs.erase(Id);
          ++Done;
        }
        break;
      }
      if (Job < 0) {
        Jobs.erase(Id);
        return Done;
      }
    }
  } while (!Jobs.empty() && Done < 10);
  return Done;
}

// Positive twin: the retry loop is there, but the erase does not leave the pass.
void resolveAllUnsafe(std::set<std::string> &Pending) {
  bool Progress = true;
  while (!Pending.empty() && Progress) {
    Progress = false;
    for (const std::string &Name : Pending) {
      if (tryResolve(Name)) {
        Pending.erase(Name); // expect: mapguard-erase-during-iteration {{'erase' on 'Pending' inside a range-for over it invalidates the loop's iterator}} note@-2: {{iteration over 'Pending' starts here}}
        Progress = true;
      }
    }
  }
}

// Positive twin: a plain 'for' restarted by an outer loop still carries its iterator over when the
// erase does not leave it; a 'continue' goes on with the same pass.
void dropEven(std::set<int> &Values) {
  for (int Round = 0; Round < 2; ++Round) {
    for (int Value : Values) {
      if (Value % 2 == 0) {
        Values.erase(Value); // expect: mapguard-erase-during-iteration {{'erase' on 'Values' inside a range-for over it invalidates the loop's iterator}} note@-2: {{iteration over 'Values' starts here}}
        continue;
      }
    }
  }
}

void countVisits(std::unordered_map<int, int> &Counts) {
  for (auto &[Id, Count] : Counts)
    Counts[Id] += Count;
  for (auto &Entry : Counts)
    Counts[Entry.first] = 0;
}

// Twin: another key may be inserted and rehash the table.
void countNext(std::unordered_map<int, int> &Counts) {
  for (auto &[Id, Count] : Counts)
    Counts[Id + 1] += Count; // expect: mapguard-erase-during-iteration {{'operator[]' on 'Counts' inside a range-for over it may rehash 'Counts' and invalidate every iterator}} note@-1: {{iteration over 'Counts' starts here}}
}
