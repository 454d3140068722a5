// `mapguard annotate`: the inferred guards written as annotations that Clang's -Wthread-safety then
// enforces. Each test annotates a project, compiles the result with -Wthread-safety, and checks that
// the compiler reports exactly the accesses mapguard said it would, and rejects a new one.
#include "SeenReport.h"
#include "TestSupport.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

using namespace mapguard::test;

namespace {

const std::string Clang = "/usr/lib/llvm-" MAPGUARD_LLVM_MAJOR "/bin/clang++";

void writeDatabase(const TempDir &Dir, const std::vector<std::string> &Units, const std::string &Flags) {
  nlohmann::json Db = nlohmann::json::array();
  for (const std::string &Unit : Units) {
    std::string Command = Clang;
    Command.append(" ").append(Flags).append(" -c ").append(Unit);
    Db.push_back({{"directory", Dir.path()}, {"command", Command}, {"file", Unit}});
  }
  writeFile(Dir.file("compile_commands.json"), Db.dump(2));
}

/// The compiler's -Wthread-safety warnings for \p Units, as "file:line".
std::set<std::string> threadSafetyWarnings(const TempDir &Dir, const std::vector<std::string> &Units,
                                           const std::vector<std::string> &Flags, std::string &Errors) {
  std::set<std::string> Warnings;
  for (const std::string &Unit : Units) {
    std::vector<std::string> Command = {Clang, "-fsyntax-only", "-Wthread-safety"};
    Command.insert(Command.end(), Flags.begin(), Flags.end());
    Command.push_back(Unit);
    CommandResult R = run(Command, Dir.path());
    static const std::regex Warning(R"(([^\s:]+):(\d+):\d+: (warning|error): .*\[(-Werror,)?-Wthread-safety)");
    for (std::sregex_iterator It(R.Err.begin(), R.Err.end(), Warning), End; It != End; ++It)
      Warnings.insert(llvm::sys::path::filename((*It)[1].str()).str() + ":" + (*It)[2].str());
    if (R.ExitCode != 0)
      Errors += R.Err;
  }
  return Warnings;
}

/// The accesses `mapguard annotate` says -Wthread-safety will report, as "file:line".
std::set<std::string> predictedWarnings(const std::string &Output) {
  std::set<std::string> Predicted;
  static const std::regex Report(R"(-Wthread-safety will report: ([^\s:]+):(\d+) )");
  for (std::sregex_iterator It(Output.begin(), Output.end(), Report), End; It != End; ++It)
    Predicted.insert(llvm::sys::path::filename((*It)[1].str()).str() + ":" + (*It)[2].str());
  return Predicted;
}

void replaceOnce(const std::string &Path, const std::string &From, const std::string &To) {
  std::string Text = readFile(Path);
  size_t At = Text.find(From);
  ASSERT_NE(At, std::string::npos) << From << " not in " << Path;
  writeFile(Path, Text.replace(At, From.size(), To));
}

TEST(AnnotateTest, AnnotatedSampleBuildsUnderThreadSafetyOnceItsBugsAreFixed) {
  if (!haveLibcxx() || !llvm::sys::fs::exists(Clang))
    GTEST_SKIP() << "needs clang++ and libc++ (whose mutexes carry capability attributes)";
  TempDir Dir;
  const std::vector<std::string> Units = {"src/feature_flags.cpp", "src/metrics.cpp", "src/routing_table.cpp",
                                          "src/session_cache.cpp"};
  for (const char *File :
       {"feature_flags.cpp", "metrics.cpp", "routing_table.cpp", "session_cache.cpp", "session_cache.h"})
    writeFile(Dir.file(std::string("src/") + File), readFile(SourceDir + "/testdata/sample/src/" + File));
  const std::vector<std::string> Flags = {"-std=c++17", "-stdlib=libc++"};
  writeDatabase(Dir, Units, "-std=c++17 -stdlib=libc++");

  CommandResult R = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet", "--fix"});
  ASSERT_EQ(R.ExitCode, 0) << output(R);
  // The session cache is locked by std::lock_guard: annotated, its helper with REQUIRES.
  std::string Header = readFile(Dir.file("src/session_cache.h"));
  EXPECT_NE(Header.find("std::map<std::string, Session> Sessions __attribute__((guarded_by(Mu)));"), std::string::npos)
      << Header;
  EXPECT_NE(Header.find("__attribute__((requires_capability(Mu))) void evict("), std::string::npos) << Header;
  // The flags are locked by std::unique_lock and std::shared_lock, which libc++ does not annotate.
  EXPECT_NE(R.Out.find("'FeatureFlags::Flags' (guarded by 'Mu' at 2 of 2 accesses): left out: it is locked through "
                       "'std::unique_lock<std::shared_mutex>', which is not a scoped capability"),
            std::string::npos)
      << R.Out;
  EXPECT_EQ(readFile(Dir.file("src/feature_flags.cpp")),
            readFile(SourceDir + "/testdata/sample/src/feature_flags.cpp"));
  EXPECT_NE(R.Out.find("1 of 2 container(s) with an inferred guard annotated (2 edit(s) in 1 file(s)), 1 left out; "
                       "-Wthread-safety will then report 2 access(es)"),
            std::string::npos)
      << R.Out;

  // The compiler reports exactly the two unguarded accesses mapguard named (its real bugs).
  std::string Errors;
  std::set<std::string> Warned = threadSafetyWarnings(Dir, Units, Flags, Errors);
  EXPECT_EQ(Warned, predictedWarnings(R.Out)) << R.Out;
  EXPECT_EQ(Warned, (std::set<std::string>{"session_cache.cpp:29", "session_cache.cpp:34"}));
  EXPECT_EQ(Errors, "");

  // Fixed, the sample builds with -Werror; a new unguarded access is then a compile error.
  replaceOnce(Dir.file("src/session_cache.cpp"), "const { return Sessions.count(Id) != 0; }",
              "const {\n  std::lock_guard<std::mutex> Lock(Mu);\n  return Sessions.count(Id) != 0;\n}");
  replaceOnce(Dir.file("src/session_cache.cpp"), "[this, Id] { Sessions.erase(Id); }",
              "[this, Id] {\n    std::lock_guard<std::mutex> Lock(Mu);\n    Sessions.erase(Id);\n  }");
  std::vector<std::string> Strict = Flags;
  Strict.push_back("-Werror");
  Errors.clear();
  EXPECT_EQ(threadSafetyWarnings(Dir, Units, Strict, Errors), std::set<std::string>{});
  EXPECT_EQ(Errors, "");
  writeFile(Dir.file("src/session_cache.cpp"),
            readFile(Dir.file("src/session_cache.cpp")) + "\nvoid SessionCache::closeAll(int) { Sessions.clear(); }\n");
  replaceOnce(Dir.file("src/session_cache.h"), "  void closeAll();", "  void closeAll();\n  void closeAll(int);");
  Errors.clear();
  std::set<std::string> Rejected = threadSafetyWarnings(Dir, {"src/session_cache.cpp"}, Strict, Errors);
  EXPECT_EQ(Rejected.size(), 1U) << Errors;
  EXPECT_NE(Errors.find("variable 'Sessions' requires holding mutex 'Mu'"), std::string::npos) << Errors;
}

// A project with its own annotated mutex and guard (as abseil's), and its own macros.
const char *const LocksHeader = R"(#pragma once
#include <mutex>
#define CAPABILITY(x) __attribute__((capability(x)))
#define SCOPED_CAPABILITY __attribute__((scoped_lockable))
#define GUARDED_BY(x) __attribute__((guarded_by(x)))
#define REQUIRES(...) __attribute__((requires_capability(__VA_ARGS__)))
#define ACQUIRE(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define RELEASE(...) __attribute__((release_capability(__VA_ARGS__)))
class CAPABILITY("mutex") Mutex {
public:
  void lock() ACQUIRE() { m_.lock(); }
  void unlock() RELEASE() { m_.unlock(); }
private:
  std::mutex m_;
};
class SCOPED_CAPABILITY MutexLock {
public:
  explicit MutexLock(Mutex &m) ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexLock() RELEASE() { m_.unlock(); }
private:
  Mutex &m_;
};
)";
const char *const RegistryHeader = R"(#pragma once
#include "locks.h"
#include <map>
#include <string>
#include <vector>
class Registry {
public:
  void add(const std::string &k, int v) { MutexLock l(mu_); items_[k] = v; prune(); }
  int get(const std::string &k) { MutexLock l(mu_); auto it = items_.find(k); return it == items_.end() ? 0 : it->second; }
  void clear() { MutexLock l(mu_); items_.clear(); }
private:
  void prune() { if (items_.size() > 100) items_.erase(items_.begin()); }
  Mutex mu_;
  std::map<std::string, int> items_;
};
// Summed by a lambda that runs under the lock of the function that creates it: -Wthread-safety
// checks the lambda on its own, so an annotation would make it warn there.
class Journal {
public:
  void add(int v) { MutexLock l(mu_); lines_.push_back(v); }
  int sum() { MutexLock l(mu_); int s = 0; auto addAll = [&] { for (int v : lines_) s += v; }; addAll(); return s; }
  void clear() { MutexLock l(mu_); lines_.clear(); }
private:
  Mutex mu_;
  std::vector<int> lines_;
};
)";
// A class template: its helper's REQUIRES goes to the template, written once for every instance.
const char *const RecentHeader = R"(#pragma once
#include "locks.h"
#include <vector>
template <class K> class Recent {
public:
  void put(K k) { MutexLock l(mu_); keys_.push_back(k); trim(); }
  size_t size() { MutexLock l(mu_); return keys_.size(); }
private:
  void trim() { if (keys_.size() > 8) keys_.erase(keys_.begin()); }
  Mutex mu_;
  std::vector<K> keys_;
};
)";
const char *const RegistryUnit = R"(#include "registry.h"
#include "recent.h"
void use(Registry &r, Journal &j) { r.add("a", 1); r.get("a"); r.clear(); j.add(1); j.sum(); j.clear(); }
void remember(Recent<int> &r) { r.put(1); r.size(); }
)";
// The same headers, included through another spelling of their directory (`src/../include`).
const char *const OtherUnit = R"(#include "registry.h"
#include "recent.h"
void more(Registry &r, Recent<long> &k) { r.add("b", 2); k.put(2); k.size(); }
)";

