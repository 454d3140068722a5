// The mapguard CLI as a user runs it: a small project with a compile_commands.json.
#include "TestProject.h"
#include "TestSupport.h"

#include "ChangedLines.h"
#include "DistinctCommands.h"
#include "CheckCatalog.h"
#include "gtest/gtest.h"
#include <cstdlib>
#include <regex>
#include "llvm/ADT/StringRef.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include <nlohmann/json.hpp>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

const std::string Mapguard = MAPGUARD_BINARY_DIR "/bin/mapguard";
const std::string LoadPlugin = "--load=" MAPGUARD_BINARY_DIR "/lib/libMapGuard.so";

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

// Clang's loader half-reads a broken compile_commands.json (a YAML error, then the files without
// their flags, exit 0): the CLI must stop with exit code 2 and name the file, before analysing.
TEST(CliTest, BrokenCompilationDatabaseIsAConfigurationError) {
  Project P;
  const std::string Database = P.path("compile_commands.json");
  const std::string Valid = readFile(Database);
  for (const std::string &Broken : {Valid.substr(0, Valid.size() / 2), std::string("{\"file\": \"a.cpp\"}"),
                                    std::string("[{\"file\": \"a.cpp\"}]")}) {
    writeFile(Database, Broken);
    for (const std::vector<std::string> &Args :
         {std::vector<std::string>{Mapguard, "-p", P.root(), P.path("src/hazard.cpp")},
          std::vector<std::string>{Mapguard, P.path("src/hazard.cpp")}}) {
      CommandResult R = run(Args);
      EXPECT_EQ(R.ExitCode, 2) << Broken << "\n" << R.Out << R.Err;
      EXPECT_NE(R.Err.find("compilation database '" + Database + "'"), std::string::npos) << R.Err;
      EXPECT_EQ(R.Out.find("warning:"), std::string::npos) << R.Out;
    }
  }
  writeFile(Database, Valid);
  EXPECT_EQ(run({Mapguard, "-p", P.root(), P.path("src/hazard.cpp")}).ExitCode, 1);
}

TEST(CliTest, BrokenUnitIsNamedAndTheOthersAreStillReported) {
  Project P(/*WithBrokenUnit=*/true);
  CommandResult R = run({Mapguard, "-p", P.root(), "--header-filter=.*"});
  EXPECT_EQ(R.ExitCode, 3);
  EXPECT_NE(R.Err.find("'" + P.path("src/broken.cpp") + "' could not be analysed"), std::string::npos) << R.Err;
  EXPECT_EQ(countWarnings(R.Out), 2u) << R.Out; // hazard.cpp and the shared header, once
}

// A database used before the build generated its headers: after the fatal "file not found", the
// AST of a private helper (an intrusive-list loop through undefined macros) crashed Clang's CFG
// builder, in the CLI and in clang-tidy with the plugin. Now no CFG is built after a fatal error.
TEST(CliTest, UnitMissingAGeneratedHeaderIsAFailedUnitNotACrash) {
  Project P;
  P.add("intrusive.cpp", R"(#include "generated/list.h"
#include <map>
struct Node {
  struct list_head link;
  int key;
};
class Registry {
public:
  Registry() { INIT_LIST_HEAD(&items_); }
  ~Registry() { clear(); }
  void reset() { clear(); }

private:
  void clear();
  struct list_head items_;
  std::map<int, Node *> index_;
};
void Registry::clear() {
  struct list_head *pos, *tmp;
  struct Node *entry;
  list_for_each_safe(pos, tmp, &items_) {
    entry = list_entry(pos, struct Node, link);
    list_del(pos);
    delete[](char *)entry;
  }
}
)");
  P.writeDatabase();
  CommandResult R = run({Mapguard, "-p", P.root(), "--header-filter=.*"});
  EXPECT_EQ(R.ExitCode, 3) << R.Err;
  // Said as what it most often is: a header the build generates, not there yet.
  EXPECT_NE(R.Err.find("intrusive.cpp' could not be analysed: it includes 'generated/list.h', which does not "
                       "exist; if the build generates it, build the project"),
            std::string::npos)
      << R.Err;
  EXPECT_EQ(countWarnings(R.Out), 2u) << R.Out;
  CommandResult Plugin = run({MAPGUARD_CLANG_TIDY, LoadPlugin, "--checks=-*,mapguard-*", "-p", P.root(),
                              P.path("src/intrusive.cpp")});
  EXPECT_EQ(Plugin.ExitCode, 1) << Plugin.Err; // clang-tidy's exit code for compiler errors, not a signal
  EXPECT_EQ(Plugin.Err.find("Stack dump"), std::string::npos) << Plugin.Err;
  EXPECT_NE(Plugin.Out.find("'generated/list.h' file not found"), std::string::npos) << Plugin.Out;
}

