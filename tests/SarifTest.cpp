// SARIF logs from the CLI: valid against the official 2.1.0 schema, deterministic, and carrying
// what GitHub code scanning reads.
#include "Sarif.h"
#include "TestProject.h"
#include "TestSupport.h"

#include "llvm/Support/FileSystem.h"
#include "gtest/gtest.h"
#include <map>
#include <nlohmann/json.hpp>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

// The log's format is under test, on hazards of rules off by default too (range-for-change,
// invalidating-insert): every rule runs.
const std::string AllRules = "--config={Checks: '-*,mapguard-*', CheckOptions: {Rules: all}}";

const char *const Source = R"(#include <map>
#include <unordered_map>
bool dead(int Value);
void prune(std::map<int, int> &Counts) {
  for (auto &[Key, Value] : Counts)
    if (dead(Value)) Counts.erase(Key);
}
void grow(std::unordered_map<int, int> &Table) {
  for (auto &[Key, Value] : Table)
    Table[Key + 1] = Value;
}
)";

struct SarifRun {
  TempDir Dir;
  std::string Log;
  int ExitCode;
  explicit SarifRun(const std::string &Code, bool WithBrokenUnit = false) {
    writeFile(Dir.file("src/prune.cpp"), Code);
    std::vector<std::string> Command = {Mapguard,
                                        "--quiet",
                                        AllRules,
                                        "--sarif=" + Dir.file("out.sarif"),
                                        "--source-root=" + Dir.path(),
                                        Dir.file("src/prune.cpp")};
    if (WithBrokenUnit) {
      writeFile(Dir.file("src/broken.cpp"), "int f( {\n");
      Command.push_back(Dir.file("src/broken.cpp"));
    }
    Command.insert(Command.end(), {"--", "-std=c++17"});
    ExitCode = run(Command).ExitCode;
    Log = readFile(Dir.file("out.sarif"));
  }
  Json json() const { return Json::parse(Log); }
};

TEST(SarifTest, ValidatesAgainstTheOfficialSchema) {
  SarifRun Clean(Source);
  EXPECT_EQ(Clean.ExitCode, 1);
  EXPECT_EQ(validateSarif(Clean.Dir.file("out.sarif")), "");
  SarifRun Broken(Source, /*WithBrokenUnit=*/true);
  EXPECT_EQ(Broken.ExitCode, 3);
  EXPECT_EQ(validateSarif(Broken.Dir.file("out.sarif")), "");
}

// A run stopped before its end (killed, cancelled in CI) keeps its --sarif and --json files:
// they are rewritten at checkpoints with the units done so far, each time whole, marked partial.
TEST(SarifTest, AnInterruptedRunLeavesValidPartialReports) {
  Project P;
  P.add("zz_hanging.cpp", "#include <map>\nstd::map<int, int> M;\n"); // analysed last, never ends
  P.writeDatabase();
  const std::string Sarif = P.path("out.sarif"), Report = P.path("out.json");
  std::vector<std::string> Command = {
      Mapguard,  "-p",  P.root(), "-j1", "--no-cache", "--header-filter=.*", "--checkpoint-interval=0",
      "--sarif", Sarif, "--json", Report};
  ::setenv("MAPGUARD_TEST_HANG_IN", "zz_hanging.cpp", 1);
  std::vector<std::string> Stopped = {"timeout", "5"};
  Stopped.insert(Stopped.end(), Command.begin(), Command.end());
  CommandResult R = run(Stopped);
  ::unsetenv("MAPGUARD_TEST_HANG_IN");
  EXPECT_EQ(R.ExitCode, 124) << "stopped by timeout: " << R.Err;
  EXPECT_EQ(validateSarif(Sarif), "");
  Json Log = Json::parse(readFile(Sarif));
  const Json &Run = Log["runs"][0];
  EXPECT_EQ(Run["properties"]["partial"], true) << Log.dump(2);
  EXPECT_EQ(Run["properties"]["unitsDone"], 2);
  EXPECT_EQ(Run["properties"]["unitsTotal"], 3);
  EXPECT_EQ(Run["invocations"][0]["executionSuccessful"], false);
  EXPECT_EQ(Run["results"].size(), 2u); // hazard.cpp and the shared header, from the units done
  Json Partial = Json::parse(readFile(Report));
  EXPECT_EQ(Partial["partial"]["unitsDone"], 2) << Partial.dump(2);
  EXPECT_EQ(Partial["findings"].size(), 2u);

  // A run that ends writes the whole result, with no mark.
  CommandResult Whole = run(Command);
  EXPECT_EQ(Whole.ExitCode, 1) << Whole.Err;
  EXPECT_EQ(validateSarif(Sarif), "");
  EXPECT_FALSE(Json::parse(readFile(Sarif))["runs"][0]["properties"].contains("partial"));
  EXPECT_FALSE(Json::parse(readFile(Report)).contains("partial"));
  EXPECT_EQ(Json::parse(readFile(Report))["findings"].size(), 2u);
}

