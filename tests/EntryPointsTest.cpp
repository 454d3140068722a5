// Where users meet mapguard, each exercised as a user would: the pre-commit framework and the
// plain git hook in a temporary repository, the editor front-ends (clang-tidy wrapper, clangd),
// the CI workflow files, an install into a prefix, and the Debian package.
#include "TestProject.h"
#include "TestSupport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "gtest/gtest.h"

using namespace mapguard::test;

namespace {

const std::string BinDir = MAPGUARD_BINARY_DIR "/bin";
const char *const PythonWithDebianModules = "/usr/bin/python3"; // python3-yaml, pre-commit

/// A git repository for a Project, with mapguard's build directory first on the PATH.
class Repository {
public:
  explicit Repository(const Project &P) : P(P) { git({"init", "-q"}); }
  CommandResult git(const std::vector<std::string> &Args) const {
    std::vector<std::string> Command = {"/usr/bin/env", "PATH=" + BinDir + ":/usr/local/bin:/usr/bin:/bin",
                                        "PRE_COMMIT_HOME=" + Home.path()};
    std::vector<std::string> Git = gitCommand(Args);
    Command.insert(Command.end(), Git.begin(), Git.end());
    return run(Command, P.root());
  }
  CommandResult commit(const std::vector<std::string> &Files, const std::string &Message) const {
    std::vector<std::string> Add = {"add"};
    Add.insert(Add.end(), Files.begin(), Files.end());
    git(Add);
    return git({"commit", "-q", "-m", Message});
  }
  const Project &P;
  TempDir Home; // pre-commit's cache
};

/// The hooks repository pre-commit clones: this checkout's .pre-commit-hooks.yaml, committed.
std::string hooksRepository(const TempDir &Dir) {
  writeFile(Dir.file(".pre-commit-hooks.yaml"), readFile(SourceDir + "/.pre-commit-hooks.yaml"));
  auto Git = [&](const std::vector<std::string> &Args) { return run(gitCommand(Args), Dir.path()); };
  Git({"init", "-q"});
  Git({"add", "."});
  Git({"commit", "-q", "-m", "hooks"});
  std::string Rev = Git({"rev-parse", "HEAD"}).Out;
  return Rev.substr(0, Rev.find('\n'));
}

TEST(EntryPointsTest, PreCommitFrameworkRefusesAHazardAndPassesACleanCommit) {
  if (!llvm::sys::fs::exists("/usr/bin/pre-commit"))
    GTEST_SKIP() << "Debian's pre-commit package is not installed (scripts/install-deps.sh installs it)";
  TempDir Hooks;
  std::string Rev = hooksRepository(Hooks);
  Project P;
  Repository Repo(P);
  writeFile(P.path(".pre-commit-config.yaml"), "repos:\n  - repo: " + Hooks.path() + "\n    rev: " + Rev +
                                                   "\n    hooks:\n      - id: mapguard\n        args: [-p, .]\n");
  CommandResult Install =
      run({"/usr/bin/env", "PRE_COMMIT_HOME=" + Repo.Home.path(), "/usr/bin/pre-commit", "install"}, P.root());
  ASSERT_EQ(Install.ExitCode, 0) << output(Install);

  CommandResult Clean =
      Repo.commit({".pre-commit-config.yaml", "compile_commands.json", "include", "src/clean.cpp"}, "clean code");
  EXPECT_EQ(Clean.ExitCode, 0) << output(Clean);
  CommandResult Hazard = Repo.commit({"src/hazard.cpp"}, "a hazard");
  EXPECT_NE(Hazard.ExitCode, 0) << output(Hazard);
  EXPECT_NE(output(Hazard).find("hazard.cpp:6:30: warning:"), std::string::npos) << output(Hazard);
  EXPECT_NE(output(Hazard).find("[mapguard-erase-during-iteration]"), std::string::npos);
  EXPECT_NE(Repo.git({"status", "--porcelain"}).Out.find("A  src/hazard.cpp"), std::string::npos) << "not committed";

  // The changed-lines hook: the legacy finding does not block an edit elsewhere; a new one does.
  Repo.git({"commit", "-q", "--no-verify", "-m", "legacy hazard"});
  writeFile(P.path(".pre-commit-config.yaml"), "repos:\n  - repo: " + Hooks.path() + "\n    rev: " + Rev +
                                                   "\n    hooks:\n      - id: mapguard-diff\n        args: [-p, .]\n");
  writeFile(P.path("src/hazard.cpp"), "// reviewed\n" + readFile(P.path("src/hazard.cpp")));
  CommandResult Edit = Repo.commit({".pre-commit-config.yaml", "src/hazard.cpp"}, "an edit near old code");
  EXPECT_EQ(Edit.ExitCode, 0) << output(Edit);
  writeFile(P.path("src/hazard.cpp"), readFile(P.path("src/hazard.cpp")) + LaterHazard);
  CommandResult Later = Repo.commit({"src/hazard.cpp"}, "a new hazard");
  EXPECT_NE(Later.ExitCode, 0) << output(Later);
  EXPECT_NE(output(Later).find("hazard.cpp:12:30: warning:"), std::string::npos) << output(Later);
  EXPECT_EQ(output(Later).find("hazard.cpp:7:29"), std::string::npos) << "the legacy finding is not reported";
}

TEST(EntryPointsTest, PlainGitHookRefusesAHazardAndPassesACleanCommit) {
  Project P;
  Repository Repo(P);
  std::string Hook = P.path(".git/hooks/pre-commit");
  writeFile(Hook, readFile(SourceDir + "/integration/git-hooks/pre-commit"));
  ASSERT_EQ(run({"chmod", "+x", Hook}).ExitCode, 0);
  Repo.git({"config", "mapguard.buildDir", "."});
  // The hook reports changed lines, headers included: the shared header's finding is legacy.
  Repo.git({"add", "compile_commands.json", "include"});
  Repo.git({"commit", "-q", "--no-verify", "-m", "legacy header"});
  CommandResult Clean = Repo.commit({"src/clean.cpp"}, "clean code");
  EXPECT_EQ(Clean.ExitCode, 0) << output(Clean);
  CommandResult Hazard = Repo.commit({"src/hazard.cpp"}, "a hazard");
  EXPECT_NE(Hazard.ExitCode, 0);
  EXPECT_NE(output(Hazard).find("[mapguard-erase-during-iteration]"), std::string::npos) << output(Hazard);
  EXPECT_NE(output(Hazard).find("commit refused (exit code 1"), std::string::npos) << output(Hazard);
}

TEST(EntryPointsTest, ClangTidyWrapperWithTheExampleConfiguration) {
  Project P;
  writeFile(P.path(".clang-tidy"), readFile(SourceDir + "/integration/editors/example.clang-tidy"));
  // From the project's directory, as editors run it (clang-tidy 19 takes HeaderFilterRegex from
  // the configuration of the working directory).
  CommandResult R = run({BinDir + "/mapguard-clang-tidy", "-p", P.root(), P.path("src/hazard.cpp")}, P.root());
  std::vector<std::string> Where;
  for (const Diag &D : parseDiagnostics(R.Out))
    if (D.Kind == "warning")
      Where.push_back(D.File.substr(D.File.rfind('/') + 1) + ":" + std::to_string(D.Line) + " " + D.Check);
  // The example's HeaderFilterRegex shows the shared header's finding as well.
  EXPECT_EQ(Where, (std::vector<std::string>{"shared.h:5 mapguard-erase-during-iteration",
                                             "hazard.cpp:6 mapguard-erase-during-iteration"}))
      << R.Out << R.Err;
}

TEST(EntryPointsTest, ClangdShowsMapguardDiagnosticsWithTheExampleSettings) {
  const std::string Clangd = BinDir + "/mapguard-clangd";
  ASSERT_TRUE(llvm::sys::fs::exists(Clangd)) << "mapguard-clangd was not built";
  Project P;
  writeFile(P.path(".clang-tidy"), readFile(SourceDir + "/integration/editors/example.clang-tidy"));
  auto Check = [&] {
    return run({Clangd, "--check=" + P.path("src/hazard.cpp"), "--check-warnings", "--log=error"}, P.root()).Err;
  };
  const std::string Expected = "[mapguard-erase-during-iteration] Line 6: 'It = Counts.erase(It)' already moves 'It'";
  // clangd's default FastCheckFilter drops checks it has not timed; the documented .clangd lifts it.
  EXPECT_EQ(Check().find(Expected), std::string::npos);
  writeFile(P.path(".clangd"), readFile(SourceDir + "/integration/editors/example.clangd"));
  std::string Log = Check();
  EXPECT_NE(Log.find(Expected), std::string::npos) << Log;
}

/// Parses a YAML file with Debian's python3-yaml and prints what a Python expression says of it.
CommandResult yaml(const std::string &File, const std::string &Expression) {
  return run({PythonWithDebianModules, "-c",
              "import sys, yaml\ndoc = yaml.safe_load(open(sys.argv[1]))\nprint(" + Expression + ")", File});
}

TEST(EntryPointsTest, IntegrationFilesAreValidYamlWithWhatTheirHostsRead) {
  CommandResult Hooks =
      yaml(SourceDir + "/.pre-commit-hooks.yaml", "[(h['id'], h['language'], h['entry'].split()[0]) for h in doc]");
  EXPECT_EQ(Hooks.Out, "[('mapguard', 'system', 'mapguard'), ('mapguard-diff', 'system', 'mapguard')]\n") << Hooks.Err;
  // The workflow runs the action (action.yml), which uploads to code scanning in category 'mapguard'.
  CommandResult Workflow = yaml(SourceDir + "/integration/github/mapguard.yml",
                                "doc['permissions']['security-events'], [s['uses'] for s in "
                                "doc['jobs']['mapguard']['steps'] if 'mapguard' in s.get('uses', '')]");
  EXPECT_EQ(Workflow.Out, "write ['mapguard/mapguard@main']\n") << Workflow.Err;
  CommandResult Action = yaml(SourceDir + "/action.yml",
                              "doc['inputs']['category']['default'], [(s['uses'], s['with']['category']) for s in "
                              "doc['runs']['steps'] if 'upload-sarif' in s.get('uses', '')]");
  EXPECT_EQ(Action.Out, "mapguard [('github/codeql-action/upload-sarif@v4', '${{ inputs.category }}')]\n")
      << Action.Err;
  CommandResult GitLab = yaml(SourceDir + "/integration/gitlab/mapguard.gitlab-ci.yml",
                              "doc['mapguard']['artifacts']['paths'], doc['mapguard']['artifacts']['when']");
  EXPECT_EQ(GitLab.Out, "['mapguard.sarif'] always\n") << GitLab.Err;
  for (const char *Config : {"/integration/editors/example.clang-tidy", "/integration/editors/example.clangd"})
    EXPECT_EQ(yaml(SourceDir + Config, "type(doc).__name__").Out, "dict\n") << Config;
}

TEST(EntryPointsTest, InstalledPrefixRunsOnItsOwn) {
  TempDir Prefix;
  CommandResult Install = run({"cmake", "--install", MAPGUARD_BINARY_DIR, "--prefix", Prefix.path()});
  ASSERT_EQ(Install.ExitCode, 0) << output(Install);
  for (const char *File :
       {"bin/mapguard", "bin/mapguard-clangd", "bin/mapguard-clang-tidy", "lib/libMapGuard.so",
        "share/doc/mapguard/README.md", "share/doc/mapguard/checks/mapguard-unguarded-access.md",
        "share/mapguard/integration/git-hooks/pre-commit", "share/mapguard/integration/github/mapguard.yml",
        "share/mapguard/integration/pre-commit/.pre-commit-hooks.yaml"})
    EXPECT_TRUE(llvm::sys::fs::exists(Prefix.file(File))) << File;
  Project P;
  EXPECT_EQ(run({Prefix.file("bin/mapguard"), "-p", P.root(), "--quiet", P.path("src/hazard.cpp")}).ExitCode, 1);
  CommandResult Plugin =
      run({Prefix.file("bin/mapguard-clang-tidy"), "-p", P.root(), "--checks=-*,mapguard-*", P.path("src/hazard.cpp")});
  EXPECT_NE(Plugin.Out.find("[mapguard-erase-during-iteration]"), std::string::npos) << output(Plugin);
}

TEST(EntryPointsTest, DebianPackageHoldsTheProductAndRunsWhenUnpacked) {
  if (!llvm::sys::findProgramByName("dpkg-deb"))
    GTEST_SKIP() << "dpkg-deb is not installed";
  TempDir Out;
  const std::string Config = MAPGUARD_BINARY_DIR "/CPackConfig.cmake";
  CommandResult Pack = run({"cpack", "--config", Config, "-B", Out.path()});
  ASSERT_EQ(Pack.ExitCode, 0) << output(Pack);
  std::string Deb = Out.file("mapguard_" MAPGUARD_VERSION "-llvm" MAPGUARD_LLVM_MAJOR "_amd64.deb");
  ASSERT_TRUE(llvm::sys::fs::exists(Deb)) << Pack.Out;
  std::string Contents = run({"dpkg-deb", "--contents", Deb}).Out;
  for (const char *File : {"./usr/bin/mapguard", "./usr/bin/mapguard-clangd", "./usr/bin/mapguard-clang-tidy",
                           "./usr/lib/libMapGuard.so", "./usr/share/doc/mapguard/checks/mapguard-deferred-capture.md",
                           "./usr/share/mapguard/integration/git-hooks/pre-commit"})
    EXPECT_NE(Contents.find(File), std::string::npos) << File << "\n" << Contents;
  std::string Depends = run({"dpkg-deb", "--field", Deb, "Depends"}).Out;
  EXPECT_NE(Depends.find("libclang-cpp" MAPGUARD_LLVM_MAJOR), std::string::npos) << Depends;
  // Every dependency is a package this (Debian 12) machine has: the package installs here.
  const std::string EachInstalled = "for p in $(echo \"$1\" | tr -d ' ' | tr ',' ' '); do "
                                    "dpkg -s \"$p\" >/dev/null || { echo \"missing $p\"; exit 1; }; done";
  CommandResult Installable = run({"/bin/sh", "-c", EachInstalled, "sh", Depends});
  EXPECT_EQ(Installable.ExitCode, 0) << Installable.Out;
  ASSERT_EQ(run({"dpkg-deb", "-x", Deb, Out.file("root")}).ExitCode, 0);
  CommandResult Version = run({Out.file("root/usr/bin/mapguard"), "--version"});
  EXPECT_NE(Version.Out.find("mapguard " MAPGUARD_VERSION " (LLVM " MAPGUARD_LLVM_MAJOR), std::string::npos)
      << output(Version);
  Project P;
  EXPECT_EQ(run({Out.file("root/usr/bin/mapguard"), "-p", P.root(), "--quiet", P.path("src/hazard.cpp")}).ExitCode, 1);
}

} // namespace
