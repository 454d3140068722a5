// RUN-ARGS: -std=c++17 -Wno-unused
// mapguard-erase-during-iteration, reentrant-visible-path (default rules): a loop over a member
// container calls a virtual function or a stored callable, and code this unit shows — an
// override of that function, a lambda the unit hands to the class that keeps it where the loop
// finds it — calls a member function that changes the container. Without such a body there is no
// finding: "cannot see" is never the way back (that is reentrant-callback, off by default).
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <vector>

// An observer that detaches itself while it is notified.
class Bus;
class Listener {
public:
  virtual ~Listener() = default;
  virtual void onEvent(Bus &From) = 0;
};
class Bus {
public:
  void add(Listener *L) { Listeners.push_back(L); }
  void remove(Listener *L) { Listeners.erase(std::find(Listeners.begin(), Listeners.end(), L)); } // Bus.remove
  void fire() {
    for (Listener *L : Listeners)
      L->onEvent(*this); // expect: mapguard-erase-during-iteration {{'onEvent' may call 'remove', which changes 'Listeners' while a loop iterates over it; the loop's iterator dangles: iterate over a copy of 'Listeners', or defer the change until the loop ends}} note@-1: {{iteration over 'Listeners' starts here}} note@+11: {{'OneShot::onEvent' calls 'remove' here}} note@-3: {{'remove' calls 'erase' on 'Listeners' here}}
  }

private:
  std::vector<Listener *> Listeners;
};
class Printer : public Listener {
  void onEvent(Bus &) override { ++Seen; }
  int Seen = 0;
};
class OneShot : public Listener {
  void onEvent(Bus &From) override { From.remove(this); }
};

// Negative twin: the same bus, and every override of the unit only reads.
class Link;
class Watcher {
public:
  virtual ~Watcher() = default;
  virtual void onChange(Link &From) = 0;
};
class Link {
public:
  void watch(Watcher *W) { Watchers.push_back(W); }
  void unwatch(Watcher *W) { Watchers.erase(std::find(Watchers.begin(), Watchers.end(), W)); }
  int state() const { return State; }
  void change() {
    for (Watcher *W : Watchers)
      W->onChange(*this);
  }

private:
  std::vector<Watcher *> Watchers;
  int State = 0;
};
class Mirror : public Watcher {
  void onChange(Link &From) override { Last = From.state(); }
  int Last = 0;
};

// The way back through a helper, in an iterator loop.
class Session;
class Server {
public:
  void drop(Session *S) { Sessions.erase(S); } // Server.drop
  void tick();

private:
  std::map<Session *, int> Sessions;
};
class Session {
public:
  explicit Session(Server &Owner) : Owner(Owner) {}
  virtual ~Session() = default;
  virtual void poll() {}
  void close() { Owner.drop(this); }

private:
  Server &Owner;
};
class IdleSession : public Session {
public:
  using Session::Session;
  void poll() override {
    if (++Idle > 3)
      close();
  }

private:
  int Idle = 0;
};
void Server::tick() {
  for (auto It = Sessions.begin(); It != Sessions.end(); ++It)
    It->first->poll(); // expect: mapguard-erase-during-iteration {{'poll' may call 'drop', which changes 'Sessions' while a loop iterates over it}} note@-1: {{iteration over 'Sessions' starts here}} note@-8: {{'IdleSession::poll' calls 'close' here}} note@-29: {{'drop' calls 'erase' on 'Sessions' here}}
}

// Negative twin: a tree whose override changes its own children, not its parent's.
class Widget {
public:
  virtual ~Widget() = default;
  virtual void layout() {
    for (Widget *Child : Children)
      Child->layout();
  }
  void removeChild(Widget *W) { Children.erase(std::find(Children.begin(), Children.end(), W)); }

protected:
  std::vector<Widget *> Children;
};
class AutoPanel : public Widget {
  void layout() override {
    if (!Children.empty())
      removeChild(Children.front());
  }
};