// A third-party header the compiler cannot parse (Debian's Boost 1.74 under clang 22) fails the
// unit, but the unit's own code was analysed: its findings are kept, the failure says where the
// errors are, and --allow-system-header-errors keeps such a unit from failing the run.
TEST(CliTest, ErrorsOnlyInSystemHeadersKeepTheFindingsAndCanBeAllowed) {
  TempDir Dir;
  writeFile(Dir.file("vendor/third/party.h"), "#pragma once\ntemplate <int N> struct Wrapper { "
                                              "static constexpr int value = N / 0; };\n"
                                              "inline int broken() { return Wrapper<1>::value; }\n");
  writeFile(Dir.file("src/app.cpp"), std::string("#include <third/party.h>\n") + HazardSource);
  writeFile(Dir.file("include/shared.h"), SharedHeader);
  writeFile(Dir.file("src/own.cpp"), "#include <map>\nvoid f( { std::map<int, int> m; }\n");
  nlohmann::json Db = nlohmann::json::array();
  for (const char *Unit : {"app.cpp", "own.cpp"})
    Db.push_back({{"directory", Dir.path()},
                  {"command", "/usr/bin/c++ -std=c++17 -isystem vendor -Iinclude -c src/" + std::string(Unit)},
                  {"file", "src/" + std::string(Unit)}});
  writeFile(Dir.file("compile_commands.json"), Db.dump(2));

  CommandResult Strict = run({Mapguard, "-p", Dir.path(), "--no-cache", Dir.file("src/app.cpp")});
  EXPECT_EQ(Strict.ExitCode, 3) << Strict.Err;
  EXPECT_EQ(countWarnings(Strict.Out), 1u) << Strict.Out;
  EXPECT_NE(Strict.Err.find("app.cpp': 1 compiler error(s), all in system headers (first: " + Dir.file("vendor/third/party.h")),
            std::string::npos)
      << Strict.Err;
  EXPECT_NE(Strict.Err.find("--allow-system-header-errors"), std::string::npos) << Strict.Err;

  CommandResult Allowed =
      run({Mapguard, "-p", Dir.path(), "--no-cache", "--allow-system-header-errors", "--format=json", Dir.file("src/app.cpp")});
  EXPECT_EQ(Allowed.ExitCode, 1) << Allowed.Err;
  Json Report = Json::parse(Allowed.Out);
  EXPECT_EQ(Report["findings"].size(), 1u) << Allowed.Out;
  ASSERT_EQ(Report["failedUnits"].size(), 1u) << Allowed.Out;
  EXPECT_EQ(Report["failedUnits"][0]["systemHeadersOnly"], true);

  // An error in the unit's own code still fails the run.
  CommandResult Own = run({Mapguard, "-p", Dir.path(), "--no-cache", "--allow-system-header-errors", "--format=json",
                           Dir.file("src/own.cpp")});
  EXPECT_EQ(Own.ExitCode, 3) << Own.Err;
  EXPECT_EQ(Json::parse(Own.Out)["failedUnits"][0]["systemHeadersOnly"], false);
}

// The `Rules` option: a rule named in it that no check has is a configuration error (exit 2, the
// item and its option named); `-rule` turns a rule off, `+rule` on, per check or for all.
TEST(CliTest, RulesOptionSelectsRulesAndRejectsUnknownOnes) {
  Project P;
  const std::string UnknownRules = "--config={Checks: 'mapguard-*', CheckOptions: {Rules: '+no-such-rule', "
                                   "mapguard-manual-lock.Rules: '-exit-while-locked;bogus'}}";
  CommandResult Unknown = run({Mapguard, "-p", P.root(), "--no-cache", UnknownRules, P.path("src/hazard.cpp")});
  EXPECT_EQ(Unknown.ExitCode, 2) << Unknown.Err;
  EXPECT_NE(Unknown.Err.find("unknown rule 'bogus' (in mapguard-manual-lock.Rules), 'no-such-rule' (in Rules)"),
            std::string::npos)
      << Unknown.Err;
  // hazard.cpp advances 'It' twice after 'It = Counts.erase(It)': rule double-advance, on by default.
  const std::string CheckOff =
      "--config={Checks: 'mapguard-*', CheckOptions: {mapguard-erase-during-iteration.Rules: '-double-advance'}}";
  CommandResult Off = run({Mapguard, "-p", P.root(), "--no-cache", "--quiet", CheckOff, P.path("src/hazard.cpp")});
  EXPECT_EQ(Off.ExitCode, 0) << Off.Out << Off.Err;
  const std::string GlobalOff = "--config={Checks: 'mapguard-*', CheckOptions: {Rules: 'all;-double-advance'}}";
  CommandResult Global = run({Mapguard, "-p", P.root(), "--no-cache", "--quiet", GlobalOff, P.path("src/hazard.cpp")});
  EXPECT_EQ(Global.ExitCode, 0) << Global.Out << Global.Err;
  // The check's own option wins over the global one.
  const std::string LocalWins = "--config={Checks: 'mapguard-*', CheckOptions: {Rules: '-double-advance', "
                                "mapguard-erase-during-iteration.Rules: 'default'}}";
  CommandResult Back = run({Mapguard, "-p", P.root(), "--no-cache", "--quiet", LocalWins, P.path("src/hazard.cpp")});
  EXPECT_EQ(Back.ExitCode, 1) << Back.Out << Back.Err;
  EXPECT_EQ(countWarnings(Back.Out), 1u) << Back.Out;
}

