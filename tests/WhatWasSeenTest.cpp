// What a run says it analysed (issue 26, item 1): the shared containers it found and how each is
// guarded, the project's mutex classes and how each was recognised, and the lock-like classes it
// could not model — in the summary, the JSON report and the SARIF run's properties; merged over
// shards as one run; never in the clang-tidy plugin's output.
#include "TestProject.h"
#include "TestSupport.h"

#include "gtest/gtest.h"

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

// Five shared containers: one annotated, one guarded by a project mutex read from its bodies, one
// guarded by a pimpl mutex whose Lock() and Unlock() live in another file (known by their names),
// one never locked, one behind a class that is given an object to lock at construction and whose
// lock() and unlock() live in another file (a guard or a mutex: this unit cannot tell).
const char *const StoreHeader = R"(#pragma once
#include <map>
#include <mutex>
class Mutex {
public:
  void Lock() { Mu.lock(); }
  void Unlock() { Mu.unlock(); }
private:
  std::mutex Mu;
};
class Opaque {
public:
  explicit Opaque(int *Slot);
  void lock();
  void unlock();
private:
  int *Slot;
};
class Hidden {
public:
  Hidden();
  ~Hidden();
  void Lock();
  void Unlock();
private:
  struct Impl;
  Impl *Pimpl;
};
struct Store {
  Mutex Mu;
  std::map<int, int> Guarded;
  std::map<int, int> Free;
  std::mutex Plain;
  std::map<int, int> Annotated __attribute__((guarded_by(Plain)));
  Opaque Door{nullptr};
  std::map<int, int> Behind;
  Hidden Gate;
  std::map<int, int> Pimpled;
  void put(int K) { Mu.Lock(); Guarded[K] = K; Mu.Unlock(); }
  bool has(int K) { Mu.Lock(); bool Found = Guarded.count(K) != 0; Mu.Unlock(); return Found; }
  void note(int K) { Free[K] = 1; }
  void mark(int K) { std::lock_guard<std::mutex> Lock(Plain); Annotated[K] = 1; }
  void hide(int K) { Door.lock(); Behind[K] = 1; Door.unlock(); }
  void fill(int K) { Gate.Lock(); Pimpled[K] = 1; Gate.Unlock(); }
  bool filled(int K) { Gate.Lock(); bool Found = Pimpled.count(K) != 0; Gate.Unlock(); return Found; }
};
)";

class WhatWasSeenTest : public ::testing::Test {
protected:
  void SetUp() override {
    writeFile(P.path("include/store.h"), StoreHeader);
    P.add("store.cpp",
          "#include \"store.h\"\nvoid touch(Store &S) { S.put(1); S.note(2); S.mark(3); S.hide(4); S.fill(5); }\n");
    P.writeDatabase();
  }
  CommandResult mapguard(const std::vector<std::string> &Extra) {
    std::vector<std::string> Args{Mapguard, "-p", P.root(), "--no-cache"};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    return run(Args);
  }
  Project P;
};

TEST_F(WhatWasSeenTest, SummaryJsonAndSarifSayWhatWasAnalysed) {
  const std::string Sarif = P.path("out.sarif");
  CommandResult R = mapguard({"--format=json", "--sarif", Sarif, P.path("src/store.cpp")});
  ASSERT_LE(R.ExitCode, 1) << output(R);
  Json Seen = Json::parse(R.Out)["seen"];
  EXPECT_EQ(
      Seen["summary"],
      (Json{{"containers", 5}, {"annotated", 1}, {"inferred", 2}, {"none", 2}, {"lockClasses", 2}, {"unmodelled", 1}}))
      << Seen.dump(2);
  std::map<std::string, std::string> Guards;
  for (const Json &C : Seen["containers"])
    Guards[C["name"]] =
        C["guard"].get<std::string>() + (C.contains("mutex") ? " " + C["mutex"].get<std::string>() : "");
  EXPECT_EQ(Guards, (std::map<std::string, std::string>{{"Store::Annotated", "annotated Plain"},
                                                        {"Store::Behind", "none"},
                                                        {"Store::Free", "none"},
                                                        {"Store::Guarded", "inferred Mu"},
                                                        {"Store::Pimpled", "inferred Gate"}}));
  std::map<std::string, std::string> LockClasses;
  for (const Json &C : Seen["lockClasses"])
    LockClasses[C["name"]] = C["how"];
  EXPECT_EQ(LockClasses, (std::map<std::string, std::string>{{"Hidden", "members"}, {"Mutex", "members"}}));
  EXPECT_EQ(Seen["unmodelled"][0]["name"], "Opaque");
  EXPECT_EQ(Seen["unmodelled"][0]["line"], 11);
  // The SARIF run carries the same account, and stays valid.
  EXPECT_EQ(Json::parse(readFile(Sarif))["runs"][0]["properties"]["mapguard.seen"], Seen);
  EXPECT_EQ(validateSarif(Sarif), "");

  CommandResult Text = mapguard({P.path("src/store.cpp")});
  EXPECT_NE(Text.Err.find("mapguard: seen: 5 shared container(s) in the project's code (1 annotated, 2 with an "
                          "inferred guard, 2 with none); the project's mutex classes: 'Hidden' (by members), "
                          "'Mutex' (by members)\n"),
            std::string::npos)
      << Text.Err;
  EXPECT_NE(Text.Err.find("mapguard: 'Opaque' (" + P.path("include/store.h") +
                          ":11) has lock and unlock functions whose bodies no analysed unit shows"),
            std::string::npos)
      << Text.Err;
}