/// The project's headers and its first unit.
void writeRegistryProject(const TempDir &Dir) {
  writeFile(Dir.file("include/locks.h"), LocksHeader);
  writeFile(Dir.file("include/registry.h"), RegistryHeader);
  writeFile(Dir.file("include/recent.h"), RecentHeader);
  writeFile(Dir.file("src/registry.cpp"), RegistryUnit);
}

TEST(AnnotateTest, ProjectMacrosSpellTheAnnotationsAndExportedFixesMatchTheApplied) {
  if (!llvm::sys::fs::exists(Clang))
    GTEST_SKIP() << "needs clang++";
  TempDir Dir;
  writeRegistryProject(Dir);
  writeFile(Dir.file("src/other.cpp"), OtherUnit);
  nlohmann::json Db = nlohmann::json::array();
  Db.push_back({{"directory", Dir.path()},
                {"command", Clang + " -std=c++17 -Iinclude -c src/registry.cpp"},
                {"file", "src/registry.cpp"}});
  Db.push_back({{"directory", Dir.path()},
                {"command", Clang + " -std=c++17 -Isrc/../include -c src/other.cpp"},
                {"file", "src/other.cpp"}});
  writeFile(Dir.file("compile_commands.json"), Db.dump(2));

  CommandResult Exported = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet",
                                "--export-fixes=" + Dir.file("annotations.yaml")});
  ASSERT_EQ(Exported.ExitCode, 0) << output(Exported);
  EXPECT_EQ(readFile(Dir.file("include/registry.h")), RegistryHeader); // exported, not applied
  std::string Yaml = readFile(Dir.file("annotations.yaml"));
  EXPECT_NE(Yaml.find("DiagnosticName:  mapguard-annotate"), std::string::npos) << Yaml;
  EXPECT_NE(Yaml.find("ReplacementText: ' GUARDED_BY(mu_)'"), std::string::npos) << Yaml;
  EXPECT_NE(Yaml.find("ReplacementText: 'REQUIRES(mu_) '"), std::string::npos) << Yaml;
  EXPECT_NE(Exported.Out.find("'Journal::lines_' (guarded by 'mu_' at 3 of 3 accesses): left out: the lambda at "
                              "registry.h:21 runs under its creator's lock"),
            std::string::npos)
      << Exported.Out;

  CommandResult Applied = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet", "--fix"});
  ASSERT_EQ(Applied.ExitCode, 0) << output(Applied);
  EXPECT_EQ(Applied.Out.find("/../"), std::string::npos) << Applied.Out; // one spelling of each header
  std::string Recent = readFile(Dir.file("include/recent.h"));
  EXPECT_NE(Recent.find("  REQUIRES(mu_) void trim() {"), std::string::npos) << Recent;
  EXPECT_NE(Recent.find("  std::vector<K> keys_ GUARDED_BY(mu_);"), std::string::npos) << Recent;
  EXPECT_NE(Applied.Out.find("'Recent::keys_' (guarded by 'mu_'"), std::string::npos) << Applied.Out;
  std::string Header = readFile(Dir.file("include/registry.h"));
  EXPECT_NE(Header.find("REQUIRES(mu_) void prune()"), std::string::npos) << Header;
  EXPECT_EQ(Header.find("GUARDED_BY(mu_) GUARDED_BY"), std::string::npos) << Header; // once, from both units
  EXPECT_NE(Header.find("std::map<std::string, int> items_ GUARDED_BY(mu_);"), std::string::npos) << Header;
  EXPECT_NE(Header.find("std::vector<int> lines_;"), std::string::npos) << Header;
  std::string Errors;
  EXPECT_EQ(
      threadSafetyWarnings(Dir, {"src/registry.cpp", "src/other.cpp"}, {"-std=c++17", "-Iinclude", "-Werror"}, Errors),
      std::set<std::string>{});
  EXPECT_EQ(Errors, "");
  replaceOnce(Dir.file("include/registry.h"), "  void clear() { MutexLock l(mu_); items_.clear(); }",
              "  void clear() { MutexLock l(mu_); items_.clear(); }\n  size_t size() { return items_.size(); }");
  Errors.clear();
  EXPECT_EQ(threadSafetyWarnings(Dir, {"src/registry.cpp"}, {"-std=c++17", "-Iinclude", "-Werror"}, Errors),
            std::set<std::string>{"registry.h:11"});

  // Annotated, the guard is no longer inferred: a second run has nothing to add.
  CommandResult Again = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet"});
  EXPECT_NE(Again.Out.find("0 of 1 container(s) with an inferred guard annotated"), std::string::npos) << Again.Out;
  EXPECT_NE(Again.Out.find("'Journal::lines_'"), std::string::npos) << Again.Out;
}