// A CMake project that builds a static and a shared library lists each source twice (-fPIC, other
// object files, dependency files): one analysis. Different defines, includes or standards: two.
TEST(DistinctCommandsTest, AFileListedForTwoLibrariesIsAnalysedOnce) {
  const std::string Database = R"([
    {"directory": "/p/build", "file": "/p/src/a.cpp",
     "command": "/usr/bin/c++ -DAPP=1 -I/p/include -O2 -g -std=c++17 -o CMakeFiles/s.dir/a.cpp.o -c /p/src/a.cpp"},
    {"directory": "/p/build", "file": "/p/src/a.cpp",
     "command": "/usr/bin/c++ -DAPP=1 -Dapp_shared_EXPORTS -I/p/include -O0 -fPIC -Wall -Werror -std=c++17 -MD -MT x -MF CMakeFiles/d.dir/a.cpp.o.d -o CMakeFiles/d.dir/a.cpp.o -c /p/src/a.cpp"},
    {"directory": "/p/build", "file": "/p/src/a.cpp",
     "command": "/usr/bin/c++ -DAPP=2 -I/p/include -std=c++17 -c /p/src/a.cpp"},
    {"directory": "/p/build", "file": "/p/src/b.cpp",
     "arguments": ["clang++", "-std=c++20", "-Wl,--as-needed", "-c", "/p/src/b.cpp"]},
    {"directory": "/p/build", "file": "/p/src/b.cpp",
     "arguments": ["clang++", "-std=c++17", "-c", "/p/src/b.cpp"]}
  ])";
  std::string Error;
  auto Json = clang::tooling::JSONCompilationDatabase::loadFromBuffer(Database, Error,
                                                                      clang::tooling::JSONCommandLineSyntax::Gnu);
  ASSERT_TRUE(Json) << Error;
  EXPECT_EQ(Json->getCompileCommands("/p/src/a.cpp").size(), 3u);
  mapguard::DistinctCommandsDatabase Distinct(std::move(Json));
  std::vector<clang::tooling::CompileCommand> A = Distinct.getCompileCommands("/p/src/a.cpp");
  ASSERT_EQ(A.size(), 2u);
  EXPECT_NE(llvm::find(A[0].CommandLine, "-DAPP=1"), A[0].CommandLine.end());
  EXPECT_NE(llvm::find(A[1].CommandLine, "-DAPP=2"), A[1].CommandLine.end());
  EXPECT_EQ(Distinct.getCompileCommands("/p/src/b.cpp").size(), 2u); // -std differs
  EXPECT_EQ(Distinct.getAllFiles().size(), 2u);
}

// End to end: with duplicate entries (and with --every-command, which analyses each of them) the
// findings are the same and reported once. Which entries are one analysis is tested above.
TEST(CliTest, DuplicateDatabaseEntriesKeepTheirFindings) {
  Project P;
  nlohmann::json Db = nlohmann::json::parse(readFile(P.path("compile_commands.json")));
  nlohmann::json Twice = nlohmann::json::array();
  for (const nlohmann::json &Entry : Db) {
    Twice.push_back(Entry);
    nlohmann::json Shared = Entry;
    Shared["command"] = Entry["command"].get<std::string>() + " -fPIC -o shared.o";
    Twice.push_back(Shared);
  }
  writeFile(P.path("compile_commands.json"), Twice.dump(2));
  CommandResult R = run({Mapguard, "-p", P.root(), "-j1", "--header-filter=.*", P.path("src/hazard.cpp")});
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  EXPECT_EQ(countWarnings(R.Out), 2u) << R.Out;
  CommandResult Every = run({Mapguard, "-p", P.root(), "-j1", "--every-command", "--header-filter=.*",
                             P.path("src/hazard.cpp")});
  EXPECT_EQ(Every.ExitCode, 1) << Every.Err;
  EXPECT_EQ(countWarnings(Every.Out), 2u) << Every.Out; // the same findings, reported once
}

