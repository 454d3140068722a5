// The GitHub Action (action.yml): its inputs are consistent with what its steps and the example
// workflows use, and its analysis step (integration/github/run-mapguard.sh) gates a job as the
// inputs say, run here as the action runs it, on a project with one finding.
#include "TestProject.h"
#include "TestSupport.h"

#include "llvm/Support/FileSystem.h"
#include "gtest/gtest.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

using namespace mapguard::test;

namespace {

const std::string RunStep = SourceDir + "/integration/github/run-mapguard.sh";

std::set<std::string> lines(const std::string &Text) {
  std::set<std::string> Out;
  std::size_t Start = 0;
  for (std::size_t End; (End = Text.find('\n', Start)) != std::string::npos; Start = End + 1)
    if (End > Start)
      Out.insert(Text.substr(Start, End - Start));
  return Out;
}

/// Prints one line per item of what a Python expression over the parsed YAML file yields.
std::set<std::string> yamlItems(const std::string &File, const std::string &Expression) {
  CommandResult R = run({"/usr/bin/python3", "-c",
                         "import sys, yaml\ndoc = yaml.safe_load(open(sys.argv[1]))\n"
                         "for item in " +
                             Expression + ": print(item)",
                         File});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  return lines(R.Out);
}

std::set<std::string> matches(const std::string &Text, const std::string &Pattern) {
  std::set<std::string> Out;
  const std::regex Re(Pattern);
  for (auto It = std::sregex_iterator(Text.begin(), Text.end(), Re); It != std::sregex_iterator(); ++It)
    Out.insert((*It)[1].str());
  return Out;
}

TEST(GitHubActionTest, InputsAreDeclaredUsedAndPassedOnlyAsDeclared) {
  const std::string Action = SourceDir + "/action.yml";
  const std::set<std::string> Declared = yamlItems(Action, "doc['inputs']");
  EXPECT_EQ(yamlItems(Action, "[doc['runs']['using']]"), std::set<std::string>{"composite"});
  // Every input a step reads is declared, and every declared input is read.
  EXPECT_EQ(matches(readFile(Action), R"(inputs\.([a-z-]+))"), Declared);
  // Every variable the analysis step is given is one the script reads, and the other way round.
  const std::set<std::string> Given = yamlItems(Action, "[k for s in doc['runs']['steps'] for k in s.get('env', {})]");
  EXPECT_EQ(Given, matches(readFile(RunStep), R"(\$\{?(MAPGUARD(_[A-Z]+)*))"));
  for (const char *Workflow : {"/integration/github/mapguard.yml", "/integration/github/mapguard-sharded.yml"}) {
    const std::set<std::string> Passed = yamlItems(
        SourceDir + Workflow, "[k for j in doc['jobs'].values() for s in j['steps'] "
                              "if s.get('uses', '').startswith('mapguard/mapguard@') for k in s.get('with', {})]");
    EXPECT_FALSE(Passed.empty()) << Workflow << " does not use the action";
    for (const std::string &Input : Passed)
      EXPECT_TRUE(Declared.count(Input)) << Workflow << " passes undeclared input " << Input;
  }
}

/// The action's analysis step on a project whose hazard.cpp has one finding.
class RunStepTest : public ::testing::Test {
protected:
  CommandResult step(const std::vector<std::string> &Env) {
    std::vector<std::string> Command = {"/usr/bin/env", "MAPGUARD=" + Mapguard, "MAPGUARD_BUILD_DIR=" + P.root(),
                                        "MAPGUARD_SARIF=" + Sarif, "MAPGUARD_ARGS=--quiet " + P.path("src/hazard.cpp")};
    Command.insert(Command.end(), Env.begin(), Env.end());
    Command.insert(Command.end(), {"bash", RunStep});
    return run(Command, P.root());
  }
  Project P;
  TempDir Out;
  const std::string Sarif = Out.file("mapguard.sarif");
};

TEST_F(RunStepTest, FailsOnFindingsNotInTheBaselineOnly) {
  CommandResult First = step({"MAPGUARD_BASELINE=" + Out.file("none-yet.sarif")});
  EXPECT_EQ(First.ExitCode, 1) << output(First);
  EXPECT_NE(First.Err.find("no baseline at"), std::string::npos) << First.Err;
  ASSERT_TRUE(llvm::sys::fs::exists(Sarif));
  const std::string Baseline = Out.file("baseline.sarif");
  ASSERT_FALSE(llvm::sys::fs::copy_file(Sarif, Baseline));
  // The same finding again: not new, the job passes; 'any' fails it all the same.
  CommandResult Again = step({"MAPGUARD_BASELINE=" + Baseline});
  EXPECT_EQ(Again.ExitCode, 0) << output(Again);
  EXPECT_NE(readFile(Sarif).find("\"baselineState\": \"unchanged\""), std::string::npos);
  EXPECT_EQ(step({"MAPGUARD_BASELINE=" + Baseline, "MAPGUARD_FAIL_ON=any"}).ExitCode, 1);
  // A finding the baseline lacks fails the job.
  writeFile(P.path("src/hazard.cpp"), readFile(P.path("src/hazard.cpp")) + LaterHazard);
  CommandResult New = step({"MAPGUARD_BASELINE=" + Baseline});
  EXPECT_EQ(New.ExitCode, 1) << output(New);
  EXPECT_NE(New.Err.find("findings not in the baseline"), std::string::npos) << New.Err;
}

TEST_F(RunStepTest, FindingsNeverFailWithFailOnNoneButABrokenSetupDoes) {
  EXPECT_EQ(step({"MAPGUARD_FAIL_ON=none"}).ExitCode, 0);
  EXPECT_EQ(step({"MAPGUARD_FAIL_ON=none", "MAPGUARD_BUILD_DIR=" + Out.file("no-such-build")}).ExitCode, 2);
  CommandResult Typo = step({"MAPGUARD_FAIL_ON=new-only"});
  EXPECT_EQ(Typo.ExitCode, 2);
  EXPECT_NE(Typo.Err.find("fail-on must be new, any or none"), std::string::npos) << Typo.Err;
}

/// The file of each result of a SARIF log, by name.
std::multiset<std::string> resultFiles(const std::string &SarifPath) {
  std::multiset<std::string> Files;
  const nlohmann::json Log = nlohmann::json::parse(readFile(SarifPath));
  for (const nlohmann::json &Result : Log["runs"][0]["results"]) {
    const std::string Uri = Result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    Files.insert(Uri.substr(Uri.rfind('/') + 1));
  }
  return Files;
}

TEST_F(RunStepTest, MergesThePartsOfAShardedRun) {
  // Without files, a run analyses the whole database (hazard.cpp and clean.cpp), each part its share.
  const std::string Whole = Out.file("whole.sarif");
  EXPECT_EQ(step({"MAPGUARD_SARIF=" + Whole, "MAPGUARD_ARGS=--quiet"}).ExitCode, 1);
  EXPECT_LE(
      step({"MAPGUARD_SHARD=1/2", "MAPGUARD_SARIF=" + Out.file("part-1.sarif"), "MAPGUARD_ARGS=--quiet"}).ExitCode, 1);
  EXPECT_LE(
      step({"MAPGUARD_SHARD=2/2", "MAPGUARD_SARIF=" + Out.file("part-2.sarif"), "MAPGUARD_ARGS=--quiet"}).ExitCode, 1);
  CommandResult Merge = step({"MAPGUARD_MERGE=" + Out.file("part-*.sarif")});
  ASSERT_EQ(Merge.ExitCode, 0) << output(Merge);
  // The merged log has the findings of one run over all the units, each once.
  EXPECT_NE(resultFiles(Whole).count("hazard.cpp"), 0U);
  EXPECT_EQ(resultFiles(Sarif), resultFiles(Whole)) << readFile(Sarif);
}

TEST_F(RunStepTest, BuildsTheProjectIndexInTwoStagesForAShardedRun) {
  // Stage 1: each part's facts, next to the database, and no log.
  for (const std::string Part : {"1", "2"}) {
    CommandResult Facts = step({"MAPGUARD_INDEX=true", "MAPGUARD_SHARD=" + Part + "/2", "MAPGUARD_ARGS=--quiet"});
    EXPECT_EQ(Facts.ExitCode, 0) << output(Facts);
    EXPECT_TRUE(llvm::sys::fs::exists(P.path("mapguard-" + Part + "-of-2.index"))) << output(Facts);
  }
  EXPECT_FALSE(llvm::sys::fs::exists(Sarif)) << "an index job writes no SARIF log";
  // Stage 2: a part merges the indexes, then analyses its units with the whole.
  CommandResult Part =
      step({"MAPGUARD_MERGE_INDEX=" + P.path("mapguard-*-of-2.index"), "MAPGUARD_SHARD=1/2", "MAPGUARD_ARGS=--quiet"});
  EXPECT_LE(Part.ExitCode, 1) << output(Part);
  EXPECT_TRUE(llvm::sys::fs::exists(P.path("mapguard.index")));
  EXPECT_TRUE(llvm::sys::fs::exists(Sarif));
  // A part's index that is not one stops the step with mapguard's usage error.
  writeFile(P.path("mapguard-3-of-3.index"), "not an index");
  EXPECT_EQ(step({"MAPGUARD_MERGE_INDEX=" + P.path("mapguard-*-of-*.index"), "MAPGUARD_ARGS=--quiet"}).ExitCode, 2);
}

} // namespace
