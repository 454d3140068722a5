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

private:
  void evict(const std::string &Id);
  std::mutex Mu;
  std::map<std::string, Session> Sessions;
};
