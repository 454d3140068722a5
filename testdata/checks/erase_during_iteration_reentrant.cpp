// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// mapguard-erase-during-iteration: callbacks that re-enter. A loop over a member container calls
// code the unit cannot see (a std::function, a function pointer, a virtual function of another
// object) while a public member function of the same class erases from that container: the
// callback may call it (an observer unsubscribing itself) and the loop's iterator dangles.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

class Listener {
public:
  virtual ~Listener() = default;
  virtual void onEvent(int Event) = 0;
};

class EventBus {
public:
  int subscribe(std::function<void(int)> Callback) {
    Callbacks.emplace(NextId, std::move(Callback));
    return NextId++;
  }
  void unsubscribe(int Id) { Callbacks.erase(Id); }
  void addListener(Listener *L) { Listeners.insert(L); }
  void removeListener(Listener *L) { Listeners.erase(L); }

  void publish(int Event) {
    for (auto &[Id, Callback] : Callbacks)
      Callback(Event); // expect: mapguard-erase-during-iteration {{'Callback' runs code this translation unit cannot see while a loop iterates over 'Callbacks'; if it calls 'unsubscribe', which changes 'Callbacks', the loop's iterator dangles: iterate over a copy of 'Callbacks', or defer the change until the loop ends}} note@-1: {{iteration over 'Callbacks' starts here}} note@-6: {{'unsubscribe' calls 'erase' on 'Callbacks' here}}
  }
  void broadcast(int Event) {
    for (auto It = Listeners.begin(); It != Listeners.end(); ++It)
      (*It)->onEvent(Event); // expect: mapguard-erase-during-iteration {{'onEvent' runs code this translation unit cannot see while a loop iterates over 'Listeners'; if it calls 'removeListener', which changes 'Listeners'}} note@-1: {{iteration over 'Listeners' starts here}} note@-8: {{'removeListener' calls 'erase' on 'Listeners' here}}
  }

  // Negative twins: iterating a copy; leaving the loop after the call; no callback in the loop.
  void publishCopy(int Event) {
    auto Snapshot = Callbacks;
    for (auto &[Id, Callback] : Snapshot)
      Callback(Event);
  }
  void publishFirst(int Event) {
    for (auto &[Id, Callback] : Callbacks) {
      Callback(Event);
      return;
    }
  }
  size_t count() {
    size_t N = 0;
    for (auto &[Id, Callback] : Callbacks)
      N += Callback ? 1 : 0;
    return N;
  }

private:
  std::map<int, std::function<void(int)>> Callbacks;
  std::set<Listener *> Listeners;
  int NextId = 0;
};

// A function pointer stored in the element; the eraser is a public member reached through a
// private helper.
struct Timer {
  void (*Fire)(int);
  int Arg;
};
class TimerQueue {
public:
  void cancel(int Id) { forget(Id); }
  void tick() {
    for (auto &Entry : Timers)
      Entry.second.Fire(Entry.second.Arg); // expect: mapguard-erase-during-iteration {{'Fire' runs code this translation unit cannot see while a loop iterates over 'Timers'; if it calls 'cancel', which changes 'Timers'}} note@-1: {{iteration over 'Timers' starts here}} note@+4: {{'cancel' calls 'erase' on 'Timers' here}}
  }

private:
  void forget(int Id) { Timers.erase(Id); }
  std::unordered_map<int, Timer> Timers;
};

// Negative twins. Removal deferred while notifying: the eraser tests a flag the loop sets.
class Subject {
public:
  void detach(Listener *L) {
    if (Notifying) {
      Detached.push_back(L);
      return;
    }
    Observers.erase(L);
  }
  void notify(int Event) {
    Notifying = true;
    for (Listener *L : Observers)
      L->onEvent(Event);
    Notifying = false;
    for (Listener *L : Detached)
      Observers.erase(L);
    Detached.clear();
  }
  void attach(Listener *L) { Observers.insert(L); }

private:
  bool Notifying = false;
  std::set<Listener *> Observers;
  std::vector<Listener *> Detached;
};