// A crash in one unit (MAPGUARD_TEST_CRASH_IN, a trigger compiled into test builds only) becomes
// "this unit could not be analysed": named on stderr and in SARIF, exit code 3, the other units'
// findings kept - on one thread and on several.
TEST(CliTest, CrashInOneUnitKeepsTheOthers) {
  Project P;
  P.add("crashing.cpp", "#include <map>\nstd::map<int, int> M;\n");
  P.writeDatabase();
  ::setenv("MAPGUARD_TEST_CRASH_IN", "crashing.cpp", 1);
  for (const char *Jobs : {"-j1", "-j2"}) {
    const std::string Sarif = P.path(std::string("out") + Jobs + ".sarif");
    CommandResult R = run({Mapguard, "-p", P.root(), Jobs, "--header-filter=.*", "--sarif", Sarif});
    EXPECT_EQ(R.ExitCode, 3) << R.Out << R.Err;
    EXPECT_NE(R.Err.find("'" + P.path("src/crashing.cpp") + "' could not be analysed: the analysis crashed"),
              std::string::npos)
        << R.Err;
    EXPECT_EQ(countWarnings(R.Out), 2u) << R.Out; // hazard.cpp and the shared header, once
    nlohmann::json Log = nlohmann::json::parse(readFile(Sarif));
    const nlohmann::json &Invocation = Log["runs"][0]["invocations"][0];
    EXPECT_FALSE(Invocation["executionSuccessful"].get<bool>());
    ASSERT_EQ(Invocation["toolExecutionNotifications"].size(), 1u) << Invocation.dump(2);
    EXPECT_NE(Invocation["toolExecutionNotifications"][0]["message"]["text"].get<std::string>().find(
                  "crashing.cpp' could not be analysed: the analysis crashed"),
              std::string::npos);
    EXPECT_EQ(Log["runs"][0]["results"].size(), 2u);
  }
  ::unsetenv("MAPGUARD_TEST_CRASH_IN");
}

// --unit-timeout runs each unit in a worker process: a unit that hangs (MAPGUARD_TEST_HANG_IN,
// test builds only) is stopped and named, a crash is still one unit's loss, exit code 3, and the
// other units' findings are kept.
TEST(CliTest, UnitTimeoutStopsAHangingUnitAndKeepsTheOthers) {
  Project P;
  P.add("hanging.cpp", "#include <map>\nstd::map<int, int> M;\n");
  P.add("crashing.cpp", "#include <map>\nstd::map<int, int> N;\n");
  P.writeDatabase();
  ::setenv("MAPGUARD_TEST_HANG_IN", "hanging.cpp", 1);
  ::setenv("MAPGUARD_TEST_CRASH_IN", "crashing.cpp", 1);
  const std::string Sarif = P.path("out.sarif");
  CommandResult R = run({Mapguard, "-p", P.root(), "-j2", "--unit-timeout=2", "--header-filter=.*", "--sarif", Sarif,
                         "--format=json"});
  ::unsetenv("MAPGUARD_TEST_HANG_IN");
  ::unsetenv("MAPGUARD_TEST_CRASH_IN");
  EXPECT_EQ(R.ExitCode, 3) << R.Out << R.Err;
  EXPECT_NE(R.Err.find("'" + P.path("src/hanging.cpp") + "' could not be analysed: it ran past --unit-timeout=2s"),
            std::string::npos)
      << R.Err;
  EXPECT_NE(R.Err.find("'" + P.path("src/crashing.cpp") + "' could not be analysed: the analysis crashed"),
            std::string::npos)
      << R.Err;
  Json Report = Json::parse(R.Out);
  EXPECT_EQ(Report["findings"].size(), 2u) << R.Out; // hazard.cpp and the shared header, once
  ASSERT_EQ(Report["failedUnits"].size(), 2u) << R.Out;
  for (const Json &Failed : Report["failedUnits"])
    EXPECT_EQ(Failed["timedOut"].get<bool>(), Failed["file"].get<std::string>().find("hanging") != std::string::npos);
  Json Log = Json::parse(readFile(Sarif));
  const Json &Notifications = Log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
  ASSERT_EQ(Notifications.size(), 2u) << Notifications.dump(2);
  EXPECT_NE(Notifications.dump().find("hanging.cpp' could not be analysed: it ran past the time limit"), std::string::npos);
}

