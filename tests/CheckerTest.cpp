// Every file in testdata/checks runs through both front-ends - clang-tidy with the plugin and the
// mapguard CLI - against libstdc++, and through the CLI also against libstdc++ debug mode and
// libc++ (when installed, and unless the build is configured with MAPGUARD_TEST_STDLIB_MATRIX=OFF,
// as the suite does for its second LLVM version). The standard library changes what the checks
// see, not how a front-end drives them, so the two front-ends are compared once. A build configured
// with MAPGUARD_TEST_PLUGIN_ON_EVERY_FILE=OFF (the suite's second LLVM version) runs the plugin on
// each check's main file only (`mapguard-manual-lock` -> manual_lock.cpp). Each run must
// report exactly the inline expectations and apply exactly the fixes of <name>.fixes (or leave the
// file unchanged); a fixed file must compile. An input that does not compile fails through its
// error diagnostics.
//
// <name>.fixes holds only the lines the fixes change, as hunks of `diff -U0` without their line
// numbers: an edit elsewhere in the input leaves it as it is. MAPGUARD_UPDATE_FIXES=1 in the
// environment writes it from what the first run applied (review the change before committing it).
//
// Directives in a test file:
//   // RUN-ARGS: -std=c++20 ...          compiler arguments (exactly one line)
//   // CHECKS: -*,mapguard-x,...        the checks to enable (default: every mapguard check)
//   // CHECK-OPTIONS: Key: Value, ...    check options (YAML flow-map entries)
//   // NO-LIBCXX: reason                 skip the libc++ variant
//   // NO-DEBUG-STDLIB: reason           skip the _GLIBCXX_DEBUG variant
// Expectations, on the line they refer to or with a relative line offset:
//   // expect[@+N|@-N]: <check-id> {{message fragment}} note[@+N|@-N]: {{fragment}} ...
// A warning's notes follow it in the same comment; their offsets count from that line.
#include "TestSupport.h"

#include "CheckCatalog.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

using namespace mapguard::test;