TEST(SarifTest, SameInputGivesTheSameBytes) {
  SarifRun First(Source);
  TempDir Same;
  std::string Again = Same.file("again.sarif");
  run({Mapguard, "--quiet", AllRules, "-j", "2", "--sarif=" + Again, "--source-root=" + First.Dir.path(),
       First.Dir.file("src/prune.cpp"), "--", "-std=c++17"});
  EXPECT_FALSE(First.Log.empty());
  EXPECT_EQ(readFile(Again), First.Log);
}

TEST(SarifTest, CarriesWhatCodeScanningReads) {
  Json Log = SarifRun(Source).json();
  EXPECT_EQ(Log["version"], "2.1.0");
  const Json &Run = Log["runs"][0];
  const Json &Driver = Run["tool"]["driver"];
  EXPECT_EQ(Driver["name"], "mapguard");
  ASSERT_FALSE(Driver["rules"].empty());
  // Every check has a rule; results point at theirs by index.
  size_t EraseRule = Driver["rules"].size();
  for (size_t I = 0; I < Driver["rules"].size(); ++I)
    if (Driver["rules"][I]["id"] == "mapguard-erase-during-iteration")
      EraseRule = I;
  ASSERT_LT(EraseRule, Driver["rules"].size());
  const Json &Rule = Driver["rules"][EraseRule];
  for (const char *Field : {"name", "shortDescription", "fullDescription", "help", "helpUri", "defaultConfiguration"})
    EXPECT_TRUE(Rule.contains(Field)) << Field;
  EXPECT_NE(Rule["help"]["markdown"].get<std::string>().find("# mapguard-erase-during-iteration"), std::string::npos);
  EXPECT_EQ(Rule["properties"]["precision"], "high");
  EXPECT_EQ(Run["columnKind"], "unicodeCodePoints");
  EXPECT_EQ(Run["originalUriBaseIds"]["%SRCROOT%"]["uri"].get<std::string>().back(), '/');
  EXPECT_EQ(Run["invocations"][0]["executionSuccessful"], true);

  ASSERT_EQ(Run["results"].size(), 2u);
  const Json &Result = Run["results"][0];
  EXPECT_EQ(Result["ruleId"], "mapguard-erase-during-iteration");
  EXPECT_EQ(Result["ruleIndex"], EraseRule);
  EXPECT_EQ(Result["level"], "warning");
  const Json &Location = Result["locations"][0]["physicalLocation"];
  EXPECT_EQ(Location["artifactLocation"]["uri"], "src/prune.cpp");
  EXPECT_EQ(Location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(Location["region"]["startLine"], 6);
  EXPECT_EQ(Location["region"]["startColumn"], 29);
  ASSERT_EQ(Result["relatedLocations"].size(), 1u);
  EXPECT_EQ(Result["relatedLocations"][0]["id"], 1);
  EXPECT_EQ(Result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 5);
  EXPECT_NE(Result["message"]["text"].get<std::string>().find("[iteration over 'Counts' starts here](1)"),
            std::string::npos);
  EXPECT_FALSE(Result["fixes"][0]["artifactChanges"][0]["replacements"].empty());
  // Brackets in the message text itself are escaped, so only note links are links.
  EXPECT_NE(Run["results"][1]["message"]["text"].get<std::string>().find("'operator\\[\\]'"), std::string::npos);
}

TEST(SarifTest, FingerprintSurvivesEditsAboveAndDiffersBetweenFindings) {
  Json Before = SarifRun(Source).json();
  Json After = SarifRun(std::string("// a new comment\n\n") + Source).json();
  auto Fingerprints = [](const Json &Log) {
    std::vector<std::string> Result;
    for (const Json &R : Log["runs"][0]["results"])
      Result.push_back(R["partialFingerprints"]["primaryLocationLineHash"]);
    return Result;
  };
  EXPECT_EQ(Fingerprints(Before), Fingerprints(After));
  EXPECT_NE(Fingerprints(Before)[0], Fingerprints(Before)[1]);
  EXPECT_EQ(After["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
}

TEST(SarifTest, UnitsThatFailedAreNotifications) {
  Json Log = SarifRun(Source, /*WithBrokenUnit=*/true).json();
  const Json &Invocation = Log["runs"][0]["invocations"][0];
  EXPECT_EQ(Invocation["executionSuccessful"], false);
  ASSERT_EQ(Invocation["toolExecutionNotifications"].size(), 1u);
  const Json &Note = Invocation["toolExecutionNotifications"][0];
  EXPECT_EQ(Note["level"], "error");
  EXPECT_NE(Note["message"]["text"].get<std::string>().find("broken.cpp' could not be analysed"), std::string::npos);
  EXPECT_EQ(Log["runs"][0]["results"].size(), 2u); // the other unit is still reported
}

TEST(SarifTest, BaselineMarksNewUnchangedAndAbsentResults) {
  TempDir Dir;
  auto Analyse = [&](const std::string &Code, const std::vector<std::string> &Extra) {
    writeFile(Dir.file("src/prune.cpp"), Code);
    std::vector<std::string> Command = {Mapguard, "--quiet", AllRules, "--source-root=" + Dir.path(),
                                        Dir.file("src/prune.cpp")};
    Command.insert(Command.end(), Extra.begin(), Extra.end());
    Command.insert(Command.end(), {"--", "-std=c++17"});
    return run(Command);
  };
  EXPECT_EQ(Analyse(Source, {"--sarif=" + Dir.file("base.sarif")}).ExitCode, 1);
  // grow() is fixed, prune() stays, and a new hazard arrives above it (the old one moves down).
  std::string Edited = Source;
  Edited.replace(Edited.find("void grow"), std::string::npos, "");
  Edited.insert(Edited.find("void prune"),
                "void fresh(std::map<int, int> &M) {\n  for (auto &[K, V] : M) M.erase(K);\n}\n");
  CommandResult Gated = Analyse(Edited, {"--baseline=" + Dir.file("base.sarif"), "--sarif=" + Dir.file("new.sarif")});
  EXPECT_EQ(Gated.ExitCode, 1);
  std::vector<Diag> Shown = parseDiagnostics(Gated.Out);
  ASSERT_FALSE(Shown.empty()) << Gated.Out;
  EXPECT_EQ(Shown[0].Line, 5u); // only the new finding (and its note)
  EXPECT_EQ(std::count_if(Shown.begin(), Shown.end(), [](const Diag &D) { return D.Kind == "warning"; }), 1);
  EXPECT_EQ(validateSarif(Dir.file("new.sarif")), "");
  std::map<std::string, std::vector<std::string>> States; // baselineState -> ruleId:line (or kind)
  Json Log = Json::parse(readFile(Dir.file("new.sarif")));
  for (const Json &R : Log["runs"][0]["results"])
    States[R["baselineState"].get<std::string>()].push_back(
        std::to_string(R["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>()) +
        (R.contains("kind") ? ":" + R["kind"].get<std::string>() : ""));
  EXPECT_EQ(States["new"], std::vector<std::string>{"5"});
  EXPECT_EQ(States["unchanged"], std::vector<std::string>{"9"});
  EXPECT_EQ(States["absent"], std::vector<std::string>{"10:pass"}); // fixed: not an alert
  // The new log as the next baseline: nothing new, and absent results are not carried over.
  CommandResult Again = Analyse(Edited, {"--baseline=" + Dir.file("new.sarif"), "--format=json"});
  EXPECT_EQ(Again.ExitCode, 0) << Again.Err;
  EXPECT_EQ(Json::parse(Again.Out)["absentFromBaseline"], 0);
  CommandResult NotSarif = Analyse(Edited, {"--baseline=" + Dir.file("src/prune.cpp")});
  EXPECT_EQ(NotSarif.ExitCode, 2);
}

TEST(SarifTest, ResultsAreCappedForCodeScanningMostSevereFirst) {
  TempDir Dir;
  writeFile(Dir.file("a.cpp"), "int a;\nint b;\nint c;\nint d;\nint e;\n");
  mapguard::AnalysisResult Result;
  for (unsigned Line = 0; Line < 5; ++Line) {
    clang::tidy::ClangTidyError E("mapguard-manual-lock",
                                  Line == 3 ? clang::tidy::ClangTidyError::Error : clang::tidy::ClangTidyError::Warning,
                                  Dir.path(), false);
    E.Message.Message = "finding " + std::to_string(Line + 1);
    E.Message.FilePath = Dir.file("a.cpp");
    E.Message.FileOffset = Line * 7;
    Result.Findings.push_back(E);
  }
  mapguard::SarifOptions Options;
  Options.SourceRoot = Dir.path();
  Options.MaxResults = 3;
  Json Run = Json::parse(mapguard::renderSarif(Result, Options))["runs"][0];
  ASSERT_EQ(Run["results"].size(), 3u);
  EXPECT_EQ(Run["results"][0]["message"]["text"], "finding 4"); // the error first
  EXPECT_EQ(Run["results"][1]["message"]["text"], "finding 1");
  const Json &Note = Run["invocations"][0]["toolExecutionNotifications"][0];
  EXPECT_EQ(Note["level"], "warning");
  EXPECT_EQ(Note["message"]["text"], "2 of 5 results were left out: code scanning accepts at most 3 per run");
  EXPECT_EQ(mapguard::CodeScanningMaxResults, 25000u);
}

} // namespace