// In worker processes the findings are those of one process: messages, notes, fixes, levels
// (warnings as errors), NOLINT counts; the fixes apply the same way.
TEST(CliTest, WorkerProcessesReportWhatOneProcessReports) {
  Project P;
  P.add("suppressed.cpp", "#include <map>\nvoid f(std::map<int, int> &M) {\n"
                          "  for (auto It = M.begin(); It != M.end(); ++It) It = M.erase(It); // NOLINT\n}\n");
  P.writeDatabase();
  auto Report = [&](const std::vector<std::string> &Extra) {
    std::vector<std::string> Args{Mapguard, "-p", P.root(), "--no-cache", "--header-filter=.*", "--format=sarif",
                                  "--config={Checks: 'mapguard-*', WarningsAsErrors: 'mapguard-erase-*'}"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    CommandResult R = run(Args);
    EXPECT_EQ(R.ExitCode, 1) << R.Err;
    return Json::parse(R.Out)["runs"][0]["results"];
  };
  Json InProcess = Report({}), InWorkers = Report({"--unit-timeout=600"});
  EXPECT_EQ(InProcess.size(), 2u);
  EXPECT_EQ(InProcess, InWorkers);
  CommandResult Text = run({Mapguard, "-p", P.root(), "--unit-timeout=600", "--header-filter=.*",
                            "--config={Checks: 'mapguard-*', WarningsAsErrors: 'mapguard-*'}"});
  EXPECT_NE(Text.Out.find("error: 'It = Counts.erase(It)' already moves 'It'"), std::string::npos) << Text.Out;
  EXPECT_NE(Text.Err.find("1 suppressed by NOLINT"), std::string::npos) << Text.Err;
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
  // The inferred guard (rule inferred-guard, off by default) describes itself per unit.
  CommandResult R = run({Mapguard, "-p", P.root(), "-j", "1", "--header-filter=.*store.h",
                         "--checks=-*,mapguard-unguarded-access", "--config={CheckOptions: {Rules: all}}", P.path("src/store.cpp"), P.path("src/store_user.cpp")});
  EXPECT_EQ(countWarnings(R.Out), 1u) << R.Out;
}

TEST(CliTest, ShardsMergeIntoTheLogOfOneRun) {
  // Units with findings of their own, a header finding every unit reports (described differently
  // by two of them: "held at 1 of 2" and "2 of 3"), identical lines in one file, a broken unit.
  Project P(/*WithBrokenUnit=*/true);
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
  for (int I = 0; I < 4; ++I)
    P.add("prune" + std::to_string(I) + ".cpp", "#include <map>\nbool dead(int);\nvoid prune(std::map<int, int> &C) {\n"
                                                "  for (auto &[K, V] : C) if (dead(V)) C.erase(K);\n"
                                                "  for (auto &[K, V] : C) if (dead(V)) C.erase(K);\n}\n");
  P.writeDatabase();
  auto Analyse = [&](const std::vector<std::string> &Extra) {
    // Each part analyses its units itself (no results taken from the whole run's cache).
    std::vector<std::string> Args{Mapguard, "-p", P.root(), "--no-cache", "--header-filter=.*", "--quiet",
                                  "--source-root", P.root(), "--config={CheckOptions: {Rules: all}}"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    return run(Args);
  };
  CommandResult Whole = Analyse({"--sarif", P.path("whole.sarif")});
  EXPECT_EQ(Whole.ExitCode, 3) << Whole.Err; // the broken unit
  std::string Expected = readFile(P.path("whole.sarif"));
  ASSERT_GT(Json::parse(Expected)["runs"][0]["results"].size(), 8u);
  for (unsigned Count : {2u, 3u, 12u}) {
    std::vector<std::string> Merge{Mapguard, "merge-sarif"};
    size_t Units = 0;
    for (unsigned K = 1; K <= Count; ++K) {
      std::string Part = P.path("part" + std::to_string(K) + ".sarif");
      CommandResult R = Analyse({"--shard=" + std::to_string(K) + "/" + std::to_string(Count), "--sarif", Part,
                                 "--format=json"});
      EXPECT_LE(R.ExitCode, 3) << R.Err;
      Json Report = Json::parse(R.Out);
      Units += Report["failedUnits"].size();
      Merge.push_back(Part);
    }
    EXPECT_EQ(Units, 1u) << "the broken unit is in exactly one of " << Count << " parts";
    Merge.insert(Merge.end(), {"-o", P.path("merged.sarif")});
    CommandResult Merged = run(Merge);
    ASSERT_EQ(Merged.ExitCode, 0) << Merged.Err;
    EXPECT_EQ(readFile(P.path("merged.sarif")), Expected) << Count << " parts";
  }
  // Parts written in different places (Bazel's sandboxes): --source-root names the merged log's
  // root, or leaves it undefined, and their relative paths are kept.
  CommandResult Rooted = run({Mapguard, "merge-sarif", P.path("part1.sarif"), P.path("part2.sarif"),
                              "--source-root=" + P.root(), "-o", P.path("rooted.sarif")});
  ASSERT_EQ(Rooted.ExitCode, 0) << Rooted.Err;
  Json WithRoot = Json::parse(readFile(P.path("rooted.sarif")));
  EXPECT_EQ(WithRoot["runs"][0]["originalUriBaseIds"], Json::parse(Expected)["runs"][0]["originalUriBaseIds"]);
  CommandResult Unrooted = run({Mapguard, "merge-sarif", P.path("part1.sarif"), P.path("part2.sarif"), "--source-root="});
  ASSERT_EQ(Unrooted.ExitCode, 0) << Unrooted.Err;
  Json WithoutRoot = Json::parse(Unrooted.Out);
  EXPECT_FALSE(WithoutRoot["runs"][0].contains("originalUriBaseIds"));
  EXPECT_EQ(WithoutRoot["runs"][0]["results"], WithRoot["runs"][0]["results"]);
  // More parts than units: the empty parts write empty logs and exit 0.
  CommandResult Empty = Analyse({"--shard=12/12", "--sarif", P.path("p12.sarif")});
  EXPECT_LE(Empty.ExitCode, 3) << Empty.Err;
  EXPECT_EQ(Analyse({"--shard=0/4"}).ExitCode, 2);
  EXPECT_EQ(Analyse({"--shard=5/4"}).ExitCode, 2);
  writeFile(P.path("other.sarif"), R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "cppcheck"}}}]})");
  CommandResult Foreign = run({Mapguard, "merge-sarif", P.path("whole.sarif"), P.path("other.sarif")});
  EXPECT_EQ(Foreign.ExitCode, 2);
  EXPECT_NE(Foreign.Err.find("was not written by mapguard"), std::string::npos) << Foreign.Err;
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
  CommandResult Serial = run({Mapguard, "-p", P.root(), "--no-cache", "-j", "1", "--header-filter=.*"});
  CommandResult Parallel = run({Mapguard, "-p", P.root(), "--no-cache", "-j", "2", "--header-filter=.*"});
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
                             "  mapguard-erase-during-iteration.Containers: 'app::Table'\n"
                             "  mapguard-erase-during-iteration.Rules: '+range-for-change'\n";
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
  EXPECT_NE(Fixed.find("It = Counts.erase(It); else ++It;"), std::string::npos) << Fixed;
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
  auto Findings = [&](const std::vector<std::string> &Extra) {
    std::vector<std::string> Command = {Mapguard, "-p", Build.path(), "--sarif=" + Build.file("sample.sarif")};
    Command.insert(Command.end(), Extra.begin(), Extra.end());
    CommandResult R = run(Command);
    std::vector<std::string> Where;
    for (const Diag &D : parseDiagnostics(R.Out))
      if (D.Kind == "warning")
        Where.push_back(D.File.substr(D.File.rfind('/') + 1) + ":" + std::to_string(D.Line));
    EXPECT_EQ(R.ExitCode, Where.empty() ? 0 : 1) << R.Err;
    return Where;
  };
  // The default rules (what quickstart.sh shows first: none of the sample's bugs is of a rule that
  // earned its default), then every rule (README: "Rules"; quickstart.sh shows them next).
  EXPECT_EQ(Findings({}), std::vector<std::string>{});
  EXPECT_FALSE(readFile(Build.file("sample.sarif")).empty());
  EXPECT_EQ(Findings({"--config={Checks: '-*,mapguard-*', CheckOptions: {Rules: all}}"}),
            (std::vector<std::string>{"feature_flags.cpp:15", "routing_table.cpp:15", "routing_table.cpp:22",
                                      "session_cache.cpp:18", "session_cache.cpp:29", "session_cache.cpp:34"}));
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

