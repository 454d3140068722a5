#include "registry/registry.h"

void Registry::add(const std::string &Name, int Port) {
  std::lock_guard<std::mutex> Lock(Mu);
  if (Ports.size() < REGISTRY_LIMIT) // a flag from the target's defines
    Ports[Name] = Port;
}

void Registry::prune() {
  std::lock_guard<std::mutex> Lock(Mu);
  for (auto &[Name, Port] : Ports)
    if (Port == 0)
      Ports.erase(Name); // erase-during-iteration: reported
}

void Registry::clear() { Ports.clear(); } // unguarded-access: not enabled by the .clang-tidy
