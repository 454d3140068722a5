// What the mapguard CLI prints and writes: the configuration it shares with the plugin, fixes,
// the check list, output formats, header and line filters, --explain-config, progress, and --diff
// with the changed lines it reads from git.
#include "TestProject.h"
#include "TestSupport.h"

#include "ChangedLines.h"
#include "CheckCatalog.h"
#include "llvm/ADT/StringRef.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>
#include <regex>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

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
  CommandResult Plugin =
      run({MAPGUARD_CLANG_TIDY, LoadPlugin, "-p", P.root(), P.path("src/custom.cpp"), P.path("src/hazard.cpp")});
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
  // The default rules (what quickstart.sh shows first: of the sample's bugs, the iterator its loop
  // advances after erase() invalidated it is of a rule that earned its default), then every rule
  // (README: "Rules"; quickstart.sh shows them next).
  EXPECT_EQ(Findings({}), std::vector<std::string>{"routing_table.cpp:22"});
  EXPECT_FALSE(readFile(Build.file("sample.sarif")).empty());
  EXPECT_EQ(Findings({"--config={Checks: '-*,mapguard-*', CheckOptions: {Rules: all}}"}),
            (std::vector<std::string>{"feature_flags.cpp:15", "routing_table.cpp:15", "routing_table.cpp:22",
                                      "session_cache.cpp:18", "session_cache.cpp:29", "session_cache.cpp:34"}));
}

TEST(CliTest, ListChecksMatchesTheCatalogAndThePlugin) {
  CommandResult Cli = run({Mapguard, "--list-checks", "--checks=-*,mapguard-*"});
  CommandResult Plugin = run({MAPGUARD_CLANG_TIDY, LoadPlugin, "--list-checks", "-checks=-*,mapguard-*"});
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
  writeFile(P.path(".clang-tidy"), "Checks: '-*,mapguard-erase-during-iteration,mapguard-manual-lock'\n"
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
  std::vector<std::smatch> Lines(std::sregex_iterator(Plain.Err.begin(), Plain.Err.end(), Line),
                                 std::sregex_iterator());
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
