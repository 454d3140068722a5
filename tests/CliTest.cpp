// The mapguard CLI as a user runs it: a small project with a compile_commands.json.
#include "TestSupport.h"

#include "CheckCatalog.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

const std::string Mapguard = MAPGUARD_BINARY_DIR "/bin/mapguard";
const std::string LoadPlugin = "--load=" MAPGUARD_BINARY_DIR "/lib/libMapGuard.so";

const char *const HazardSource = R"(#include <map>
#include "shared.h"
bool dead(int Value);
void prune(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Counts.erase(Key);
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
// Included by both units: its finding must be reported once.
const char *const SharedHeader = R"(#pragma once
#include <unordered_map>
inline void grow(std::unordered_map<int, int> &Table) {
  for (auto &[Key, Value] : Table) Table[Key + 1] = Value;
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
    Json Db = Json::array();
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

size_t countWarnings(const std::string &Out) {
  size_t Count = 0;
  for (const Diag &D : parseDiagnostics(Out))
    Count += D.Kind == "warning";
  return Count;
}

TEST(CliTest, ExitCodesFollowTheDocumentation) {
  Project P;
  EXPECT_EQ(run({Mapguard, "-p", P.root(), P.path("src/clean.cpp"), "--header-filter=^$"}).ExitCode, 0);
  CommandResult Findings = run({Mapguard, "-p", P.root(), P.path("src/hazard.cpp")});
  EXPECT_EQ(Findings.ExitCode, 1) << Findings.Err;
  EXPECT_NE(Findings.Out.find("[mapguard-erase-during-iteration]"), std::string::npos);
  EXPECT_EQ(run({Mapguard, "--no-such-option"}).ExitCode, 2);
  EXPECT_EQ(run({Mapguard, "-p", P.root() + "/missing-dir"}).ExitCode, 2);
  CommandResult BadConfig = run({Mapguard, "-p", P.root(), "--config={Checks: [", P.path("src/hazard.cpp")});
  EXPECT_EQ(BadConfig.ExitCode, 2);
  EXPECT_NE(BadConfig.Err.find("invalid configuration"), std::string::npos) << BadConfig.Err;
  CommandResult NoChecks = run({Mapguard, "-p", P.root(), "--checks=-*", P.path("src/hazard.cpp")});
  EXPECT_EQ(NoChecks.ExitCode, 2);
  EXPECT_NE(NoChecks.Err.find("no checks are enabled"), std::string::npos) << NoChecks.Err;
  CommandResult Help = run({Mapguard, "--help"});
  EXPECT_EQ(Help.ExitCode, 0);
  EXPECT_NE(Help.Out.find("3 some translation unit could not be analysed"), std::string::npos);
}

TEST(CliTest, BrokenUnitIsNamedAndTheOthersAreStillReported) {
  Project P(/*WithBrokenUnit=*/true);
  CommandResult R = run({Mapguard, "-p", P.root(), "--header-filter=.*"});
  EXPECT_EQ(R.ExitCode, 3);
  EXPECT_NE(R.Err.find("'" + P.path("src/broken.cpp") + "' could not be analysed"), std::string::npos) << R.Err;
  EXPECT_EQ(countWarnings(R.Out), 2u) << R.Out; // hazard.cpp and the shared header, once
}

TEST(CliTest, WerrorInTheBuildDoesNotFailUnits) {
  Project P;
  P.add("noisy.cpp", "int narrow(long Value) { int Unused; return Value; }\n");
  P.writeDatabase();
  std::string Db = readFile(P.path("compile_commands.json"));
  const std::string Strict = "-Werror -Wall -Wconversion ";
  for (size_t At = Db.find("-std=c++17"); At != std::string::npos; At = Db.find("-std=c++17", At + Strict.size() + 1))
    Db.insert(At, Strict);
  writeFile(P.path("compile_commands.json"), Db);
  CommandResult R = run({Mapguard, "-p", P.root(), P.path("src/noisy.cpp")});
  EXPECT_EQ(R.ExitCode, 0) << R.Out << R.Err;
  EXPECT_EQ(parseDiagnostics(R.Out).size(), 0u) << R.Out;
}

TEST(CliTest, HeaderFindingIsReportedOnceWhenUnitsDescribeItDifferently) {
  // Each unit counts the accesses it sees: "held at 1 of 2" in one, "2 of 3" in the other.
  Project P;
  writeFile(P.path("include/store.h"), R"(#pragma once
#include <map>
#include <mutex>
struct Store {
  std::mutex Mu;
  std::map<int, int> M;
  void put(int K) { std::lock_guard<std::mutex> Lock(Mu); M[K] = K; }
  bool peek(int K) { return M.count(K) != 0; }
  void drop();
};
)");
  P.add("store_user.cpp", "#include \"store.h\"\nbool use(Store &S) { return S.peek(1); }\n");
  P.add("store.cpp", "#include \"store.h\"\nvoid Store::drop() { std::lock_guard<std::mutex> Lock(Mu); M.erase(1); }\n");
  P.writeDatabase();
  CommandResult R = run({Mapguard, "-p", P.root(), "-j", "1", "--header-filter=.*store.h",
                         "--checks=-*,mapguard-unguarded-access", P.path("src/store.cpp"), P.path("src/store_user.cpp")});
  EXPECT_EQ(countWarnings(R.Out), 1u) << R.Out;
}

TEST(CliTest, FindsTheDatabaseAsClangTidyDoes) {
  Project P;
  TempDir Elsewhere;
  // Upward from the first file, from any working directory.
  CommandResult FromFile = run({Mapguard, P.path("src/hazard.cpp")}, Elsewhere.path());
  EXPECT_EQ(FromFile.ExitCode, 1) << FromFile.Err;
  // No files: every file in the database found upward from the working directory.
  CommandResult FromCwd = run({Mapguard}, P.path("src"));
  EXPECT_EQ(FromCwd.ExitCode, 1) << FromCwd.Err;
  EXPECT_NE(FromCwd.Err.find("in 2 translation unit(s)"), std::string::npos) << FromCwd.Err;
  // Nothing above: a clear error, not a silent run without flags.
  CommandResult Nowhere = run({Mapguard}, Elsewhere.path());
  EXPECT_EQ(Nowhere.ExitCode, 2);
  EXPECT_NE(Nowhere.Err.find("no compile_commands.json found"), std::string::npos) << Nowhere.Err;
}

TEST(CliTest, HeaderFindingsAreReportedOnceAcrossUnitsAndJobs) {
  Project P;
  CommandResult Serial = run({Mapguard, "-p", P.root(), "-j", "1", "--header-filter=.*"});
  CommandResult Parallel = run({Mapguard, "-p", P.root(), "-j", "2", "--header-filter=.*"});
  EXPECT_EQ(countWarnings(Serial.Out), 2u) << Serial.Out;
  EXPECT_EQ(Serial.Out, Parallel.Out);
}

TEST(CliTest, ClangTidyConfigurationIsSharedWithThePlugin) {
  Project P;
  P.add("custom.cpp", R"(namespace app { struct Table { int *begin(); int *end(); void erase(int); }; }
void drop(app::Table &T) { for (int K : T) T.erase(K); }
)");
  P.writeDatabase();
  const std::string Config = "Checks: '-*,mapguard-*'\n"
                             "CheckOptions:\n"
                             "  mapguard-erase-during-iteration.Containers: 'app::Table'\n";
  writeFile(P.path(".clang-tidy"), Config);
  CommandResult Cli = run({Mapguard, "-p", P.root(), P.path("src/custom.cpp"), P.path("src/hazard.cpp")});
  CommandResult Plugin = run({MAPGUARD_CLANG_TIDY, LoadPlugin, "-p", P.root(),
                              P.path("src/custom.cpp"), P.path("src/hazard.cpp")});
  std::vector<Diag> CliDiags = parseDiagnostics(Cli.Out), PluginDiags = parseDiagnostics(Plugin.Out);
  ASSERT_EQ(CliDiags.size(), 2u) << Cli.Out; // app::Table only: std::map is not in this Containers list
  EXPECT_NE(CliDiags[0].File.find("custom.cpp"), std::string::npos);
  std::sort(CliDiags.begin(), CliDiags.end());
  std::sort(PluginDiags.begin(), PluginDiags.end());
  EXPECT_EQ(CliDiags, PluginDiags);
  writeFile(P.path(".clang-tidy"), "Checks: '-*'\n");
  EXPECT_EQ(run({Mapguard, "-p", P.root(), P.path("src/hazard.cpp")}).ExitCode, 2);
}

TEST(CliTest, FixAndExportFixes) {
  Project P;
  std::string Yaml = P.path("fixes.yaml");
  CommandResult Export = run({Mapguard, "-p", P.root(), P.path("src/hazard.cpp"), "--export-fixes=" + Yaml});
  EXPECT_EQ(Export.ExitCode, 1);
  std::string Fixes = readFile(Yaml);
  EXPECT_NE(Fixes.find("DiagnosticName:  mapguard-erase-during-iteration"), std::string::npos) << Fixes;
  EXPECT_NE(Fixes.find("ReplacementText:"), std::string::npos) << Fixes;
  run({Mapguard, "-p", P.root(), P.path("src/hazard.cpp"), "--fix"});
  std::string Fixed = readFile(P.path("src/hazard.cpp"));
  EXPECT_NE(Fixed.find("for (auto it = Counts.begin(); it != Counts.end();)"), std::string::npos) << Fixed;
  EXPECT_EQ(run({Mapguard, "-p", P.root(), P.path("src/hazard.cpp"), "--header-filter=^$"}).ExitCode, 0);
  EXPECT_EQ(run({MAPGUARD_CLANGXX, "-std=c++17", "-fsyntax-only", "-I" + P.path("include"), P.path("src/hazard.cpp")})
                .ExitCode,
            0);
}

TEST(CliTest, QuickStartSampleHasItsDocumentedFindings) {
  TempDir Build;
  const std::string Sample = MAPGUARD_SOURCE_DIR "/testdata/sample";
  CommandResult Configure = run({"cmake", "-S", Sample, "-B", Build.path(), "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"});
  ASSERT_EQ(Configure.ExitCode, 0) << Configure.Err;
  CommandResult R = run({Mapguard, "-p", Build.path(), "--sarif=" + Build.file("sample.sarif")});
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  std::vector<std::string> Where;
  for (const Diag &D : parseDiagnostics(R.Out))
    if (D.Kind == "warning")
      Where.push_back(D.File.substr(D.File.rfind('/') + 1) + ":" + std::to_string(D.Line));
  EXPECT_EQ(Where, (std::vector<std::string>{"feature_flags.cpp:15", "routing_table.cpp:15", "routing_table.cpp:22",
                                               "session_cache.cpp:18", "session_cache.cpp:29",
                                               "session_cache.cpp:34"}));
  EXPECT_FALSE(readFile(Build.file("sample.sarif")).empty());
}

TEST(CliTest, ListChecksMatchesTheCatalogAndThePlugin) {
  CommandResult Cli = run({Mapguard, "--list-checks", "--checks=-*,mapguard-*"});
  CommandResult Plugin =
      run({MAPGUARD_CLANG_TIDY, LoadPlugin, "--list-checks", "-checks=-*,mapguard-*"});
  std::string Expected("Enabled checks:");
  for (const mapguard::CheckInfo &Info : mapguard::checkCatalog())
    Expected += "\n    " + Info.Id.str();
  EXPECT_EQ(Cli.Out, Expected + "\n\n");
  EXPECT_EQ(Plugin.Out, Expected + "\n\n");
}

} // namespace
