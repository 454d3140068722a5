// RUN-ARGS: -std=c++17 -Wno-unused
// CHECK-OPTIONS: Rules: all
// A container reached from outside its class through an accessor that returns it by reference
// (`room->getGames()`, Cockatrice's server) is the member itself: the caller's access is judged
// under the locks the caller holds on that object's mutex, as `room->games` would be. A getter
// that returns a copy taken under the lock is no access of the member.
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

struct Game {
  std::string Name;
};

class Room {
public:
  mutable std::shared_mutex GamesLock;
  const std::map<int, Game *> &getGames() const { return Games; }
  std::map<int, Game *> &games() { return Games; }
  std::map<int, Game *> snapshot() const {
    std::shared_lock Lock(GamesLock);
    return Games;
  }
  void add(int Id, Game *G) {
    std::unique_lock Lock(GamesLock);
    Games[Id] = G;
  }
  void remove(int Id) {
    std::unique_lock Lock(GamesLock);
    Games.erase(Id);
  }

private:
  std::map<int, Game *> Games;
};

class Handler {
public:
  Game *find(Room *R, int Id) {
    std::shared_lock Lock(R->GamesLock);
    auto It = R->getGames().find(Id);
    return It == R->getGames().end() ? nullptr : It->second;
  }
  Game *findUnlocked(Room *R, int Id) {
    auto It = R->getGames().find(Id); // expect: mapguard-unguarded-access {{'find' on 'R->Games' without holding 'R->GamesLock', which guards it at 6 of 9 accesses}} note@-23: {{'Games' is accessed with 'R->GamesLock' held here}}
    return It == R->getGames().end() ? nullptr : It->second;
  }
  void dropUnlocked(Room &R, int Id) {
    R.games().erase(Id); // expect: mapguard-unguarded-access {{'erase' on 'R.Games' without holding 'R.GamesLock', which guards it at 6 of 9 accesses}} note@-27: {{'Games' is accessed with 'R.GamesLock' held here}}
  }
  void drop(Room &R, int Id) {
    std::unique_lock Lock(R.GamesLock);
    R.games().erase(Id);
  }
  size_t countCopied(const Room &R) {
    std::map<int, Game *> Copy = R.snapshot(); // a copy taken under the lock
    return Copy.size();
  }
};
