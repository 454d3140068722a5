// RUN-ARGS: -std=c++17 -Wno-unused
// The double advance (rule double-advance, on by default) in a loop that advances in its body:
// `it = c.erase(it)` already moves `it` to the next element, and a `++it` the same iteration then
// reaches skips it (and steps past end() when the erased element was the last). The twins advance
// only when nothing was erased, or leave the iteration first (`continue`, `break`).
#include <list>
#include <map>
#include <string>
#include <vector>

void dropEmpty(std::list<std::string> &Names) {
  auto It = Names.begin();
  while (It != Names.end()) {
    if (It->empty())
      It = Names.erase(It); // expect: mapguard-erase-during-iteration {{'It = Names.erase(It)' already moves 'It' to the next element, and the loop's '++It' advances it again}} note@+1: {{the loop advances 'It' here}}
    ++It;
  }
}

void dropZeros(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end();) {
    if (It->second == 0)
      It = Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It = Counts.erase(It)' already moves 'It' to the next element}} note@+2: {{the loop advances 'It' here}}
    int Seen = 0;
    It++;
  }
}

// Twins.
void dropEmptyElse(std::list<std::string> &Names) {
  auto It = Names.begin();
  while (It != Names.end()) {
    if (It->empty())
      It = Names.erase(It);
    else
      ++It;
  }
}

void dropEmptyContinue(std::list<std::string> &Names) {
  auto It = Names.begin();
  while (It != Names.end()) {
    if (It->empty()) {
      It = Names.erase(It);
      continue;
    }
    ++It;
  }
}

void dropFirstNegative(std::vector<int> &Values) {
  auto It = Values.begin();
  while (It != Values.end()) {
    if (*It < 0) {
      It = Values.erase(It);
      break;
    }
    ++It;
  }
}