namespace {

struct ExpectedNote {
  unsigned Line;
  std::string Fragment;
};
struct Expected {
  unsigned Line;
  std::string Check, Fragment;
  std::vector<ExpectedNote> Notes;
  std::string File;     // a project's file (testdata/projects); empty: the test file
  bool Indexed = false; // `expect-indexed`: only with the facts of the project's other units
};
struct TestFile {
  std::string Path, Name;
  std::vector<std::string> Args;
  std::string CheckOptions;
  std::string Checks = "-*,mapguard-*";
  bool Libcxx = true, DebugStdlib = true;
  std::vector<Expected> Expectations;
};

std::vector<std::string> splitArgs(const std::string &Text) {
  std::istringstream In(Text);
  std::vector<std::string> Args;
  for (std::string A; In >> A;)
    Args.push_back(A);
  return Args;
}

TestFile parseTestFile(const std::string &Path) {
  static const std::regex Directive(R"(//\s*(RUN-ARGS|CHECKS|CHECK-OPTIONS|NO-LIBCXX|NO-DEBUG-STDLIB):\s*(.*)$)");
  static const std::regex Expectation(
      R"((expect-indexed|expect|note)(@([+-][0-9]+))?:\s*([A-Za-z0-9-]+)?\s*\{\{(.*?)\}\})");
  TestFile File;
  File.Path = Path;
  File.Name = llvm::sys::path::stem(Path).str();
  std::istringstream In(readFile(Path));
  std::string Text;
  for (unsigned LineNo = 1; std::getline(In, Text); ++LineNo) {
    std::smatch M;
    if (std::regex_search(Text, M, Directive)) {
      if (M[1] == "RUN-ARGS")
        File.Args = splitArgs(M[2]);
      else if (M[1] == "CHECKS")
        File.Checks = M[2];
      else if (M[1] == "CHECK-OPTIONS")
        File.CheckOptions = M[2];
      else if (M[1] == "NO-LIBCXX")
        File.Libcxx = false;
      else
        File.DebugStdlib = false;
      continue;
    }
    bool ExpectOnLine = false;
    for (auto It = std::sregex_iterator(Text.begin(), Text.end(), Expectation); It != std::sregex_iterator(); ++It) {
      const std::smatch &E = *It;
      unsigned Line = LineNo + (E[3].matched ? std::stoi(E[3]) : 0);
      if (E[1] == "expect" || E[1] == "expect-indexed") {
        File.Expectations.push_back({Line, E[4], E[5], {}, "", E[1] == "expect-indexed"});
        ExpectOnLine = true;
      } else if (ExpectOnLine) {
        File.Expectations.back().Notes.push_back({Line, E[5]});
      } else {
        ADD_FAILURE() << Path << ":" << LineNo << ": a note expectation must follow its expect on the same line";
      }
    }
  }
  return File;
}

struct Variant {
  std::string Name;
  std::vector<std::string> ExtraArgs;
};

/// Whether the plugin front-end runs \p File: every file, or each check's main file only.
bool pluginRuns(const TestFile &File) {
  if (MAPGUARD_TEST_PLUGIN_ON_EVERY_FILE)
    return true;
  return llvm::any_of(mapguard::checkCatalog(), [&](const mapguard::CheckInfo &Check) {
    std::string Name = Check.Id.drop_front(std::strlen("mapguard-")).str();
    std::replace(Name.begin(), Name.end(), '-', '_');
    return Name == File.Name;
  });
}

std::vector<Variant> variantsOf(const TestFile &File) {
  std::vector<Variant> Variants{{"libstdcxx", {}}};
  if (!MAPGUARD_TEST_STDLIB_MATRIX)
    return Variants;
  if (File.DebugStdlib)
    Variants.push_back({"libstdcxx_debug", {"-D_GLIBCXX_DEBUG"}});
  if (File.Libcxx && haveLibcxx())
    Variants.push_back({"libcxx", {"-stdlib=libc++"}});
  return Variants;
}

/// A warning and the notes printed after it.
struct Finding {
  Diag Warning;
  std::vector<Diag> Notes;
};

std::vector<Finding> groupFindings(const std::vector<Diag> &Diags) {
  std::vector<Finding> Result;
  for (const Diag &D : Diags) {
    if (D.Kind == "note" && D.Message.find("FIX-IT applied suggested code changes") != std::string::npos)
      continue; // --fix bookkeeping, not a note of the check
    if (D.Kind == "note" && !Result.empty())
      Result.back().Notes.push_back(D);
    else
      Result.push_back({D, {}});
  }
  return Result;
}

bool notesMatch(const std::vector<ExpectedNote> &Want, std::vector<Diag> Got) {
  if (Want.size() != Got.size())
    return false;
  for (const ExpectedNote &Note : Want) {
    auto It = std::find_if(Got.begin(), Got.end(), [&](const Diag &D) {
      return D.Line == Note.Line && D.Message.find(Note.Fragment) != std::string::npos;
    });
    if (It == Got.end())
      return false;
    Got.erase(It);
  }
  return true;
}

/// Failure text for every missing or unexpected diagnostic; empty when they match exactly.
std::string compare(const TestFile &File, const std::vector<Diag> &Diags) {
  std::vector<Finding> Actual = groupFindings(Diags);
  std::vector<bool> Used(Actual.size());
  std::string Problems;
  for (const Expected &E : File.Expectations) {
    bool Found = false;
    for (size_t I = 0; I < Actual.size() && !Found; ++I) {
      const Diag &W = Actual[I].Warning;
      if (!Used[I] && W.Line == E.Line && W.Check == E.Check && W.Message.find(E.Fragment) != std::string::npos &&
          (E.File.empty() || llvm::sys::path::filename(W.File) == E.File) && notesMatch(E.Notes, Actual[I].Notes))
        Used[I] = Found = true;
    }
    if (!Found)
      Problems += "  missing: " + E.File + (E.File.empty() ? "" : " ") + "line " + std::to_string(E.Line) + " [" +
                  E.Check + "] {{" + E.Fragment + "}} with " + std::to_string(E.Notes.size()) + " note(s)\n";
  }
  for (size_t I = 0; I < Actual.size(); ++I) {
    if (Used[I])
      continue;
    Problems += "  unexpected: " + Actual[I].Warning.str() + "\n";
    for (const Diag &Note : Actual[I].Notes)
      Problems += "      " + Note.str() + "\n";
  }
  return Problems;
}

std::vector<Diag> withoutFileNames(std::vector<Diag> Diags) {
  for (Diag &D : Diags)
    D.File = llvm::sys::path::filename(D.File).str();
  return Diags;
}

/// "line N: want `...`, got `...`" for the first line where two texts differ.
std::string firstDifference(const std::string &Got, const std::string &Want) {
  std::istringstream G(Got), W(Want);
  std::string GotLine, WantLine;
  for (unsigned Line = 1;; ++Line) {
    bool HasGot = static_cast<bool>(std::getline(G, GotLine)), HasWant = static_cast<bool>(std::getline(W, WantLine));
    if (!HasGot && !HasWant)
      return "";
    if (!HasGot || !HasWant || GotLine != WantLine)
      return "line " + std::to_string(Line) + ":\n  want: " + (HasWant ? WantLine : "<end>") +
             "\n  got:  " + (HasGot ? GotLine : "<end>");
  }
}

/// The changes from \p Original to \p Fixed: `diff -U0` hunks, each headed by a bare `@@` (the line
/// numbers are left out so that lines added above a hunk do not change it).
std::string fixHunks(const std::string &Original, const std::string &Fixed) {
  if (Original == Fixed)
    return "";
  TempDir Dir;
  writeFile(Dir.file("original.cpp"), Original);
  writeFile(Dir.file("fixed.cpp"), Fixed);
  CommandResult R = run({"/usr/bin/diff", "-U0", "original.cpp", "fixed.cpp"}, Dir.path());
  std::istringstream In(R.Out);
  std::string Hunks;
  for (std::string Line; std::getline(In, Line);) {
    if (Line.rfind("--- ", 0) == 0 || Line.rfind("+++ ", 0) == 0)
      continue;
    Hunks += (Line.rfind("@@", 0) == 0 ? std::string("@@") : Line) + "\n";
  }
  return Hunks;
}

std::string configFor(const TestFile &File) {
  std::string Config = "{Checks: '" + File.Checks + "'";
  if (!File.CheckOptions.empty())
    Config += ", CheckOptions: {" + File.CheckOptions + "}";
  return Config + "}";
}

std::vector<std::string> testFiles() {
  std::vector<std::string> Files;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(MAPGUARD_SOURCE_DIR "/testdata/checks", EC), End; It != End && !EC;
       It.increment(EC)) {
    llvm::StringRef Path = It->path();
    if (Path.ends_with(".cpp"))
      Files.push_back(Path.str());
  }
  std::sort(Files.begin(), Files.end());
  return Files;
}

