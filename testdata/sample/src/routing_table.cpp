#include <string>
#include <unordered_map>
#include <vector>

struct Route {
  std::string Target;
  int Weight = 0;
};

class RoutingTable {
public:
  // Bug: adding the mirrored routes may rehash the table under the loop.
  void addMirrors(const std::string &Suffix) {
    for (auto &[Prefix, R] : Routes)
      Routes[Prefix + Suffix] = R;
  }

  // Bug: `It` is advanced after erase() invalidated it.
  void dropUnweighted() {
    for (auto It = Routes.begin(); It != Routes.end(); ++It)
      if (It->second.Weight == 0)
        Routes.erase(It);
  }

  // Fine: the changes are collected first and applied after the loop.
  void dropTargets(const std::string &Target) {
    std::vector<std::string> Doomed;
    for (auto &[Prefix, R] : Routes)
      if (R.Target == Target)
        Doomed.push_back(Prefix);
    for (const auto &Prefix : Doomed)
      Routes.erase(Prefix);
  }

private:
  std::unordered_map<std::string, Route> Routes;
};

void touchRoutingTable() { RoutingTable Table; Table.addMirrors("-mirror"); Table.dropUnweighted(); }