// `--explain-guards`: by class, each container, its guard with the evidence, and the accesses that
// do not hold it (in JSON too, as "without").
TEST_F(WhatWasSeenTest, ExplainGuardsListsEachContainerItsEvidenceAndTheAccessesWithoutIt) {
  P.add("leak.cpp", "#include \"store.h\"\nint leak(Store &S) {\n  return S.Guarded.count(1);\n}\n");
  P.writeDatabase();
  CommandResult R = mapguard({"--quiet", "--explain-guards", "--checks=-*,mapguard-unguarded-access"});
  ASSERT_LE(R.ExitCode, 1) << output(R);
  const std::string Header = P.path("include/store.h");
  EXPECT_NE(R.Out.find("Store\n"), std::string::npos) << R.Out;
  EXPECT_NE(R.Out.find("  Guarded (" + Header +
                       ":31): guarded by 'Mu' (inferred: held at 2 of 3 accesses)\n"
                       "    without 'Mu': " +
                       P.path("src/leak.cpp") + ":3 (count)\n"),
            std::string::npos)
      << R.Out;
  EXPECT_NE(R.Out.find("  Annotated (" + Header + ":34): guarded by 'Plain' (annotated)\n"), std::string::npos)
      << R.Out;
  EXPECT_NE(R.Out.find("  Free (" + Header + ":32): no guard"), std::string::npos) << R.Out;
  Json Seen = Json::parse(mapguard({"--quiet", "--format=json"}).Out)["seen"];
  Json Without;
  for (const Json &C : Seen["containers"])
    if (C["name"] == "Store::Guarded")
      Without = C["without"];
  EXPECT_EQ(Without, (Json::array({{{"file", P.path("src/leak.cpp")}, {"line", 3}, {"what", "count"}}})))
      << Seen.dump(2);
  // Without the option, no listing.
  EXPECT_EQ(mapguard({"--quiet"}).Out.find("guarded by"), std::string::npos);
}

TEST_F(WhatWasSeenTest, ShardsMergeIntoOneAccountAndOnlyTheCliAsksForIt) {
  P.add("other.cpp", "#include \"store.h\"\nbool probe(Store &S) { return S.has(5); }\n");
  P.writeDatabase();
  CommandResult Whole = mapguard({"--quiet", "--format=json"});
  const Json Expected = Json::parse(Whole.Out)["seen"];
  ASSERT_EQ(Expected["summary"]["containers"], 5) << Whole.Out;
  std::vector<std::string> Merge{Mapguard, "merge-sarif"};
  for (const char *Part : {"1/2", "2/2"}) {
    const std::string Log = P.path(std::string("part") + Part[0] + ".sarif");
    mapguard({"--quiet", std::string("--shard=") + Part, "--sarif", Log, "--source-root", P.root()});
    Merge.push_back(Log);
  }
  Merge.insert(Merge.end(), {"-o", P.path("merged.sarif")});
  ASSERT_EQ(run(Merge).ExitCode, 0);
  EXPECT_EQ(Json::parse(readFile(P.path("merged.sarif")))["runs"][0]["properties"]["mapguard.seen"], Expected);

  // No guard-based check enabled: nothing to account for.
  CommandResult EraseOnly = mapguard({"--quiet", "--format=json", "--checks=-*,mapguard-erase-during-iteration"});
  EXPECT_FALSE(Json::parse(EraseOnly.Out).contains("seen")) << EraseOnly.Out;
  // The clang-tidy plugin reports findings only.
  CommandResult Plugin =
      run({MAPGUARD_CLANG_TIDY, LoadPlugin, "-p", P.root(), "--checks=-*,mapguard-*", P.path("src/store.cpp")});
  EXPECT_EQ(Plugin.Out.find("mapguard-seen"), std::string::npos) << Plugin.Out;
  EXPECT_EQ(Plugin.Err.find("mapguard-seen"), std::string::npos) << Plugin.Err;
}

} // namespace