namespace {

TEST(CliTest, OutputFormatsCarryTheSameFindings) {
  Project P;
  CommandResult AsJson = run({Mapguard, "-p", P.root(), "--quiet", "--format=json", P.path("src/hazard.cpp")});
  EXPECT_EQ(AsJson.ExitCode, 1) << AsJson.Err;
  Json Report = Json::parse(AsJson.Out);
  ASSERT_EQ(Report["findings"].size(), 1u) << AsJson.Out;
  const Json &Finding = Report["findings"][0];
  EXPECT_EQ(Finding["check"], "mapguard-erase-during-iteration");
  EXPECT_EQ(Finding["file"], P.path("src/hazard.cpp"));
  EXPECT_EQ(Finding["line"], 6);
  EXPECT_EQ(Finding["notes"][0]["line"], 5);
  EXPECT_EQ(Finding["fix"], true);
  EXPECT_TRUE(Report["failedUnits"].empty());

  CommandResult AsSarif = run({Mapguard, "-p", P.root(), "--quiet", "--format=sarif", P.path("src/hazard.cpp")});
  EXPECT_EQ(AsSarif.ExitCode, 1);
  EXPECT_EQ(Json::parse(AsSarif.Out)["runs"][0]["results"].size(), 1u) << AsSarif.Out;

  CommandResult FixAsJson = run({Mapguard, "-p", P.root(), "--fix", "--format=json", P.path("src/hazard.cpp")});
  EXPECT_EQ(FixAsJson.ExitCode, 2);
  EXPECT_NE(FixAsJson.Err.find("--fix reports as text"), std::string::npos) << FixAsJson.Err;
}

TEST(CliTest, HeaderAndLineFiltersHaveClangTidysMeaning) {
  Project P;
  auto Warnings = [&](std::vector<std::string> Extra) {
    std::vector<std::string> Command = {Mapguard, "-p", P.root(), "--quiet", P.path("src/hazard.cpp")};
    Command.insert(Command.end(), Extra.begin(), Extra.end());
    return countWarnings(run(Command).Out);
  };
  EXPECT_EQ(Warnings({"--header-filter=.*"}), 2u);
  EXPECT_EQ(Warnings({"--header-filter=.*", "--exclude-header-filter=shared\\.h"}), 1u);
  // Line filters name files by suffix; a file not listed is filtered out entirely.
  EXPECT_EQ(Warnings({"--header-filter=.*", R"(--line-filter=[{"name":"src/hazard.cpp","lines":[[6,6]]}])"}), 1u);
  EXPECT_EQ(Warnings({"--header-filter=.*", R"(--line-filter=[{"name":"src/hazard.cpp","lines":[[1,4]]}])"}), 0u);
  EXPECT_EQ(Warnings({"--header-filter=.*", R"(--line-filter=[{"name":"shared.h"}])"}), 1u);
  CommandResult Bad = run({Mapguard, "-p", P.root(), "--line-filter=[{", P.path("src/hazard.cpp")});
  EXPECT_EQ(Bad.ExitCode, 2);
  EXPECT_NE(Bad.Err.find("invalid --line-filter"), std::string::npos) << Bad.Err;
}

TEST(CliTest, ExplainConfigNamesWhereEachCheckIsEnabled) {
  Project P;
  writeFile(P.path(".clang-tidy"), "Checks: '-*,mapguard-erase-during-iteration,mapguard-manual-lock'\n");
  CommandResult R = run({Mapguard, "--explain-config", P.path("src/hazard.cpp")});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_EQ(R.Out.substr(0, R.Out.find("Lists in effect")),
            "'mapguard-erase-during-iteration' is enabled in the " + P.path(".clang-tidy") + ".\n" +
                "'mapguard-manual-lock' is enabled in the " + P.path(".clang-tidy") + ".\n");
  // With the defaults, both checks read the same lists.
  EXPECT_NE(R.Out.find("Lists in effect for 'mapguard-erase-during-iteration', 'mapguard-manual-lock':\n"
                       "  Containers: 'std::map;"),
            std::string::npos)
      << R.Out;
}

// A list that starts with '+' adds to the default list; one without replaces it; a check-local
// option wins over a global one. --explain-config shows the lists in effect.
TEST(CliTest, ExplainConfigShowsTheListsInEffectAndPlusAddsToTheDefault) {
  Project P;
  writeFile(P.path(".clang-tidy"),
            "Checks: '-*,mapguard-erase-during-iteration,mapguard-manual-lock'\n"
            "CheckOptions:\n  Mutexes: '+app::SpinLock; app::Latch'\n"
            "  mapguard-erase-during-iteration.Containers: 'app::Table'\n");
  CommandResult R = run({Mapguard, "--explain-config", P.path("src/hazard.cpp")});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  size_t Erase = R.Out.find("Lists in effect for 'mapguard-erase-during-iteration':\n  Containers: 'app::Table'\n");
  size_t Lock = R.Out.find("Lists in effect for 'mapguard-manual-lock':\n  Containers: 'std::map;");
  ASSERT_NE(Erase, std::string::npos) << R.Out;
  ASSERT_NE(Lock, std::string::npos) << R.Out;
  std::regex Mutexes(R"(\n  Mutexes: 'std::mutex;[^']*;app::SpinLock; app::Latch'\n)");
  EXPECT_TRUE(std::regex_search(R.Out.substr(Lock), Mutexes)) << R.Out;
  EXPECT_TRUE(std::regex_search(R.Out.substr(Erase, Lock - Erase), Mutexes)) << "the global option applies to both";
}

TEST(CliTest, ProgressIsALinePerUnitOffATerminalAndQuietSilencesIt) {
  Project P;
  CommandResult Plain = run({Mapguard, "-p", P.root(), "-j1"}); // make's spelling works too
  // Each line counts its own unit's findings, then the run's so far.
  std::regex Line(R"(mapguard: \[(\d)/2\] \S+ \((\d+) finding\(s\), (\d+) in all, \d+:\d\d\)\n)");
  std::vector<std::smatch> Lines(std::sregex_iterator(Plain.Err.begin(), Plain.Err.end(), Line), std::sregex_iterator());
  ASSERT_EQ(Lines.size(), 2u) << Plain.Err;
  EXPECT_EQ(Lines[0][1], "1");
  EXPECT_EQ(Lines[0][2], Lines[0][3]);
  EXPECT_EQ(std::stoul(Lines[1][3]), std::stoul(Lines[0][2]) + std::stoul(Lines[1][2])) << Plain.Err;
  EXPECT_GT(std::stoul(Lines[1][3]), 0u) << Plain.Err;
  EXPECT_EQ(Plain.Err.find('\r'), std::string::npos) << "no redrawn bar when stderr is not a terminal";
  CommandResult Quiet = run({Mapguard, "-p", P.root(), "--quiet"});
  EXPECT_EQ(Quiet.ExitCode, 1);
  EXPECT_EQ(Quiet.Err, "");
}

// On a terminal the bar is redrawn in place; what else is written to stderr while it is shown
// (clang's "Error while processing <file>.") is printed on a line of its own above it. `script`
// (util-linux, in every Debian) gives the run a terminal.
TEST(CliTest, ProgressBarKeepsOtherStderrOutputOnLinesOfItsOwn) {
  Project P;
  P.add("zz_broken.cpp", "void f( {\n"); // analysed last, when the bar is shown
  P.writeDatabase();
  CommandResult R = run({"script", "-qec", Mapguard + " -p " + P.root() + " -j1 --no-cache", "/dev/null"});
  EXPECT_EQ(R.ExitCode, 3) << R.Out;
  EXPECT_NE(R.Out.find("units, "), std::string::npos) << "a bar was drawn: " << R.Out;
  size_t At = R.Out.find("Error while processing");
  ASSERT_NE(At, std::string::npos) << R.Out;
  for (; At != std::string::npos; At = R.Out.find("Error while processing", At + 1)) {
    std::string Before = R.Out.substr(0, At);
    EXPECT_TRUE(Before.empty() || Before.back() == '\n' || llvm::StringRef(Before).ends_with("\r\x1b[K"))
        << "printed into the bar: " << R.Out;
  }
}

/// A Project under git, committed once.
struct GitProject : Project {
  GitProject() {
    git({"init", "-q"});
    git({"add", "."});
    git({"commit", "-q", "-m", "legacy code with a finding"});
  }
  CommandResult git(const std::vector<std::string> &Args) const { return run(gitCommand(Args), root()); }
};

const char *const NewHazard = R"(
void pruneAgain(std::map<int, int> &Counts) {
  for (auto It = Counts.begin(); It != Counts.end(); ++It)
    if (dead(It->second)) It = Counts.erase(It);
}
)";

