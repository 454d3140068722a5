// RUN-ARGS: -std=c++17 -Wno-unused -pthread
// CHECKS: -*,mapguard-escaping-reference
// CHECK-OPTIONS: Rules: all
// mapguard-escaping-reference on objects a container's elements own through a unique_ptr: growth
// moves the owners, not the objects, so a reference to one outlives a push_back; erasing or
// replacing the element frees it. The positive twins hold elements by value, clear the container,
// or overwrite the owner.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct Arena {
  void *allocate(unsigned Size);
  std::string Name;
};
void log(const std::string &Text);

class ArenaPool {
public:
  Arena &create() {
    std::lock_guard<std::mutex> Lock(Mu);
    Arenas.push_back(std::make_unique<Arena>());
    return *Arenas.back();
  }
  void describeLast() {
    std::unique_lock<std::mutex> Lock(Mu);
    Arena *Last = Arenas.back().get();
    const std::string &Name = Arenas.back()->Name;
    Lock.unlock();
    Last->allocate(16);
    log(Name);
  }

private:
  std::mutex Mu;
  std::vector<std::unique_ptr<Arena>> Arenas;
};

// Positive twin: the arenas are the elements; push_back reallocates them.
class InlineArenaPool {
public:
  Arena &create() {
    std::lock_guard<std::mutex> Lock(Mu);
    Arenas.emplace_back();
    return Arenas.back(); // expect: mapguard-escaping-reference {{'create' returns a reference into 'Arenas' that outlives its lock on 'Mu'}} note@-2: {{'Mu' is locked here}} note@-1: {{'emplace_back' on 'Arenas' here can invalidate it}}
  }

private:
  std::mutex Mu;
  std::vector<Arena> Arenas;
};

// Positive twin: clear() destroys the owners and the arenas with them.
class ResettableArenaPool {
public:
  Arena &create() {
    std::lock_guard<std::mutex> Lock(Mu);
    Arenas.push_back(std::make_unique<Arena>());
    return *Arenas.back(); // expect: mapguard-escaping-reference {{'create' returns a reference into 'Arenas' that outlives its lock on 'Mu'}} note@-2: {{'Mu' is locked here}} note@+4: {{'clear' on 'Arenas' here can invalidate it}}
  }
  void reset() {
    std::lock_guard<std::mutex> Lock(Mu);
    Arenas.clear();
  }

private:
  std::mutex Mu;
  std::vector<std::unique_ptr<Arena>> Arenas;
};

// A project's owner derived from std::unique_ptr owns as it does.
template <class T> class Owner : public std::unique_ptr<T> {
public:
  using std::unique_ptr<T>::unique_ptr;
};

class OwnerPool {
public:
  Arena &create() {
    std::lock_guard<std::mutex> Lock(Mu);
    Arenas.emplace_back(new Arena());
    return *Arenas.back();
  }

private:
  std::mutex Mu;
  std::vector<Owner<Arena>> Arenas;
};

// Positive twin: assigning a new owner frees the arena a reader may still hold.
class SessionTable {
public:
  void print(int Id) {
    std::unique_lock<std::mutex> Lock(Mu);
    const std::string Name = Sessions[Id]->Name;
    Lock.unlock();
    log(Name); // expect: mapguard-escaping-reference {{'Name' refers to an element of 'Sessions' and is used after 'Mu' was released}} note@-2: {{'Name' is bound here, with 'Mu' held}} note@-1: {{'Mu' is released here}} note@+4: {{'operator[]' on 'Sessions' here can overwrite it}}
  }
  void replace(int Id) {
    std::lock_guard<std::mutex> Lock(Mu);
    Sessions[Id] = std::make_unique<Arena>();
  }

private:
  std::mutex Mu;
  std::map<int, std::unique_ptr<Arena>> Sessions;
};