TEST(AnnotateTest, AUnitThatCannotBeAnalysedKeepsEveryFileAsItWas) {
  if (!llvm::sys::fs::exists(Clang))
    GTEST_SKIP() << "needs clang++";
  TempDir Dir;
  writeRegistryProject(Dir);
  writeFile(Dir.file("src/broken.cpp"), "#include \"registry.h\"\nint broken( { return 0; }\n");
  writeDatabase(Dir, {"src/registry.cpp", "src/broken.cpp"}, "-std=c++17 -Iinclude");
  CommandResult R = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet", "--fix"});
  EXPECT_EQ(R.ExitCode, 3) << output(R);
  EXPECT_NE(R.Err.find("annotations were not applied because some units could not be analysed"), std::string::npos)
      << R.Err;
  EXPECT_NE(R.Out.find("GUARDED_BY(mu_)"), std::string::npos) << R.Out; // still shown
  EXPECT_EQ(readFile(Dir.file("include/registry.h")), RegistryHeader);
  EXPECT_EQ(readFile(Dir.file("include/recent.h")), RecentHeader);
}

TEST(AnnotateTest, ProjectMutexWithoutCapabilityIsAnnotatedWithTheGuard) {
  // The project's own mutex class, locked through libc++'s std::lock_guard (a scoped capability):
  // the class becomes a capability, its lock functions ACQUIRE/RELEASE (bodies not analysed).
  if (!haveLibcxx() || !llvm::sys::fs::exists(Clang))
    GTEST_SKIP() << "needs clang++ and libc++";
  TempDir Dir;
  const char *Source = R"(#include <map>
#include <mutex>
class Mutex {
public:
  void lock() { m_.lock(); }
  bool try_lock() { return m_.try_lock(); }
  void unlock() { m_.unlock(); }
private:
  std::mutex m_;
};
class Cache {
public:
  void put(int k, int v) { std::lock_guard<Mutex> l(mu_); map_[k] = v; }
  int get(int k) { std::lock_guard<Mutex> l(mu_); return map_.count(k) ? map_[k] : 0; }
  void drop(int k) { mu_.lock(); map_.erase(k); mu_.unlock(); }
private:
  Mutex mu_;
  std::map<int, int> map_;
};
void use(Cache &c) { c.put(1, 2); c.get(1); c.drop(1); }
)";
  writeFile(Dir.file("cache.cpp"), Source);
  writeDatabase(Dir, {"cache.cpp"}, "-std=c++17 -stdlib=libc++");
  CommandResult R = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet", "--fix"});
  ASSERT_EQ(R.ExitCode, 0) << output(R);
  EXPECT_NE(R.Out.find("__attribute__((capability(\"mutex\"))) on 'Mutex'"), std::string::npos) << R.Out;
  std::string Annotated = readFile(Dir.file("cache.cpp"));
  EXPECT_NE(Annotated.find("class __attribute__((capability(\"mutex\"))) Mutex {"), std::string::npos) << Annotated;
  EXPECT_NE(Annotated.find("  __attribute__((acquire_capability())) __attribute__((no_thread_safety_analysis)) void "
                           "lock()"),
            std::string::npos)
      << Annotated;
  EXPECT_NE(Annotated.find("__attribute__((try_acquire_capability(true))) __attribute__((no_thread_safety_analysis)) "
                           "bool try_lock()"),
            std::string::npos)
      << Annotated;
  EXPECT_NE(Annotated.find("std::map<int, int> map_ __attribute__((guarded_by(mu_)));"), std::string::npos)
      << Annotated;
  std::string Errors;
  EXPECT_EQ(threadSafetyWarnings(Dir, {"cache.cpp"}, {"-std=c++17", "-stdlib=libc++", "-Werror"}, Errors),
            std::set<std::string>{});
  EXPECT_EQ(Errors, "");
  replaceOnce(Dir.file("cache.cpp"), "  void drop(int k)", "  int size() { return map_.size(); }\n  void drop(int k)");
  EXPECT_EQ(threadSafetyWarnings(Dir, {"cache.cpp"}, {"-std=c++17", "-stdlib=libc++", "-Werror"}, Errors),
            std::set<std::string>{"cache.cpp:15"});
}

