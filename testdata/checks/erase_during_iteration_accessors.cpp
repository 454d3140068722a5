// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-erase-during-iteration through an accessor of another object: a loop over
// `obj->items()` (a member function whose body returns a reference to a member container) whose
// body calls a member function of `obj` that changes that member. The accessor and the changing
// function are read from their bodies; nothing is named.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

class Session {
public:
  explicit Session(int Id) : Id(Id) {}
  int id() const { return Id; }
  bool expired() const { return Id < 0; }

private:
  int Id;
};

class SessionManager {
public:
  const std::map<int, std::shared_ptr<Session>> &sessions() const { return Sessions; }
  std::unordered_map<std::string, int> &counters() { return this->Counters; }
  void remove(int Id) { Sessions.erase(Id); }
  void add(int Id) { Sessions.emplace(Id, std::make_shared<Session>(Id)); }
  void reset() { Counters.clear(); }
  void touch(const std::string &Name) { Counters.try_emplace(Name, 0); }
  // Not an accessor: it returns a copy, so a loop over it does not see changes.
  std::map<int, std::shared_ptr<Session>> snapshot() const { return Sessions; }
  // Not an accessor of Sessions: it returns another member.
  const std::set<int> &banned() const { return Banned; }
  void ban(int Id) { Banned.insert(Id); }

private:
  std::map<int, std::shared_ptr<Session>> Sessions;
  std::unordered_map<std::string, int> Counters;
  std::set<int> Banned;
};

void reap(SessionManager *Manager) {
  for (const auto &[Id, S] : Manager->sessions())
    if (S->expired())
      Manager->remove(Id); // expect: mapguard-erase-during-iteration {{call to 'remove', which calls 'erase' on 'Manager->Sessions', inside a range-for over it invalidates the loop's iterator}} note@-2: {{iteration over 'Manager->Sessions' starts here}} note@-19: {{'erase' changes 'Manager->Sessions' here}}
}

void resetWhileCounting(SessionManager &Manager) {
  for (auto It = Manager.counters().begin(); It != Manager.counters().end(); ++It)
    if (It->second > 100)
      Manager.reset(); // expect: mapguard-erase-during-iteration {{call to 'reset', which calls 'clear' on 'Manager.Counters', inside a loop over 'Manager.Counters' with 'It' invalidates 'It', which the loop uses next}} note@-2: {{iteration over 'Manager.Counters' with 'It'}} note@-23: {{'clear' changes 'Manager.Counters' here}} note@-2: {{'It' is used here after the change}}
}

// Negative twins: a copy, another member, another object, or leaving the loop after the change.
void reapSnapshot(SessionManager *Manager) {
  for (const auto &[Id, S] : Manager->snapshot())
    if (S->expired())
      Manager->remove(Id);
}

void banWhileIterating(SessionManager &Manager) {
  for (const auto &[Id, S] : Manager.sessions())
    if (S->expired())
      Manager.ban(Id);
}

void moveExpired(SessionManager &From, SessionManager &To) {
  for (const auto &[Id, S] : From.sessions())
    if (S->expired())
      To.remove(Id);
}

void removeFirstExpired(SessionManager &Manager) {
  for (const auto &[Id, S] : Manager.sessions())
    if (S->expired()) {
      Manager.remove(Id);
      break;
    }
}
