#include "session_cache.h"

#include <thread>

void SessionCache::touch(const std::string &Id, const std::string &User) {
  std::lock_guard<std::mutex> Lock(Mu);
  Sessions[Id] = Session{User, std::chrono::steady_clock::now()};
}

void SessionCache::evict(const std::string &Id) { Sessions.erase(Id); }

void SessionCache::expireIdle(std::chrono::seconds MaxIdle) {
  std::lock_guard<std::mutex> Lock(Mu);
  auto Now = std::chrono::steady_clock::now();
  // Bug: evict() erases the element this loop stands on.
  for (auto &[Id, S] : Sessions)
    if (Now - S.LastSeen > MaxIdle)
      evict(Id);
}

void SessionCache::closeAll() {
  std::lock_guard<std::mutex> Lock(Mu);
  // Fine: the iterator is replaced by the one erase returns.
  for (auto It = Sessions.begin(); It != Sessions.end();)
    It = Sessions.erase(It);
}

// Bug: every other access holds Mu; this lookup walks the tree while they change it.
bool SessionCache::contains(const std::string &Id) const { return Sessions.count(Id) != 0; }

// Bug: the thread erases after the lock taken here is gone.
void SessionCache::logoutSoon(const std::string &Id) {
  std::lock_guard<std::mutex> Lock(Mu);
  std::thread([this, Id] { Sessions.erase(Id); }).detach();
}
