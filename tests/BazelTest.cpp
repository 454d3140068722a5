// The Bazel integration end to end (integration/bazel/): Debian's Bazel builds the small workspace
// under testdata/bazel/ with the mapguard aspect - a facts action per source, a merged project
// index per target, one analysis per source with the toolchain's flags, the .clang-tidy files and
// the target's index as inputs - and mapguard_report merging the logs. Skipped where Bazel is not
// installed (scripts/install-deps.sh installs Debian's bazel-bootstrap).
#include "TestSupport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

class BazelWorkspace {
public:
  BazelWorkspace() {
    // Bazel's own test copies: the workspace files, pointed at this checkout's integration.
    EXPECT_EQ(run({"cp", "-r", SourceDir + "/testdata/bazel/workspace", Dir.file("ws")}).ExitCode, 0);
    writeFile(file("WORKSPACE"), "local_repository(name = \"mapguard_bazel\", path = \"" + SourceDir +
                                     "/integration/bazel\")\n"
                                     "load(\"@mapguard_bazel//:repositories.bzl\", \"mapguard_tool\")\n"
                                     "mapguard_tool(name = \"mapguard_tool\")\n");
  }
  std::string file(const std::string &Name) const { return Dir.file("ws/" + Name); }

  /// `bazel build` with the offline stand-ins, the workspace's .clang-tidy declared, C++17.
  CommandResult build(const std::vector<std::string> &Extra) const {
    const std::string Offline = SourceDir + "/testdata/bazel/offline/";
    std::vector<std::string> Args{"env",
                                  "HOME=" + Dir.path(),
                                  "MAPGUARD=" + Mapguard,
                                  "bazel",
                                  "--batch",
                                  "--output_user_root=" + Dir.file("bazel"),
                                  "build",
                                  "--subcommands",
                                  "--override_repository=rules_cc=" + Offline + "rules_cc",
                                  "--override_repository=rules_java=" + Offline + "rules_java",
                                  "--@mapguard_bazel//:config=//:clang_tidy_config",
                                  "--cxxopt=-std=c++17"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    return run(Args, Dir.file("ws"));
  }

  Json log(const std::string &Name) const { return Json::parse(readFile(file("bazel-bin/" + Name))); }

private:
  TempDir Dir;
};

/// How many facts actions a build ran.
size_t indexed(const CommandResult &Build) {
  size_t Count = 0;
  for (size_t At = Build.Err.find("[action 'indexing "); At != std::string::npos;
       At = Build.Err.find("[action 'indexing ", At + 1))
    ++Count;
  return Count;
}

/// How many mapguard analyses a build ran (--subcommands prints each action it executes).
size_t analysed(const CommandResult &Build) {
  size_t Count = 0;
  for (size_t At = Build.Err.find("[action 'mapguard "); At != std::string::npos;
       At = Build.Err.find("[action 'mapguard ", At + 1))
    ++Count;
  return Count;
}

std::vector<std::string> results(const Json &Log) {
  std::vector<std::string> Found;
  for (const Json &R : Log["runs"][0]["results"])
    Found.push_back(R["ruleId"].get<std::string>() + " " +
                    R["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>() + ":" +
                    std::to_string(R["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>()));
  return Found;
}

TEST(BazelTest, AspectAnalysesEachSourceOnceAndTheReportMergesThem) {
  if (!llvm::sys::findProgramByName("bazel"))
    GTEST_SKIP() << "bazel is not installed (Debian: bazel-bootstrap)";
  BazelWorkspace W;
  CommandResult Report = W.build({"//:report"});
  ASSERT_EQ(Report.ExitCode, 0) << Report.Err;
  EXPECT_EQ(analysed(Report), 4u) << Report.Err;
  EXPECT_EQ(indexed(Report), 4u) << Report.Err;
  // The defines and include paths came from the toolchain and the targets (REGISTRY_LIMIT,
  // "registry/registry.h"); the .clang-tidy enables one check, so the unguarded clear() is not reported.
  Json Merged = W.log("report.sarif");
  EXPECT_EQ(results(Merged), std::vector<std::string>{"mapguard-erase-during-iteration registry/registry.cpp:13"});
  EXPECT_FALSE(Merged["runs"][0].contains("originalUriBaseIds")); // the sandbox's path is not the workspace's
  EXPECT_TRUE(Merged["runs"][0]["invocations"][0]["executionSuccessful"].get<bool>());
  // Every source has its log, empty when it has no finding.
  EXPECT_TRUE(results(W.log("app/app.mapguard/app/main.cpp.sarif")).empty());
  EXPECT_EQ(results(W.log("registry/registry.mapguard/registry/registry.cpp.sarif")).size(), 1u);

  // Bazel's action cache: nothing changed, nothing analysed; a header re-analyses its includers,
  // a source itself, a .clang-tidy every source under it.
  EXPECT_EQ(analysed(W.build({"//:report"})), 0u);
  writeFile(W.file("app/main.cpp"), readFile(W.file("app/main.cpp")) + "// edited\n");
  EXPECT_EQ(analysed(W.build({"//:report"})), 1u);
  writeFile(W.file("registry/registry.h"), readFile(W.file("registry/registry.h")) + "// edited\n");
  EXPECT_EQ(analysed(W.build({"//:report"})), 3u) << "the sources of //registry and of //app";
  writeFile(W.file(".clang-tidy"), "Checks: '-*,mapguard-erase-during-iteration,mapguard-unguarded-access'\n"
                                   "CheckOptions:\n  Rules: all\n");
  CommandResult Reconfigured = W.build({"//:report"});
  ASSERT_EQ(Reconfigured.ExitCode, 0) << Reconfigured.Err;
  EXPECT_EQ(analysed(Reconfigured), 4u);
  // jobs.cpp's finding needs the facts of //sync: sync::Monitor locks in monitor.cpp, which its
  // unit does not see; its twin over sync::Depth, which locks nothing, has none.
  EXPECT_EQ(results(W.log("report.sarif")),
            (std::vector<std::string>{"mapguard-unguarded-access registry/jobs.cpp:29",
                                      "mapguard-erase-during-iteration registry/registry.cpp:13",
                                      "mapguard-unguarded-access registry/registry.cpp:16"}));
  // Each target's index merges its sources' facts and its dependencies' index.
  std::string AppIndex = readFile(W.file("bazel-bin/app/app.mapguard.index"));
  EXPECT_NE(AppIndex.find("sync::Monitor::enter"), std::string::npos) << AppIndex;
  EXPECT_NE(AppIndex.find("\"%EXECROOT%/registry/jobs.cpp\""), std::string::npos) << AppIndex;
  // The facts are the same in every sandbox: an edit that changes no fact of the lock class's
  // source re-analyses that source alone, not the units that use the lock.
  writeFile(W.file("sync/monitor.cpp"), readFile(W.file("sync/monitor.cpp")) + "// edited\n");
  CommandResult Edited = W.build({"//:report"});
  EXPECT_EQ(indexed(Edited), 1u) << Edited.Err;
  EXPECT_EQ(analysed(Edited), 1u) << Edited.Err;

  // The aspect on its own, over every target, as a user runs it from the command line.
  CommandResult Everything =
      W.build({"//...", "--aspects=@mapguard_bazel//:mapguard.bzl%mapguard_aspect", "--output_groups=mapguard"});
  EXPECT_EQ(Everything.ExitCode, 0) << Everything.Err;
  EXPECT_EQ(analysed(Everything), 0u) << "the same actions as the report's";
}

} // namespace
