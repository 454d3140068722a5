// RUN-ARGS: -std=c++17 -Wno-unused
// mapguard-erase-during-iteration with its default rules: `it` used after `c.erase(it)` on every
// path from the erase (rule erase-then-use-on-every-path, on by default) — the loop's own `++it`
// or `it != end()` comes next whatever the branches decide, so the erased iterator is used for
// certain. A use that some path avoids (the loop may be left first) is the wider rule
// erase-then-use, off by default: its twins below are not reported here.
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

void dropZeros(std::map<std::string, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (It->second == 0)
      Counts.erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Counts.erase(It)' invalidated it, on every path from the erase; write 'It = Counts.erase(It)'}} note@-2: {{'It' is used here after the erase}}
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

// By its own key: `Sessions.erase(It->first)` erases the element `It` points to just as
// `Sessions.erase(It)` does, and the loop's `++It` uses it next on every path.
void dropClosed(std::map<int, std::string> &Sessions) {
  for (auto It = Sessions.begin(); It != Sessions.end(); ++It)
    if (It->second.empty())
      Sessions.erase(It->first); // expect: mapguard-erase-during-iteration {{'erase' on 'Sessions' erases the element 'It' points to while a loop over 'Sessions' uses 'It'; 'It' is dangling when the loop uses it next, on every path from the erase}} note@-2: {{iteration over 'Sessions' with 'It' starts here}} note@-2: {{'It' is used here after the change}}
}

// ... or through a local the loop's body initialises from the key and never changes.
void dropExpired(std::map<std::string, int> &Timers) {
  for (auto It = Timers.begin(); It != Timers.end(); ++It) {
    const std::string &Name = It->first;
    if (It->second < 0)
      Timers.erase(Name); // expect: mapguard-erase-during-iteration {{'erase' on 'Timers' erases the element 'It' points to while a loop over 'Timers' uses 'It'; 'It' is dangling when the loop uses it next, on every path from the erase}} note@-3: {{iteration over 'Timers' with 'It' starts here}} note@-3: {{'It' is used here after the change}}
  }
}

// Through a smart pointer: the advice calls erase through `->`.
struct Registry {
  std::unique_ptr<std::map<int, int>> Table;
  void dropZeros() {
    for (auto It = Table->begin(); It != Table->end();) {
      if (It->second == 0)
        Table->erase(It); // expect: mapguard-erase-during-iteration {{'It' is used after 'Table->erase(It)' invalidated it, on every path from the erase; write 'It = Table->erase(It)'}} note@-2: {{'It' is used here after the erase}}
      else
        ++It;
    }
  }
};

// Twins: the loop is left after the erase by key; the key erased is another element's (the value
// names a different entry), or the local holding the key is changed before the erase (off by
// default: iterator-loop-change reports what the loop may still reach).
void dropFirstClosed(std::map<int, std::string> &Sessions) {
  for (auto It = Sessions.begin(); It != Sessions.end(); ++It)
    if (It->second.empty()) {
      Sessions.erase(It->first);
      break;
    }
}

void dropParents(std::map<int, int> &Parents) {
  for (auto It = Parents.begin(); It != Parents.end(); ++It)
    if (It->second != It->first)
      Parents.erase(It->second);
}

void dropNext(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It) {
    int Key = It->first;
    Key += 1;
    if (It->second == 0)
      Counts.erase(Key);
  }
}

// The test of a do-while that erases a run of equal keys, written as a local lambda that reads the
// iterator through a reference capture (SObjectizer's subscription storage): calling it after
// `Events.erase(Pos)` reads the erased iterator on every path.
void dropRun(std::multimap<int, std::string> &Events, int Key) {
  auto Pos = Events.lower_bound(Key);
  auto SameKey = [&] { return Pos != Events.end() && Pos->first == Key; };
  if (!SameKey())
    return;
  do {
    Events.erase(Pos); // expect: mapguard-erase-during-iteration {{'Pos' is used after 'Events.erase(Pos)' invalidated it, on every path from the erase}} note@+1: {{'Pos' is used here after the erase}}
  } while (SameKey());
}

// Twins: the iterator advanced before the erase; a lambda that reads only the container; a lambda
// that captured the iterator by value (its own copy, taken before the erase); a lambda that moves
// the iterator itself.
void dropRunAdvancing(std::multimap<int, std::string> &Events, int Key) {
  auto Pos = Events.lower_bound(Key);
  auto SameKey = [&] { return Pos != Events.end() && Pos->first == Key; };
  if (!SameKey())
    return;
  do {
    Events.erase(Pos++);
  } while (SameKey());
}

void dropOne(std::multimap<int, std::string> &Events, int Key) {
  auto Pos = Events.find(Key);
  auto Remaining = [&] { return Events.count(Key); };
  if (Pos == Events.end())
    return;
  Events.erase(Pos);
  while (Remaining() > 1)
    Events.erase(Events.find(Key));
}

void dropFirstOfRun(std::multimap<int, std::string> &Events, int Key) {
  auto Pos = Events.lower_bound(Key);
  auto WasSameKey = [=] { return Pos != Events.end() && Pos->first == Key; };
  if (Pos == Events.end())
    return;
  Events.erase(Pos);
  if (WasSameKey())
    return;
}

void dropRunRestarting(std::multimap<int, std::string> &Events, int Key) {
  auto Pos = Events.lower_bound(Key);
  auto Restart = [&] {
    Pos = Events.lower_bound(Key);
    return Pos != Events.end() && Pos->first == Key;
  };
  if (!Restart())
    return;
  do {
    Events.erase(Pos);
  } while (Restart());
}
