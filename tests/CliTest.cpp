// The mapguard CLI as a user runs it: a small project with a compile_commands.json.
#include "TestProject.h"
#include "TestSupport.h"

#include "DistinctCommands.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/ADT/StringRef.h"
#include "gtest/gtest.h"
#include <cstdlib>
#include <nlohmann/json.hpp>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

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
  CommandResult Plugin =
      run({MAPGUARD_CLANG_TIDY, LoadPlugin, "--checks=-*,mapguard-*", "-p", P.root(), P.path("src/intrusive.cpp")});
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
  EXPECT_NE(Strict.Err.find("app.cpp': 1 compiler error(s), all in system headers (first: " +
                            Dir.file("vendor/third/party.h")),
            std::string::npos)
      << Strict.Err;
  EXPECT_NE(Strict.Err.find("--allow-system-header-errors"), std::string::npos) << Strict.Err;

  CommandResult Allowed = run({Mapguard, "-p", Dir.path(), "--no-cache", "--allow-system-header-errors",
                               "--format=json", Dir.file("src/app.cpp")});
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
  CommandResult Every =
      run({Mapguard, "-p", P.root(), "-j1", "--every-command", "--header-filter=.*", P.path("src/hazard.cpp")});
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
  CommandResult R = run(
      {Mapguard, "-p", P.root(), "-j2", "--unit-timeout=2", "--header-filter=.*", "--sarif", Sarif, "--format=json"});
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
  EXPECT_NE(Notifications.dump().find("hanging.cpp' could not be analysed: it ran past the time limit"),
            std::string::npos);
}

