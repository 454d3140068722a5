// RUN-ARGS: -std=c++17 -Wno-unused
// mapguard-erase-during-iteration with its default rules: a change inside a range-for that
// invalidates the loop's own iterator whatever the values - clearing the container, erasing from
// or inserting into a vector or a deque, erasing the element being visited by its own key - after
// which every path goes on to the loop's next element (rule range-for-change-on-every-path, on by
// default). The twins are changes some path leaves the loop after, changes that may not
// invalidate (an insert that may rehash, an erase of another key of a node container) and
// changes made in a callee; rules range-for-change and invalidating-insert, off by default, report
// most of them.
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

bool expired(int);

void dropExpired(std::map<std::string, int> &Sessions) {
  for (const auto &Entry : Sessions)
    if (expired(Entry.second))
      Sessions.erase(Entry.first); // expect: mapguard-erase-during-iteration {{'erase' on 'Sessions' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element}} note@-2: {{iteration over 'Sessions' starts here}}
}

void dropExpiredIds(std::set<int> &Ids) {
  for (int Id : Ids)
    if (expired(Id))
      Ids.erase(Id); // expect: mapguard-erase-during-iteration {{'erase' on 'Ids' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element}} note@-2: {{iteration over 'Ids' starts here}}
}

void addFollowers(std::vector<int> &Queue) {
  for (int Item : Queue)
    if (Item > 0)
      Queue.push_back(Item - 1); // expect: mapguard-erase-during-iteration {{'push_back' on 'Queue' inside a range-for over it may reallocate 'Queue' and invalidate every iterator, and every path from it goes on to the loop's next element}} note@-2: {{iteration over 'Queue' starts here}}
}

void resetOnError(std::map<int, int> &Counts) {
  for (auto &[Key, Count] : Counts)
    if (Count < 0)
      Counts.clear(); // expect: mapguard-erase-during-iteration {{'clear' on 'Counts' inside a range-for over it invalidates the loop's iterator, and every path from it goes on to the loop's next element}} note@-2: {{iteration over 'Counts' starts here}}
}

// Twins. The loop is left after the change.
bool dropFirstExpired(std::map<std::string, int> &Sessions) {
  for (const auto &Entry : Sessions)
    if (expired(Entry.second)) {
      Sessions.erase(Entry.first);
      return true;
    }
  return false;
}

void addOneFollower(std::vector<int> &Queue) {
  for (int Item : Queue)
    if (Item > 0) {
      Queue.push_back(Item - 1);
      break;
    }
}

// An insert that may rehash, not must; an erase of another key of a node container.
void countParents(std::unordered_map<int, int> &Parents) {
  for (const auto &Entry : Parents)
    if (Entry.second != 0)
      Parents[Entry.second] += 0;
}

void dropChildren(std::map<int, int> &Parents) {
  for (const auto &Entry : Parents)
    if (Entry.second != Entry.first)
      Parents.erase(Entry.second);
}

// A change made in a callee depends on what the callee is given.
void forget(std::map<std::string, int> &Sessions, const std::string &Name) { Sessions.erase(Name); }
void dropExpiredThroughHelper(std::map<std::string, int> &Sessions) {
  for (const auto &Entry : Sessions)
    if (expired(Entry.second))
      forget(Sessions, Entry.first);
}
