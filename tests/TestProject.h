// A small C++ project with a compile_commands.json, as the CLI tests and the entry-point tests
// (pre-commit, install) use it.
#ifndef MAPGUARD_TESTS_TESTPROJECT_H
#define MAPGUARD_TESTS_TESTPROJECT_H

#include "TestSupport.h"
#include <nlohmann/json.hpp>

namespace mapguard::test {

const char *const HazardSource = R"(#include <map>
#include "shared.h"
bool dead(int Value);
void prune(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (dead(It->second)) It = Counts.erase(It);
}
)";
// A second hazard, appended to a committed unit: only it is new against a baseline.
const char *const LaterHazard = R"(
void pruneLater(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (dead(It->second)) It = Counts.erase(It);
}
)";
const char *const CleanSource = R"(#include <map>
#include "shared.h"
int total(const std::map<int, int> &Counts) {
  int Sum = 0;
  for (auto &[Key, Value] : Counts) Sum += Value;
  return Sum;
}
)";
// Included by both units: its finding must be reported once. Both hazards are of a rule on by
// default: the double advance (`It = C.erase(It)` in a loop whose `++It` advances again).
const char *const SharedHeader = R"(#pragma once
#include <unordered_map>
inline void purge(std::unordered_map<int, int> &Table) {
  for (auto It = Table.begin(); It != Table.end(); ++It)
    if (It->second == 0) It = Table.erase(It);
}
)";

/// A project directory: src/*.cpp, include/shared.h, compile_commands.json at the root.
class Project {
public:
  explicit Project(bool WithBrokenUnit = false) {
    writeFile(Dir.file("include/shared.h"), SharedHeader);
    add("hazard.cpp", HazardSource);
    add("clean.cpp", CleanSource);
    if (WithBrokenUnit)
      add("broken.cpp", "#include <map>\n#include <thread>\nvoid f( { std::map<int, int> m; }\n"
                        // Error recovery inside a function the lock and callback checks analyse.
                        "struct Conn {\n  void run();\n  std::map<int, int> M;\n"
                        "  void start() { std::thread T(&Conn::run, this, Undeclared); Missing X = M[1]; }\n};\n");
    writeDatabase();
  }
  void add(const std::string &Name, const std::string &Source) {
    writeFile(Dir.file("src/" + Name), Source);
    Units.push_back(Name);
  }
  void writeDatabase() {
    nlohmann::json Db = nlohmann::json::array();
    for (const std::string &Unit : Units)
      Db.push_back({{"directory", Dir.path()},
                    {"command", "/usr/bin/c++ -std=c++17 -I" + Dir.file("include") + " -c src/" + Unit},
                    {"file", "src/" + Unit}});
    writeFile(Dir.file("compile_commands.json"), Db.dump(2));
  }
  std::string path(const std::string &Name) const { return Dir.file(Name); }
  const std::string &root() const { return Dir.path(); }

private:
  TempDir Dir;
  std::vector<std::string> Units;
};

/// A git command line with an author set, so commits work on a machine without git config.
inline std::vector<std::string> gitCommand(const std::vector<std::string> &Args) {
  std::vector<std::string> Command = {"git", "-c", "user.name=mapguard", "-c", "user.email=mapguard@example.com"};
  Command.insert(Command.end(), Args.begin(), Args.end());
  return Command;
}

} // namespace mapguard::test

#endif