// In worker processes the findings are those of one process: messages, notes, fixes, levels
// (warnings as errors), NOLINT counts; the fixes apply the same way.
TEST(CliTest, WorkerProcessesReportWhatOneProcessReports) {
  Project P;
  P.add("suppressed.cpp", "#include <map>\nvoid f(std::map<int, int> &M) {\n"
                          "  for (auto It = M.begin(); It != M.end(); ++It) It = M.erase(It); // NOLINT\n}\n");
  P.writeDatabase();
  auto Report = [&](const std::vector<std::string> &Extra) {
    std::vector<std::string> Args{Mapguard,
                                  "-p",
                                  P.root(),
                                  "--no-cache",
                                  "--header-filter=.*",
                                  "--format=sarif",
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

TEST(CliTest, AWarningThatIsAnErrorByDefaultIsNeitherAFindingNorAFailure) {
  // Narrowing in braces is an error by default with a flag of its own (-Wc++11-narrowing): the
  // unit is analysed, its hazard reported, and the compiler's diagnostic left to the build.
  Project P;
  P.add("narrowing.cpp", R"(#include <map>
char narrow(int Value) { char C{Value}; return C; }
void prune(std::map<int, int> &M) {
  for (auto It = M.begin(); It != M.end(); ++It)
    if (It->second == 0)
      M.erase(It);
}
)");
  P.writeDatabase();
  CommandResult R = run({Mapguard, "-p", P.root(), "--format=json", P.path("src/narrowing.cpp")});
  EXPECT_EQ(R.ExitCode, 1) << R.Out << R.Err;
  nlohmann::json Report = nlohmann::json::parse(R.Out, nullptr, false);
  ASSERT_TRUE(Report.is_object()) << R.Out;
  ASSERT_EQ(Report["findings"].size(), 1u) << R.Out;
  EXPECT_EQ(Report["findings"][0]["check"], "mapguard-erase-during-iteration") << R.Out;
  EXPECT_TRUE(Report["failedUnits"].empty()) << R.Out;
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
  P.add("store.cpp",
        "#include \"store.h\"\nvoid Store::drop() { std::lock_guard<std::mutex> Lock(Mu); M.erase(1); }\n");
  P.writeDatabase();
  // The inferred guard (rule inferred-guard, off by default) describes itself per unit.
  CommandResult R =
      run({Mapguard, "-p", P.root(), "-j", "1", "--header-filter=.*store.h", "--checks=-*,mapguard-unguarded-access",
           "--config={CheckOptions: {Rules: all}}", P.path("src/store.cpp"), P.path("src/store_user.cpp")});
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
  P.add("store.cpp",
        "#include \"store.h\"\nvoid Store::drop() { std::lock_guard<std::mutex> Lock(Mu); M.erase(1); }\n");
  for (int I = 0; I < 4; ++I)
    P.add("prune" + std::to_string(I) + ".cpp", "#include <map>\nbool dead(int);\nvoid prune(std::map<int, int> &C) {\n"
                                                "  for (auto &[K, V] : C) if (dead(V)) C.erase(K);\n"
                                                "  for (auto &[K, V] : C) if (dead(V)) C.erase(K);\n}\n");
  P.writeDatabase();
  auto Analyse = [&](const std::vector<std::string> &Extra) {
    // Each part analyses its units itself (no results taken from the whole run's cache).
    std::vector<std::string> Args{Mapguard,
                                  "-p",
                                  P.root(),
                                  "--no-cache",
                                  "--header-filter=.*",
                                  "--quiet",
                                  "--source-root",
                                  P.root(),
                                  "--config={CheckOptions: {Rules: all}}"};
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
      CommandResult R =
          Analyse({"--shard=" + std::to_string(K) + "/" + std::to_string(Count), "--sarif", Part, "--format=json"});
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
  CommandResult Unrooted =
      run({Mapguard, "merge-sarif", P.path("part1.sarif"), P.path("part2.sarif"), "--source-root="});
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

TEST(CliTest, TheIndexCommandsSayWhatIsWrongWithTheirArguments) {
  Project P;
  TempDir Out;
  // An index run writes the index alone: report options are a usage error, not ignored.
  for (const std::vector<std::string> &Extra :
       std::vector<std::vector<std::string>>{{"--sarif", Out.file("x.sarif")}, {"--fix"}, {"--no-project-index"}}) {
    std::vector<std::string> Command = {Mapguard, "index", "-p", P.root()};
    Command.insert(Command.end(), Extra.begin(), Extra.end());
    CommandResult Result = run(Command);
    EXPECT_EQ(Result.ExitCode, 2) << Extra.front() << ": " << Result.Err;
    EXPECT_NE(Result.Err.find("mapguard index"), std::string::npos) << Result.Err;
  }
  // An index it cannot write is an error, not a silent run.
  CommandResult Unwritable =
      run({Mapguard, "index", "--quiet", "-p", P.root(), "--project-index-file", Out.file("no/such/dir/x.index")});
  EXPECT_EQ(Unwritable.ExitCode, 2) << Unwritable.Err;
  EXPECT_NE(Unwritable.Err.find("cannot write the project index"), std::string::npos) << Unwritable.Err;
  // An analysis run still reports its findings, and warns that the editors will not see the facts.
  CommandResult Analysis =
      run({Mapguard, "--quiet", "-p", P.root(), "--project-index-file", Out.file("no/such/dir/x.index")});
  EXPECT_EQ(Analysis.ExitCode, 1) << Analysis.Err;
  EXPECT_NE(Analysis.Err.find("will not see this run's facts"), std::string::npos) << Analysis.Err;
  // merge-index: an output is required, and every input must be an index of this version.
  EXPECT_EQ(run({Mapguard, "merge-index", Out.file("a.index")}).ExitCode, 2);
  writeFile(Out.file("a.index"), R"({"mapguard-project-index": 1, "functions": {}})");
  writeFile(Out.file("bad.index"), "{}");
  CommandResult Bad = run({Mapguard, "merge-index", Out.file("a.index"), Out.file("bad.index"), "-o", Out.file("m")});
  EXPECT_EQ(Bad.ExitCode, 2);
  EXPECT_NE(Bad.Err.find("bad.index' is not a mapguard project index"), std::string::npos) << Bad.Err;
  CommandResult Good = run({Mapguard, "merge-index", Out.file("a.index"), Out.file("a.index"), "-o", Out.file("m")});
  EXPECT_EQ(Good.ExitCode, 0) << Good.Err;
  EXPECT_NE(readFile(Out.file("m")).find("\"mapguard-project-index\": 1"), std::string::npos);
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

} // namespace
