#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <string>

struct Session {
  std::string User;
  std::chrono::steady_clock::time_point LastSeen;
};

class SessionCache {
public:
  void touch(const std::string &Id, const std::string &User);
  void expireIdle(std::chrono::seconds MaxIdle);
  void closeAll();
  void logoutSoon(const std::string &Id);
  bool contains(const std::string &Id) const;

private:
  void evict(const std::string &Id);
  mutable std::mutex Mu;
  std::map<std::string, Session> Sessions;
};