TEST(CliTest, DiffReportsOnlyTheChangedLines) {
  GitProject P;
  CommandResult Unchanged = run({Mapguard, "-p", P.root(), "--diff"}, P.root());
  EXPECT_EQ(Unchanged.ExitCode, 0) << Unchanged.Err;
  EXPECT_NE(Unchanged.Err.find("no lines changed since HEAD"), std::string::npos) << Unchanged.Err;

  writeFile(P.path("src/hazard.cpp"), std::string(HazardSource) + NewHazard);
  CommandResult Changed = run({Mapguard, "-p", P.root(), "--diff"}, P.root());
  EXPECT_EQ(Changed.ExitCode, 1) << Changed.Err;
  std::vector<Diag> Diags = parseDiagnostics(Changed.Out);
  ASSERT_EQ(countWarnings(Changed.Out), 1u) << Changed.Out; // the old finding on line 6 is not reported
  EXPECT_EQ(Diags[0].Line, 11u);
  // Without files, only the changed units are analysed.
  EXPECT_NE(Changed.Err.find("in 1 translation unit(s)"), std::string::npos) << Changed.Err;

  // Against the commit before: everything in it is new.
  P.git({"commit", "-q", "-am", "more"});
  CommandResult SinceFirst = run({Mapguard, "-p", P.root(), "--diff=HEAD~1", P.path("src/hazard.cpp")}, P.root());
  EXPECT_EQ(countWarnings(SinceFirst.Out), 1u) << SinceFirst.Out;
  CommandResult BadRevision = run({Mapguard, "-p", P.root(), "--diff=no-such-revision"}, P.root());
  EXPECT_EQ(BadRevision.ExitCode, 2);
  EXPECT_NE(BadRevision.Err.find("unknown revision 'no-such-revision'"), std::string::npos) << BadRevision.Err;
  CommandResult Both = run({Mapguard, "-p", P.root(), "--diff", "--line-filter=[]"}, P.root());
  EXPECT_EQ(Both.ExitCode, 2);
}

} // namespace

