#pragma once
#include <map>
#include <mutex>
#include <string>

class Registry {
public:
  void add(const std::string &Name, int Port);
  void prune();
  void clear();

private:
  std::mutex Mu;
  std::map<std::string, int> Ports;
};
