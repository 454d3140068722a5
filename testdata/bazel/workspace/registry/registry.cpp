#include "registry/registry.h"

void Registry::add(const std::string &Name, int Port) {
  std::lock_guard<std::mutex> Lock(Mu);
  if (Ports.size() < REGISTRY_LIMIT) // a flag from the target's defines
    Ports[Name] = Port;
}

void Registry::prune() {
  std::lock_guard<std::mutex> Lock(Mu);
  for (auto It = Ports.begin(); It != Ports.end(); ++It)
    if (It->second == 0)
      It = Ports.erase(It); // erase-during-iteration (double-advance): reported
}

void Registry::clear() { Ports.clear(); } // unguarded-access (breaks-consistent-guard): reported once the .clang-tidy enables the check