class CheckerTest : public testing::TestWithParam<std::string> {};

TEST_P(CheckerTest, BothFrontEndsReportExactlyTheExpectations) {
  TestFile File = parseTestFile(GetParam());
  ASSERT_FALSE(File.Args.empty()) << File.Path << ": needs a RUN-ARGS line";
  std::string FixesPath = File.Path.substr(0, File.Path.size() - 4) + ".fixes";
  std::string Original = readFile(File.Path);
  std::string WantFixes = llvm::sys::fs::exists(FixesPath) ? readFile(FixesPath) : "";
  bool UpdateFixes = getenv("MAPGUARD_UPDATE_FIXES") != nullptr;

  bool FixedFileCompiled = false;
  for (const Variant &V : variantsOf(File)) {
    SCOPED_TRACE("variant " + V.Name);
    std::vector<std::string> Args = File.Args;
    Args.insert(Args.end(), V.ExtraArgs.begin(), V.ExtraArgs.end());
    std::vector<std::string> FrontEnds = {"mapguard CLI"};
    if (V.Name == "libstdcxx" && pluginRuns(File))
      FrontEnds.insert(FrontEnds.begin(), "clang-tidy plugin");
    std::vector<std::vector<Diag>> PerFrontEnd;
    for (const std::string &FrontEnd : FrontEnds) {
      SCOPED_TRACE(FrontEnd);
      TempDir Dir;
      std::string Copy = Dir.file(File.Name + ".cpp");
      writeFile(Copy, Original);
      std::vector<std::string> Command;
      if (FrontEnd == "mapguard CLI")
        Command = {Mapguard, "--quiet", "-j", "1"};
      else
        Command = {MAPGUARD_CLANG_TIDY, LoadPlugin, "--quiet"};
      Command.insert(Command.end(), {"--config=" + configFor(File), "--fix", Copy, "--"});
      Command.insert(Command.end(), Args.begin(), Args.end());
      CommandResult R = run(Command, Dir.path());
      std::vector<Diag> Diags = parseDiagnostics(R.Out);
      std::string Problems = compare(File, Diags);
      EXPECT_TRUE(Problems.empty()) << File.Path << ":\n" << Problems << "stderr:\n" << R.Err;
      if (FrontEnd == "mapguard CLI") {
        EXPECT_EQ(R.ExitCode, File.Expectations.empty() ? 0 : 1) << R.Err;
      }
      std::string Fixed = readFile(Copy);
      std::string Hunks = fixHunks(Original, Fixed);
      if (UpdateFixes && V.Name == "libstdcxx" && PerFrontEnd.empty()) { // the first run writes it
        if (Hunks.empty())
          (void)llvm::sys::fs::remove(FixesPath);
        else
          writeFile(FixesPath, Hunks);
        WantFixes = Hunks;
      }
      std::string Difference = firstDifference(Hunks, WantFixes);
      EXPECT_TRUE(Difference.empty()) << "fixes applied by the " << FrontEnd << " differ from "
                                      << (WantFixes.empty() ? "none (" + File.Path + " unchanged)" : FixesPath)
                                      << " at " << Difference;
      // The input itself compiled in the run above. Every run must apply the same fixes, so the fixed
      // file is the same text in every variant: it compiles once, in the first (or where it differs).
      if (Fixed != Original && ((PerFrontEnd.empty() && !FixedFileCompiled) || !Difference.empty())) {
        FixedFileCompiled = true;
        std::vector<std::string> Compile = {MAPGUARD_CLANGXX, "-fsyntax-only", Copy};
        Compile.insert(Compile.end(), Args.begin(), Args.end());
        CommandResult Compiled = run(Compile);
        EXPECT_EQ(Compiled.ExitCode, 0) << "fixed file does not compile:\n" << Compiled.Err;
      }
      PerFrontEnd.push_back(withoutFileNames(Diags));
    }
    if (PerFrontEnd.size() == 2) {
      EXPECT_EQ(PerFrontEnd[0], PerFrontEnd[1]) << "the plugin and the CLI disagree";
    }
  }
}

