// The result cache as a user meets it: a warm run reports what a cold run reports, byte for byte,
// and re-analyses exactly the units whose inputs changed (sources, headers, include paths,
// configuration, mapguard itself); it survives damage, concurrent writers and its size bound.
#include "ResultCache.h"
#include "TestProject.h"
#include "TestSupport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Regex.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>
#include <thread>

using namespace mapguard::test;
using Json = nlohmann::json;

namespace {

/// How many units the run's summary says came from the cache.
unsigned fromCache(const CommandResult &R) {
  llvm::SmallVector<llvm::StringRef, 2> Match;
  if (llvm::Regex(R"(translation unit\(s\) \(([0-9]+) from the cache\))").match(R.Err, &Match))
    return std::stoul(Match[1].str());
  return 0;
}

/// The project of the CLI tests plus a unit that includes neither shared.h nor anything of the
/// project, and a cache directory of its own.
struct CachedProject {
  CachedProject() {
    P.add("alone.cpp", "#include <set>\nvoid keep(std::set<int> &S) {\n"
                       "  for (auto It = S.begin(); It != S.end(); ++It) if (*It < 0) It = S.erase(It);\n}\n");
    P.writeDatabase();
  }
  CommandResult analyse(std::vector<std::string> Extra = {}) const {
    std::vector<std::string> Args{Mapguard, "-p", P.root(), "--header-filter=.*", "--cache-dir", Cache.path()};
    Args.insert(Args.end(), Extra.begin(), Extra.end());
    return run(Args);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> Files;
    std::error_code EC;
    for (llvm::sys::fs::recursive_directory_iterator It(Cache.path(), EC), End; It != End && !EC; It.increment(EC))
      if (It->type() != llvm::sys::fs::file_type::directory_file)
        Files.push_back(It->path());
    return Files;
  }
  Project P;
  TempDir Cache;
};

TEST(ResultCacheTest, WarmRunReportsWhatTheColdRunReportedByteForByte) {
  CachedProject C;
  CommandResult Cold = C.analyse({"--sarif", C.P.path("cold.sarif")});
  EXPECT_EQ(Cold.ExitCode, 1) << Cold.Err;
  EXPECT_EQ(fromCache(Cold), 0u) << Cold.Err;
  EXPECT_EQ(countWarnings(Cold.Out), 3u) << Cold.Out; // hazard.cpp, alone.cpp, shared.h once
  CommandResult Warm = C.analyse({"--sarif", C.P.path("warm.sarif")});
  EXPECT_EQ(Warm.ExitCode, 1) << Warm.Err;
  EXPECT_EQ(fromCache(Warm), 3u) << Warm.Err;
  EXPECT_EQ(Warm.Out, Cold.Out);
  EXPECT_EQ(readFile(C.P.path("warm.sarif")), readFile(C.P.path("cold.sarif")));
  CommandResult JsonCold = C.analyse({"--no-cache", "--format=json"});
  CommandResult JsonWarm = C.analyse({"--format=json"});
  EXPECT_EQ(fromCache(JsonWarm), 3u) << JsonWarm.Err;
  EXPECT_EQ(JsonWarm.Out, JsonCold.Out);
  // Fixes come from the cache too, and the fixed file is then a new input.
  const std::string Original = readFile(C.P.path("src/alone.cpp"));
  CommandResult Fixed = C.analyse({"--fix", C.P.path("src/alone.cpp")});
  EXPECT_EQ(fromCache(Fixed), 1u) << Fixed.Err;
  EXPECT_NE(readFile(C.P.path("src/alone.cpp")), Original);
  CommandResult AfterFix = C.analyse({C.P.path("src/alone.cpp")});
  EXPECT_EQ(fromCache(AfterFix), 0u) << AfterFix.Err;
  EXPECT_EQ(AfterFix.ExitCode, 0) << AfterFix.Out;
}

TEST(ResultCacheTest, EditedSourceOrHeaderReanalysesExactlyTheUnitsThatReadIt) {
  CachedProject C;
  C.analyse();
  writeFile(C.P.path("src/clean.cpp"), std::string(CleanSource) + "// edited\n");
  CommandResult Source = C.analyse();
  EXPECT_EQ(fromCache(Source), 2u) << Source.Err;
  // shared.h is read by hazard.cpp and clean.cpp, not by alone.cpp.
  writeFile(C.P.path("include/shared.h"), "#pragma once\n");
  CommandResult Header = C.analyse();
  EXPECT_EQ(fromCache(Header), 1u) << Header.Err;
  EXPECT_EQ(countWarnings(Header.Out), 2u) << Header.Out; // the header's finding is gone
  // A file rewritten with the same contents is the same input.
  writeFile(C.P.path("include/shared.h"), "#pragma once\n");
  EXPECT_EQ(fromCache(C.analyse()), 3u);
}

/// How many units the summary says were analysed again with the project index, and how many of
/// those came from the cache.
std::pair<unsigned, unsigned> analysedAgain(const CommandResult &R) {
  llvm::SmallVector<llvm::StringRef, 3> Match;
  if (!llvm::Regex(
           R"(([0-9]+) analysed again with the facts of [0-9]+ function\(s\) other units define( \(([0-9]+) from the cache\))?)")
           .match(R.Err, &Match))
    return {0, 0};
  return {std::stoul(Match[1].str()), Match[3].empty() ? 0u : unsigned(std::stoul(Match[3].str()))};
}

TEST(ResultCacheTest, AnEditedFactReanalysesTheUnitsThatUseItAndNoOthers) {
  // The runtime of testdata/projects/facts_across_units, the unit that calls it, and one that
  // calls nothing of it.
  TempDir Dir, Cache;
  const std::string Source = SourceDir + "/testdata/projects/facts_across_units/";
  for (const char *Name : {"runtime.h", "runtime.cpp", "service.cpp"})
    writeFile(Dir.file(Name), readFile(Source + Name));
  writeFile(Dir.file("alone.cpp"), "#include <map>\nint size(const std::map<int, int> &M) { return M.size(); }\n");
  Json Db = Json::array();
  for (const char *Name : {"runtime.cpp", "service.cpp", "alone.cpp"})
    Db.push_back(
        {{"directory", Dir.path()}, {"command", std::string("/usr/bin/c++ -std=c++17 -c ") + Name}, {"file", Name}});
  writeFile(Dir.file("compile_commands.json"), Db.dump(2));
  auto Analyse = [&] {
    return run({Mapguard, "-p", Dir.path(), "--cache-dir", Cache.path(), "--config={CheckOptions: {Rules: all}}"});
  };
  CommandResult Cold = Analyse();
  EXPECT_EQ(countWarnings(Cold.Out), 4u) << Cold.Out;
  EXPECT_EQ(analysedAgain(Cold), std::make_pair(1u, 0u)) << Cold.Err; // service.cpp
  CommandResult Warm = Analyse();
  EXPECT_EQ(fromCache(Warm), 3u) << Warm.Err;
  EXPECT_EQ(analysedAgain(Warm), std::make_pair(1u, 1u)) << Warm.Err;
  EXPECT_EQ(Warm.Out, Cold.Out);
  // later() now runs its task before it returns: the runtime's unit is analysed again, and the
  // caller's second look (its first is unchanged); alone.cpp is not.
  std::string Runtime = readFile(Dir.file("runtime.cpp"));
  const std::string Queued = "  std::lock_guard<std::mutex> Lock(QueueMutex);\n  Queue.push_back(std::move(Task));\n";
  ASSERT_NE(Runtime.find(Queued), std::string::npos);
  Runtime.replace(Runtime.find(Queued), Queued.size(), "  Task();\n");
  writeFile(Dir.file("runtime.cpp"), Runtime);
  CommandResult Edited = Analyse();
  EXPECT_EQ(fromCache(Edited), 2u) << Edited.Err;
  EXPECT_EQ(analysedAgain(Edited), std::make_pair(1u, 0u)) << Edited.Err;
  EXPECT_EQ(countWarnings(Edited.Out), 3u) << Edited.Out; // the capture of 'Counts' is no longer deferred
  EXPECT_EQ(Edited.Out.find("'Counts' is captured by reference"), std::string::npos) << Edited.Out;
}

TEST(ResultCacheTest, HeaderPlacedEarlierOnTheIncludePathIsFound) {
  CachedProject C;
  // settings.h is found in include/late/; include/early/ comes first on the include path.
  writeFile(C.P.path("include/late/settings.h"), "#pragma once\n#include <map>\n");
  writeFile(C.P.path("src/configured.cpp"), "#include \"settings.h\"\nint f() { return 0; }\n");
  Json Db = Json::parse(readFile(C.P.path("compile_commands.json")));
  Db.push_back({{"directory", C.P.root()},
                {"command", "/usr/bin/c++ -std=c++17 -I" + C.P.path("include/early") + " -I" +
                                C.P.path("include/late") + " -c src/configured.cpp"},
                {"file", "src/configured.cpp"}});
  writeFile(C.P.path("compile_commands.json"), Db.dump(2));
  EXPECT_EQ(C.analyse().ExitCode, 1);
  writeFile(C.P.path("include/early/settings.h"), std::string("#pragma once\n") + SharedHeader);
  CommandResult Shadowed = C.analyse();
  EXPECT_EQ(fromCache(Shadowed), 3u) << Shadowed.Err; // only configured.cpp looked for it there
  EXPECT_NE(Shadowed.Out.find("early/settings.h"), std::string::npos) << Shadowed.Out;
}

TEST(ResultCacheTest, ConfigurationChangesReanalyseTheUnitsTheyApplyTo) {
  CachedProject C;
  C.P.add("sub/nested.cpp", "#include <map>\nvoid g(std::map<int, int> &M) { for (auto It = M.begin(); It != M.end(); "
                            "++It) It = M.erase(It); }\n");
  C.P.writeDatabase();
  C.analyse();
  // A .clang-tidy next to one unit applies to that unit only.
  writeFile(C.P.path("src/sub/.clang-tidy"), "Checks: '-*,mapguard-unguarded-access'\n");
  CommandResult Nested = C.analyse();
  EXPECT_EQ(fromCache(Nested), 3u) << Nested.Err;
  EXPECT_EQ(Nested.Out.find("nested.cpp"), std::string::npos) << Nested.Out;
  // An option given on the command line applies to every unit.
  CommandResult Narrowed = C.analyse({"--checks=-mapguard-unguarded-access"});
  EXPECT_EQ(fromCache(Narrowed), 0u) << Narrowed.Err;
  // So does the line filter.
  CommandResult Lines = C.analyse({R"(--line-filter=[{"name":"hazard.cpp","lines":[[1,3]]}])"});
  EXPECT_EQ(fromCache(Lines), 0u) << Lines.Err;
}

// A rebuilt mapguard (or another clang/LLVM under it) has another build identity: test builds
// take a stand-in from MAPGUARD_TEST_BUILD_ID.
TEST(ResultCacheTest, RebuiltMapguardReanalysesEverything) {
  CachedProject C;
  C.analyse();
  EXPECT_EQ(fromCache(C.analyse()), 3u);
  ::setenv("MAPGUARD_TEST_BUILD_ID", "rebuilt", 1);
  CommandResult Rebuilt = C.analyse();
  ::unsetenv("MAPGUARD_TEST_BUILD_ID");
  EXPECT_EQ(fromCache(Rebuilt), 0u) << Rebuilt.Err;
  EXPECT_FALSE(mapguard::buildIdentity().empty());
}

TEST(ResultCacheTest, CrashedUnitsAreNeverKept) {
  CachedProject C;
  ::setenv("MAPGUARD_TEST_CRASH_IN", "alone.cpp", 1);
  CommandResult Crashed = C.analyse();
  ::unsetenv("MAPGUARD_TEST_CRASH_IN");
  EXPECT_EQ(Crashed.ExitCode, 3) << Crashed.Err;
  CommandResult Again = C.analyse();
  EXPECT_EQ(Again.ExitCode, 1) << Again.Err;
  EXPECT_EQ(fromCache(Again), 2u) << Again.Err;
  EXPECT_NE(Again.Out.find("alone.cpp"), std::string::npos) << Again.Out;
}

TEST(ResultCacheTest, WorkerProcessesWriteTheCacheTheRunReads) {
  CachedProject C;
  CommandResult InWorkers = C.analyse({"--unit-timeout=600"});
  CommandResult Warm = C.analyse();
  EXPECT_EQ(fromCache(Warm), 3u) << Warm.Err;
  EXPECT_EQ(Warm.Out, InWorkers.Out);
  EXPECT_EQ(fromCache(C.analyse({"--unit-timeout=600"})), 3u);
}

TEST(ResultCacheTest, ConcurrentRunsShareOneDirectory) {
  CachedProject C;
  CommandResult First, Second;
  std::thread Other([&] { Second = C.analyse({"-j1"}); });
  First = C.analyse({"-j1"});
  Other.join();
  EXPECT_EQ(First.ExitCode, 1) << First.Err;
  EXPECT_EQ(First.Out, Second.Out);
  CommandResult Warm = C.analyse();
  EXPECT_EQ(fromCache(Warm), 3u) << Warm.Err;
  EXPECT_EQ(Warm.Out, First.Out);
}

TEST(ResultCacheTest, DamagedEntriesAreMissesAndAreReplaced) {
  CachedProject C;
  CommandResult Cold = C.analyse();
  std::vector<std::string> Entries = C.entries();
  ASSERT_EQ(Entries.size(), 3u);
  writeFile(Entries[0], "{\"entries\": [{\"read\": 3}]}");
  writeFile(Entries[1], std::string(readFile(Entries[1])).substr(0, 40));
  CommandResult Damaged = C.analyse();
  EXPECT_EQ(fromCache(Damaged), 1u) << Damaged.Err;
  EXPECT_EQ(Damaged.Out, Cold.Out);
  EXPECT_EQ(fromCache(C.analyse()), 3u);
}

TEST(ResultCacheTest, SizeBoundAndSwitches) {
  CachedProject C;
  C.analyse({"--cache-max-size=1"});
  EXPECT_TRUE(C.entries().empty());
  EXPECT_EQ(C.analyse({"--cache-max-size=abc"}).ExitCode, 2);
  CommandResult Off = C.analyse({"--no-cache"});
  EXPECT_EQ(Off.ExitCode, 1);
  EXPECT_TRUE(C.entries().empty());
  // An unusable directory is a warning: the run analyses everything and reports as usual.
  CommandResult Unusable = run({Mapguard, "-p", C.P.root(), "--cache-dir", C.P.path("compile_commands.json")});
  EXPECT_EQ(Unusable.ExitCode, 1) << Unusable.Err;
  EXPECT_NE(Unusable.Err.find("not using the result cache"), std::string::npos) << Unusable.Err;
  EXPECT_EQ(countWarnings(Unusable.Out), 2u) << Unusable.Out; // header filter off: hazard.cpp, alone.cpp
}

// Trimming removes the least recently used entries first; a hit counts as a use.
TEST(ResultCacheTest, TrimmingKeepsTheMostRecentlyUsed) {
  TempDir Dir;
  auto Open = [&](uint64_t MaxBytes) {
    auto Cache = mapguard::ResultCache::open({Dir.path(), MaxBytes}, "");
    EXPECT_TRUE(static_cast<bool>(Cache));
    return std::move(*Cache);
  };
  auto Cache = Open(uint64_t(1) << 30);
  mapguard::UnitOutcome Outcome;
  const mapguard::FileAccessLog NothingRead;
  const std::vector<std::string> Keys{"aa01", "bb02", "cc03", "dd04"};
  for (const std::string &Key : Keys)
    Cache->store(Key, NothingRead, Outcome);
  for (const std::string &Key : Keys)
    ASSERT_TRUE(Cache->lookup(Key)) << Key;
  // Uses in the past, oldest first, then a fresh use of the oldest.
  const auto Now = std::chrono::system_clock::now();
  uint64_t EntrySize = 0;
  for (size_t I = 0; I < Keys.size(); ++I) {
    std::string Path = Dir.path() + "/v1/" + Keys[I].substr(0, 2) + "/" + Keys[I];
    int FD = -1;
    ASSERT_FALSE(llvm::sys::fs::openFileForWrite(Path, FD, llvm::sys::fs::CD_OpenExisting, llvm::sys::fs::OF_Append));
    EXPECT_FALSE(llvm::sys::fs::setLastAccessAndModificationTime(FD, Now - std::chrono::hours(10 - I)));
    ::close(FD);
    EXPECT_FALSE(llvm::sys::fs::file_size(Path, EntrySize));
  }
  ASSERT_TRUE(Cache->lookup("aa01"));
  auto Small = Open(2 * EntrySize);
  Small->store("ee05", NothingRead, Outcome);
  Small->trim();
  EXPECT_TRUE(Small->lookup("aa01"));
  EXPECT_TRUE(Small->lookup("ee05"));
  EXPECT_FALSE(Small->lookup("bb02"));
  EXPECT_FALSE(Small->lookup("cc03"));
  EXPECT_FALSE(Small->lookup("dd04"));
}

TEST(ResultCacheTest, ByteSizes) {
  EXPECT_EQ(mapguard::parseByteSize("1G"), uint64_t(1) << 30);
  EXPECT_EQ(mapguard::parseByteSize("500m"), uint64_t(500) << 20);
  EXPECT_EQ(mapguard::parseByteSize("4096"), 4096u);
  EXPECT_FALSE(mapguard::parseByteSize("G"));
  EXPECT_FALSE(mapguard::parseByteSize("1.5G"));
  EXPECT_FALSE(mapguard::parseByteSize("-1"));
}

} // namespace