namespace {

TEST(ChangedLinesTest, ReadsTheAddedLinesOfAGitDiff) {
  const char *const Diff = "diff --git a/src/a.cpp b/src/a.cpp\n"
                           "index 1..2 100644\n"
                           "--- a/src/a.cpp\n"
                           "+++ b/src/a.cpp\n"
                           "@@ -3 +3,2 @@ void f() {\n"
                           "-  old();\n"
                           "+  counter();\n"
                           "+++ i; // the added line \"++ i;\", not a file header\n"
                           "@@ -9,2 +10,0 @@\n" // a pure deletion adds nothing
                           "-  gone();\n"
                           "-  gone();\n"
                           "@@ -20 +20 @@\n"
                           "-x\n"
                           "+y\n"
                           "diff --git a/old.h b/old.h\n"
                           "deleted file mode 100644\n"
                           "--- a/old.h\n"
                           "+++ /dev/null\n"
                           "@@ -1 +0,0 @@\n"
                           "-int x;\n"
                           "diff --git a/inc/new.h b/inc/new.h\n"
                           "new file mode 100644\n"
                           "--- /dev/null\n"
                           "+++ b/inc/new.h\n"
                           "@@ -0,0 +1,3 @@\n"
                           "+#pragma once\n+int y;\n+int z;\n";
  mapguard::ChangedLines Lines = mapguard::parseUnifiedDiff(Diff, "/repo");
  using Ranges = std::vector<std::pair<unsigned, unsigned>>;
  EXPECT_EQ(Lines.Files.size(), 2u);
  EXPECT_EQ(Lines.Files["src/a.cpp"], (Ranges{{3, 4}, {20, 20}}));
  EXPECT_EQ(Lines.Files["inc/new.h"], (Ranges{{1, 3}}));
  EXPECT_EQ(Lines.absolutePaths(), (std::vector<std::string>{"/repo/inc/new.h", "/repo/src/a.cpp"}));
  EXPECT_EQ(mapguard::toLineFilter(Lines),
            R"([{"lines":[[1,3]],"name":"inc/new.h"},{"lines":[[3,4],[20,20]],"name":"src/a.cpp"}])");
}

} // namespace