std::string testName(const testing::TestParamInfo<std::string> &Info) {
  std::string Name = llvm::sys::path::stem(Info.param).str();
  std::replace_if(Name.begin(), Name.end(), [](char C) { return !isalnum(C); }, '_');
  return Name;
}

INSTANTIATE_TEST_SUITE_P(Testdata, CheckerTest, testing::ValuesIn(testFiles()), testName);

// A project of several units under testdata/projects/<name>/, with a compile_commands.json: its
// findings need the facts one unit's analysis collects for the others (the project index). The
// CLI without the index reports the plain `expect`s; the CLI (in one process and in worker
// processes) and then the plugin, which reads the index the CLI wrote next to the database,
// report the `expect-indexed` ones too, and so does mapguard-clangd, which finds the index from
// the file's directory. The .cpp files' directives apply (the first CHECKS and CHECK-OPTIONS
// given); no fixes are applied.
std::vector<std::string> testProjects() {
  std::vector<std::string> Dirs;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(MAPGUARD_SOURCE_DIR "/testdata/projects", EC), End; It != End && !EC;
       It.increment(EC))
    if (llvm::sys::fs::is_directory(It->path()))
      Dirs.push_back(It->path());
  std::sort(Dirs.begin(), Dirs.end());
  return Dirs;
}

