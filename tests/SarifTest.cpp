// SARIF logs from the CLI: valid against the official 2.1.0 schema, deterministic, and carrying
// what GitHub code scanning reads.
#include "TestSupport.h"

#include "gtest/gtest.h"
#include "llvm/Support/FileSystem.h"
#include <nlohmann/json.hpp>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

const std::string Mapguard = MAPGUARD_BINARY_DIR "/bin/mapguard";

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
    std::vector<std::string> Command = {Mapguard, "--quiet", "--sarif=" + Dir.file("out.sarif"),
                                        "--source-root=" + Dir.path(), Dir.file("src/prune.cpp")};
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

std::string validate(const std::string &SarifPath) {
  if (!llvm::sys::fs::exists(MAPGUARD_SARIF_SCHEMA))
    return "schema missing at " MAPGUARD_SARIF_SCHEMA " (npm pack @microsoft/jest-sarif; see scripts/install-deps.sh)";
  const std::string Validator = "import json, sys, jsonschema\n"
                                "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))\n";
  CommandResult R = run({"/usr/bin/python3", "-c", Validator, SarifPath, MAPGUARD_SARIF_SCHEMA});
  return R.ExitCode == 0 ? "" : R.Err;
}

TEST(SarifTest, ValidatesAgainstTheOfficialSchema) {
  SarifRun Clean(Source);
  EXPECT_EQ(Clean.ExitCode, 1);
  EXPECT_EQ(validate(Clean.Dir.file("out.sarif")), "");
  SarifRun Broken(Source, /*WithBrokenUnit=*/true);
  EXPECT_EQ(Broken.ExitCode, 3);
  EXPECT_EQ(validate(Broken.Dir.file("out.sarif")), "");
}

TEST(SarifTest, SameInputGivesTheSameBytes) {
  SarifRun First(Source);
  TempDir Same;
  std::string Again = Same.file("again.sarif");
  run({Mapguard, "--quiet", "-j", "2", "--sarif=" + Again, "--source-root=" + First.Dir.path(),
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

} // namespace