// No public member function changes the container: nothing a callback could call.
class Registry {
public:
  explicit Registry(std::map<std::string, std::function<void()>> Init) : Hooks(std::move(Init)) {}
  void runAll() {
    for (auto &[Name, Hook] : Hooks)
      Hook();
  }

private:
  void drop(const std::string &Name) { Hooks.erase(Name); }
  std::map<std::string, std::function<void()>> Hooks;
};

// A std::map never invalidates on insert: a callback that subscribes is harmless.
class Channel {
public:
  void join(int Id, std::function<void()> F) { Members[Id] = std::move(F); }
  void ring() {
    for (auto &[Id, F] : Members)
      F();
  }

private:
  std::map<int, std::function<void()>> Members;
};

// A callable that the element does not hold: a parameter's virtual function (RocksDB's
// `env->GetFileSize()` inside a loop over `wals_`) has no way back to this object.
class FileSystem {
public:
  virtual ~FileSystem() = default;
  virtual long size(int File) = 0;
};
class WalSet {
public:
  void dropBefore(int Wal) { Wals.erase(Wals.begin(), Wals.lower_bound(Wal)); }
  long total(FileSystem *Fs) {
    long Sum = 0;
    for (const auto &[Number, Name] : Wals)
      Sum += Fs->size(Number);
    return Sum;
  }

private:
  std::map<int, std::string> Wals;
};

// An eraser that locks: a callback under the loop's lock would deadlock before it could change
// the container, and other threads wait for the lock (oatpp's connection handlers).
#include <mutex>
class Connections {
public:
  void remove(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Handlers.erase(Id);
  }
  void invalidateAll() {
    std::lock_guard<std::mutex> Lock(Mu);
    for (auto &[Id, Handler] : Handlers)
      Handler();
  }

private:
  std::mutex Mu;
  std::unordered_map<int, std::function<void()>> Handlers;
};

// A virtual function of an element with no way back to the looping object: it gets the logger
// only as a const reference, the eraser takes a name, and the channel keeps no pointer to the
// logger (ZLToolKit's Logger::writeChannels). Not reported.
class Logger;
class LogChannel {
public:
  virtual ~LogChannel() = default;
  virtual void write(const Logger &L, const std::string &Line) = 0;
};
class Logger {
public:
  void del(const std::string &Name) { Channels.erase(Name); }
  void write(const std::string &Line) {
    for (auto &[Name, C] : Channels)
      C->write(*this, Line);
  }

private:
  std::map<std::string, std::shared_ptr<LogChannel>> Channels;
};

// The element's class keeps a pointer to its subject, or the call hands the subject over: it
// can come back. Reported.
class Room;
class Member {
public:
  virtual ~Member() = default;
  virtual void onMessage(const std::string &Text) = 0;
  virtual void onClose(Room &R) = 0;

protected:
  Room *Joined = nullptr;
};
class Room {
public:
  void leave(int Id) { Members.erase(Id); }
  void say(const std::string &Text) {
    for (auto &[Id, M] : Members)
      M->onMessage(Text); // expect: mapguard-erase-during-iteration {{'onMessage' runs code this translation unit cannot see while a loop iterates over 'Members'; if it calls 'leave', which changes 'Members'}} note@-1: {{iteration over 'Members' starts here}} note@-3: {{'leave' calls 'erase' on 'Members' here}}
  }
  void close() {
    for (auto It = Members.begin(); It != Members.end(); ++It)
      It->second->onClose(*this); // expect: mapguard-erase-during-iteration {{'onClose' runs code this translation unit cannot see while a loop iterates over 'Members'; if it calls 'leave', which changes 'Members'}} note@-1: {{iteration over 'Members' starts here}} note@-7: {{'leave' calls 'erase' on 'Members' here}}
  }

private:
  std::map<int, std::unique_ptr<Member>> Members;
};