class ProjectCheckerTest : public testing::TestWithParam<std::string> {};

TEST_P(ProjectCheckerTest, EveryFrontEndReportsTheExpectationsWithTheProjectIndex) {
  TempDir Dir;
  TestFile Project;
  Project.Name = llvm::sys::path::filename(GetParam()).str();
  std::vector<std::string> Units;
  nlohmann::json Db = nlohmann::json::array();
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(GetParam(), EC), End; It != End && !EC; It.increment(EC)) {
    std::string Name = llvm::sys::path::filename(It->path()).str();
    writeFile(Dir.file(Name), readFile(It->path()));
    if (!llvm::StringRef(Name).ends_with(".cpp") && !llvm::StringRef(Name).ends_with(".h"))
      continue;
    TestFile File = parseTestFile(It->path());
    for (Expected &E : File.Expectations) {
      E.File = Name;
      Project.Expectations.push_back(E);
    }
    if (Project.Checks == TestFile().Checks)
      Project.Checks = File.Checks;
    if (Project.CheckOptions.empty())
      Project.CheckOptions = File.CheckOptions;
    if (!llvm::StringRef(Name).ends_with(".cpp"))
      continue;
    ASSERT_FALSE(File.Args.empty()) << It->path() << ": needs a RUN-ARGS line";
    std::vector<std::string> Command = {MAPGUARD_CLANGXX};
    Command.insert(Command.end(), File.Args.begin(), File.Args.end());
    Command.insert(Command.end(), {"-c", Name});
    Db.push_back({{"directory", Dir.path()}, {"arguments", Command}, {"file", Name}});
    Units.push_back(Name);
  }
  std::sort(Units.begin(), Units.end());
  writeFile(Dir.file("compile_commands.json"), Db.dump(2));
  TestFile PerUnit = Project; // what each unit's analysis sees on its own
  llvm::erase_if(PerUnit.Expectations, [](const Expected &E) { return E.Indexed; });
  ASSERT_NE(PerUnit.Expectations.size(), Project.Expectations.size()) << "a project test needs an expect-indexed";

  const std::string Config = "--config=" + configFor(Project);
  struct Run {
    std::string FrontEnd;
    std::vector<std::string> Command;
    const TestFile &Want;
  };
  std::vector<std::string> Plugin = {MAPGUARD_CLANG_TIDY, LoadPlugin, "--quiet", Config, "-p", Dir.path()};
  Plugin.insert(Plugin.end(), Units.begin(), Units.end());
  const Run Runs[] = {
      {"CLI, each unit on its own",
       {Mapguard, "--quiet", "--no-cache", "--no-project-index", Config, "-p", Dir.path()},
       PerUnit},
      {"CLI", {Mapguard, "--quiet", "--no-cache", "-j", "1", Config, "-p", Dir.path()}, Project},
      {"CLI, worker processes",
       {Mapguard, "--quiet", "--no-cache", "-j", "2", "--unit-timeout=600", Config, "-p", Dir.path()},
       Project},
      {"clang-tidy plugin with the index the CLI wrote", Plugin, Project},
  };
  for (const Run &R : Runs) {
    SCOPED_TRACE(R.FrontEnd);
    CommandResult Result = run(R.Command, Dir.path());
    std::string Problems = compare(R.Want, parseDiagnostics(Result.Out));
    EXPECT_TRUE(Problems.empty()) << Project.Name << ":\n" << Problems << "stderr:\n" << Result.Err;
    if (R.FrontEnd == "CLI") {
      EXPECT_TRUE(llvm::sys::fs::exists(Dir.file("mapguard.index"))) << "the CLI writes the index next to the database";
    }
  }
  // `mapguard index` alone writes the index the plugin reads, and reports nothing.
  {
    SCOPED_TRACE("mapguard index, then the clang-tidy plugin");
    EXPECT_FALSE(llvm::sys::fs::remove(Dir.file("mapguard.index")));
    CommandResult Indexed = run({Mapguard, "index", "--no-cache", Config, "-p", Dir.path()}, Dir.path());
    EXPECT_EQ(Indexed.ExitCode, 0) << output(Indexed);
    EXPECT_EQ(Indexed.Out, "") << "mapguard index reports no finding";
    EXPECT_NE(Indexed.Err.find("project index written to " + Dir.file("mapguard.index")), std::string::npos)
        << Indexed.Err;
    CommandResult Result = run(Plugin, Dir.path());
    std::string Problems = compare(Project, parseDiagnostics(Result.Out));
    EXPECT_TRUE(Problems.empty()) << Project.Name << ":\n" << Problems << "stderr:\n" << Result.Err;
  }
  // A sharded run in two stages: each part's facts, merged into one index, then each part's
  // analysis with it; together, the findings of one run over every unit.
  {
    SCOPED_TRACE("mapguard index --shard K/2, merge-index, mapguard --shard K/2");
    EXPECT_FALSE(llvm::sys::fs::remove(Dir.file("mapguard.index")));
    std::vector<std::string> Merge = {Mapguard, "merge-index", "-o", Dir.file("mapguard.index")};
    for (const std::string Part : {"1", "2"}) {
      CommandResult Indexed = run(
          {Mapguard, "index", "--quiet", "--no-cache", "--shard", Part + "/2", Config, "-p", Dir.path()}, Dir.path());
      EXPECT_EQ(Indexed.ExitCode, 0) << output(Indexed);
      Merge.push_back(Dir.file("mapguard-" + Part + "-of-2.index"));
      EXPECT_TRUE(llvm::sys::fs::exists(Merge.back())) << "each part writes its own facts";
    }
    CommandResult Merged = run(Merge, Dir.path());
    EXPECT_EQ(Merged.ExitCode, 0) << output(Merged);
    std::string Findings;
    for (const std::string Part : {"1", "2"})
      Findings +=
          run({Mapguard, "--quiet", "--no-cache", "--shard", Part + "/2", Config, "-p", Dir.path()}, Dir.path()).Out;
    std::string Problems = compare(Project, parseDiagnostics(Findings));
    EXPECT_TRUE(Problems.empty()) << Project.Name << ":\n" << Problems;
  }
  // mapguard-clangd, one file at a time, with the documented .clangd (clangd's FastCheckFilter
  // drops untimed checks) and the project's configuration as its .clang-tidy.
  writeFile(Dir.file(".clangd"), readFile(SourceDir + "/integration/editors/example.clangd"));
  writeFile(Dir.file(".clang-tidy"), configFor(Project));
  static const std::regex ClangdDiagnostic(R"(\[(mapguard-[a-z-]+)\] Line ([0-9]+): (.*))");
  for (const std::string &Unit : Units) {
    SCOPED_TRACE("mapguard-clangd --check=" + Unit);
    CommandResult Result = run(
        {MAPGUARD_BINARY_DIR "/bin/mapguard-clangd", "--check=" + Dir.file(Unit), "--check-warnings", "--log=error"},
        Dir.path());
    std::vector<std::string> Got;
    std::istringstream Log(Result.Err);
    for (std::string Line; std::getline(Log, Line);)
      if (std::smatch M; std::regex_search(Line, M, ClangdDiagnostic))
        Got.push_back(M[1].str() + ":" + M[2].str() + ": " + M[3].str());
    for (const Expected &E : Project.Expectations) {
      if (E.File != Unit)
        continue;
      std::string Prefix = E.Check + ":" + std::to_string(E.Line) + ": ";
      auto It = std::find_if(Got.begin(), Got.end(), [&](const std::string &G) {
        return G.rfind(Prefix, 0) == 0 && G.find(E.Fragment) != std::string::npos;
      });
      if (It == Got.end()) {
        ADD_FAILURE() << "missing: " << Prefix << E.Fragment << "\n" << Result.Err;
        continue;
      }
      Got.erase(It);
    }
    EXPECT_TRUE(Got.empty()) << "unexpected: " << (Got.empty() ? "" : Got.front());
  }
}

INSTANTIATE_TEST_SUITE_P(Testdata, ProjectCheckerTest, testing::ValuesIn(testProjects()), testName);

} // namespace
