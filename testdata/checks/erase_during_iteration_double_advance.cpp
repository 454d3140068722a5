// RUN-ARGS: -std=c++17 -Wno-unused
// CHECKS: -*,mapguard-erase-during-iteration
// CHECK-OPTIONS: Rules: 'default,+iterator-loop-change'
// mapguard-erase-during-iteration, rule double-advance: `it = c.erase(it)` already moves `it` to the
// next element; a `for` whose increment then advances it again skips that element, and steps past
// end() when the last element was erased. For every container whose erase returns the next
// iterator. The fix moves the increment into an `else` branch. Negative twins: the loop advances
// only when nothing was erased, or leaves after the erase.
#include <deque>
#include <list>
#include <map>
#include <string>
#include <vector>

bool stale(int Value);

void pruneVector(std::vector<int> &Values) {
  for (auto It = Values.begin(); It != Values.end(); ++It) {
    if (stale(*It))
      It = Values.erase(It); // expect: mapguard-erase-during-iteration {{'It = Values.erase(It)' already moves 'It' to the next element, and the loop's '++It' advances it again: the element after each erased one is skipped, and erasing the last one steps past end(); advance only when nothing was erased}} note@-2: {{the loop advances 'It' here}}
  }
}

void pruneMap(std::map<std::string, int> *Sessions) {
  for (auto It = Sessions->begin(); It != Sessions->end(); It++)
    if (stale(It->second)) {
      It = Sessions->erase(It); // expect: mapguard-erase-during-iteration {{'It = Sessions->erase(It)' already moves 'It'}} note@-2: {{the loop advances 'It' here}}
    }
}

// A `continue` after the erase still reaches the increment: no fix (the else would not run it).
void pruneList(std::list<int> &Values, int &Erased) {
  for (auto It = Values.begin(); It != Values.end(); ++It) {
    if (stale(*It)) {
      It = Values.erase(It); // expect: mapguard-erase-during-iteration {{'It = Values.erase(It)' already moves 'It'}} note@-2: {{the loop advances 'It' here}}
      ++Erased;
      continue;
    }
    Erased += 0;
  }
}

// Twin: the loop advances only when nothing was erased.
void pruneDeque(std::deque<int> &Values) {
  for (auto It = Values.begin(); It != Values.end();) {
    if (stale(*It))
      It = Values.erase(It);
    else
      ++It;
  }
}

// Twin: the erase is the last thing the loop does.
bool dropFirstStale(std::vector<int> &Values) {
  for (auto It = Values.begin(); It != Values.end(); ++It) {
    if (stale(*It)) {
      It = Values.erase(It);
      return true;
    }
  }
  return false;
}

// Twin: a while loop has no increment of its own.
void pruneWhile(std::map<int, int> &Counts) {
  auto It = Counts.begin();
  while (It != Counts.end()) {
    if (stale(It->second))
      It = Counts.erase(It);
    else
      ++It;
  }
}

// Through a pointer, the advice (and the fix) calls erase with '->' (issue 26).
void pruneByKey(std::map<std::string, int> *Sessions) {
  for (auto It = Sessions->begin(); It != Sessions->end(); ++It)
    if (stale(It->second))
      Sessions->erase(It->first); // expect: mapguard-erase-during-iteration {{'erase' on '*Sessions' erases the element 'It' points to while a loop over '*Sessions' uses 'It'; 'It' is dangling when the loop uses it next, on every path from the erase: write 'It = Sessions->erase(It)' and advance only when nothing was erased}} note@-2: {{iteration over '*Sessions' with 'It' starts here}} note@-2: {{'It' is used here after the change}}
}

// Twin: the erase is the loop's increment itself, the only advance (ZLToolKit's
// `EventPoller::flushDelayTask` runs and drops the due tasks this way).
void runDue(std::multimap<int, int> &Tasks, int Now) {
  for (auto It = Tasks.begin(); It != Tasks.end() && It->first <= Now; It = Tasks.erase(It))
    stale(It->second);
}