TEST(AnnotateTest, GuardsTheCompilerCannotCheckAreLeftOutAndNothingIsWritten) {
  // libstdc++'s std::mutex carries no capability attribute: GUARDED_BY of it would only warn.
  TempDir Dir;
  const char *Source = R"(#include <map>
#include <mutex>
class Cache {
public:
  void put(int k, int v) { std::lock_guard<std::mutex> l(mu_); map_[k] = v; }
  int get(int k) { std::lock_guard<std::mutex> l(mu_); return map_.count(k) ? map_[k] : 0; }
private:
  std::mutex mu_;
  std::map<int, int> map_;
};
void use(Cache &c) { c.put(1, 2); c.get(1); }
)";
  writeFile(Dir.file("cache.cpp"), Source);
  nlohmann::json Db = nlohmann::json::array(
      {{{"directory", Dir.path()}, {"command", "/usr/bin/c++ -std=c++17 -c cache.cpp"}, {"file", "cache.cpp"}}});
  writeFile(Dir.file("compile_commands.json"), Db.dump());
  CommandResult R = run({Mapguard, "annotate", "-p", Dir.path(), "--no-cache", "--quiet", "--fix"});
  ASSERT_EQ(R.ExitCode, 0) << output(R);
  EXPECT_NE(R.Out.find("'Cache::map_' (guarded by 'mu_' at 3 of 3 accesses): left out: 'std::mutex' carries no "
                       "capability attribute in this standard library"),
            std::string::npos)
      << R.Out;
  EXPECT_EQ(readFile(Dir.file("cache.cpp")), Source);
}

