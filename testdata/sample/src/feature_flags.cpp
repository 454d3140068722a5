#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

class FeatureFlags {
public:
  void set(const std::string &Name, bool On) {
    std::unique_lock<std::shared_mutex> Lock(Mu);
    Flags[Name] = On;
  }
  // Bug: operator[] inserts a missing flag, a write, while other readers hold the same lock.
  bool enabled(const std::string &Name) {
    std::shared_lock<std::shared_mutex> Lock(Mu);
    return Flags[Name];
  }

private:
  std::shared_mutex Mu;
  std::map<std::string, bool> Flags;
};

bool checkFlags() {
  FeatureFlags Flags;
  Flags.set("fast-path", true);
  return Flags.enabled("fast-path");
}