// A lambda that unsubscribes itself, registered with the bus whose map the loop walks.
class EventBus {
public:
  int subscribe(std::function<void()> Callback) {
    Callbacks.emplace(NextId, std::move(Callback)); // EventBus.subscribe
    return NextId++;
  }
  void unsubscribe(int Id) { Callbacks.erase(Id); }
  void publish() {
    for (auto &[Id, Callback] : Callbacks)
      Callback(); // expect: mapguard-erase-during-iteration {{'Callback' may call 'unsubscribe', which changes 'Callbacks' while a loop iterates over it}} note@-1: {{iteration over 'Callbacks' starts here}} note@+9: {{'subscribe' keeps this lambda, which the loop runs}} note@+10: {{the lambda calls 'unsubscribe' here}} note@-3: {{'unsubscribe' calls 'erase' on 'Callbacks' here}}
  }

private:
  std::map<int, std::function<void()>> Callbacks;
  int NextId = 0;
};
void once(EventBus &Events) {
  auto Id = std::make_shared<int>(0);
  *Id = Events.subscribe([&Events, Id] {
    Events.unsubscribe(*Id);
  });
}

// Negative twin: the lambda that changes the list is kept in another one.
class Connection {
public:
  void onData(std::function<void()> F) { DataHandlers.push_back(std::move(F)); }
  void onClose(std::function<void()> F) { CloseHandlers.push_back(std::move(F)); }
  void dropDataHandlers() { DataHandlers.clear(); }
  void received() {
    for (auto &Handler : DataHandlers)
      Handler();
  }

private:
  std::vector<std::function<void()>> DataHandlers;
  std::vector<std::function<void()>> CloseHandlers;
};
void wire(Connection &C) {
  C.onData([] {});
  C.onClose([&C] { C.dropDataHandlers(); });
}

// A callable member of the object, set by a setter, whose lambda clears the vector walked.
class Reader {
public:
  void setOnItem(std::function<void(int)> F) { OnItem = std::move(F); }
  void reset() { Items.clear(); } // Reader.reset
  void drain() {
    for (int Item : Items)
      OnItem(Item); // expect: mapguard-erase-during-iteration {{'OnItem' may call 'reset', which changes 'Items' while a loop iterates over it}} note@-1: {{iteration over 'Items' starts here}} note@+9: {{'setOnItem' keeps this lambda, which the loop runs}} note@+8: {{the lambda calls 'reset' here}} note@-3: {{'reset' calls 'clear' on 'Items' here}}
  }

private:
  std::function<void(int)> OnItem;
  std::vector<int> Items;
};
void attach(Reader &R) {
  auto Stop = [&R](int Item) { if (Item < 0) R.reset(); };
  R.setOnItem(Stop);
}

// Negative twin: the lambda is set, the loop leaves after the call.
class Prompt {
public:
  void setOnLine(std::function<void(int)> F) { OnLine = std::move(F); }
  void reset() { Lines.clear(); }
  void first() {
    for (int Line : Lines) {
      OnLine(Line);
      return;
    }
  }

private:
  std::function<void(int)> OnLine;
  std::vector<int> Lines;
};
void attach(Prompt &P) {
  P.setOnLine([&P](int) { P.reset(); });
}

// A non-virtual member function of the element that leads back through its owner.
class Pool;
class Worker {
public:
  explicit Worker(Pool &Owner) : Owner(Owner) {}
  void finish();

private:
  Pool &Owner;
};
class Pool {
public:
  void retire(Worker *W) { Workers.erase(std::find(Workers.begin(), Workers.end(), W)); }
  void finishAll() {
    for (Worker *W : Workers)
      W->finish(); // expect: mapguard-erase-during-iteration {{'finish' may call 'retire', which changes 'Workers' while a loop iterates over it}} note@-1: {{iteration over 'Workers' starts here}} note@+6: {{'Worker::finish' calls 'retire' here}} note@-3: {{'retire' calls 'erase' on 'Workers' here}}
  }

private:
  std::vector<Worker *> Workers;
};
void Worker::finish() { Owner.retire(this); }

// Negative twin: the element's member function only reads its owner.
class Team;
class Member {
public:
  explicit Member(Team &T) : T(T) {}
  int rank() const;

private:
  Team &T;
};
class Team {
public:
  void expel(Member *M) { Members.erase(std::find(Members.begin(), Members.end(), M)); }
  int size() const { return static_cast<int>(Members.size()); }
  int total() {
    int Sum = 0;
    for (Member *M : Members)
      Sum += M->rank();
    return Sum;
  }

private:
  std::vector<Member *> Members;
};
int Member::rank() const { return T.size(); }