// A header's container seen from several units: annotated only when every unit could annotate it
// with the same guard; the accesses without it gathered from all.
TEST(AnnotateTest, UnitsAgreeOnAnAnnotationOrItIsLeftOut) {
  auto Unit = [](const std::string &Mutex, unsigned Counted, const nlohmann::ordered_json &Annotation,
                 unsigned WithoutLine) {
    nlohmann::ordered_json Container{{"name", "Cache::map_"},
                                     {"file", "/p/cache.h"},
                                     {"line", 9},
                                     {"guard", "inferred"},
                                     {"mutex", Mutex},
                                     {"heldAt", Counted - 1},
                                     {"counted", Counted},
                                     {"without", {{{"file", "/p/a.cpp"}, {"line", WithoutLine}, {"what", "read"}}}},
                                     {"annotation", Annotation}};
    return nlohmann::ordered_json{{"containers", {Container}}};
  };
  const nlohmann::ordered_json Edits = {{"edits",
                                         {{{"file", "/p/cache.h"},
                                           {"offset", 120},
                                           {"line", 9},
                                           {"text", " GUARDED_BY(mu_)"},
                                           {"target", "Cache::map_"}}}}};
  {
    mapguard::SeenAccumulator Both;
    Both.add(Unit("mu_", 3, Edits, 4));
    Both.add(Unit("mu_", 5, Edits, 7));
    mapguard::WhatWasSeen Seen = Both.take();
    ASSERT_EQ(Seen.Containers.size(), 1U);
    EXPECT_EQ(Seen.Containers[0].Counted, 5U);
    EXPECT_EQ(Seen.Containers[0].Edits.size(), 1U);
    EXPECT_EQ(Seen.Containers[0].Without.size(), 2U);
    EXPECT_EQ(Seen.Containers[0].LeftOut, "");
  }
  {
    mapguard::SeenAccumulator OneCannot;
    OneCannot.add(Unit("mu_", 5, Edits, 4));
    OneCannot.add(Unit("mu_", 2, {{"leftOut", "the lambda at a.cpp:3 runs under its creator's lock"}}, 4));
    mapguard::WhatWasSeen Seen = OneCannot.take();
    EXPECT_TRUE(Seen.Containers[0].Edits.empty());
    EXPECT_EQ(Seen.Containers[0].LeftOut, "the lambda at a.cpp:3 runs under its creator's lock");
    EXPECT_EQ(Seen.Containers[0].Without.size(), 1U);
  }
  {
    mapguard::SeenAccumulator Disagree;
    Disagree.add(Unit("mu_", 5, Edits, 4));
    Disagree.add(Unit("other_mu_", 6, Edits, 4));
    mapguard::WhatWasSeen Seen = Disagree.take();
    EXPECT_TRUE(Seen.Containers[0].Edits.empty());
    EXPECT_EQ(Seen.Containers[0].LeftOut, "the units that use it infer different guards");
  }
}

} // namespace
