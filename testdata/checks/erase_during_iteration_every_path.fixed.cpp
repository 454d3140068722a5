// RUN-ARGS: -std=c++17 -Wno-unused
// mapguard-erase-during-iteration with its default rules: `it` used after `c.erase(it)` on every
// path from the erase (rule erase-then-use-on-every-path, on by default) — the loop's own `++it`
// or `it != end()` comes next whatever the branches decide, so the erased iterator is used for
// certain. A use that some path avoids (the loop may be left first) is the wider rule
// erase-then-use, off by default: its twins below are not reported here.
#include <list>
#include <map>
#include <set>
#include <string>
#include <vector>

void dropZeros(std::map<std::string, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); )
    if (It->second == 0)
      It = Counts.erase(It); else ++It; // expect: mapguard-erase-during-iteration {{'It' is used after 'Counts.erase(It)' invalidated it, on every path from the erase; write 'It = Counts.erase(It)'}} note@-2: {{'It' is used here after the erase}}
}

// The bug `it = c.erase(it)` becomes when the assignment is lost: the loop's condition uses `It`.
void dropEmpty(std::list<std::string> &Names) {
  auto It = Names.begin();
  while (It != Names.end()) {
    if (It->empty())
      Names.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Names.erase(It)' invalidated it, on every path from the erase}} note@-2: {{'It' is used here after the erase}}
    else
      ++It;
  }
}

void dropNegative(std::set<int> &Values) {
  for (auto It = Values.begin(); It != Values.end();) {
    if (*It < 0) {
      Values.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Values.erase(It)' invalidated it, on every path from the erase}} note@-2: {{'It' is used here after the erase}}
      continue;
    }
    ++It;
  }
}

// Twins: the correct forms.
void dropZerosReassigning(std::map<std::string, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end();)
    if (It->second == 0)
      It = Counts.erase(It);
    else
      ++It;
}

void dropEmptyPostIncrement(std::list<std::string> &Names) {
  for (auto It = Names.begin(); It != Names.end();)
    if (It->empty())
      Names.erase(It++);
    else
      ++It;
}

// Twins: a path leaves the loop after the erase, so the use is not certain (erase-then-use, off
// by default, reports these).
void dropFirstZeroUnlessDone(std::map<std::string, int> &Counts, bool StopAtFirst) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (It->second == 0) {
      Counts.erase(It);
      if (StopAtFirst)
        break;
    }
}

void dropFirstZero(std::vector<int> &Values) {
  for (auto It = Values.begin(); It != Values.end(); ++It)
    if (*It == 0) {
      Values.erase(It);
      return;
    }
}
