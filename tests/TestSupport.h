// Helpers for tests that run the real front-ends (clang-tidy with the plugin, the mapguard CLI).
#ifndef MAPGUARD_TESTS_TESTSUPPORT_H
#define MAPGUARD_TESTS_TESTSUPPORT_H

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mapguard::test {

/// The built front-ends the tests run: the CLI, and the plugin as clang-tidy loads it.
inline const std::string SourceDir = MAPGUARD_SOURCE_DIR;
inline const std::string Mapguard = MAPGUARD_BINARY_DIR "/bin/mapguard";
inline const std::string LoadPlugin = "--load=" MAPGUARD_BINARY_DIR "/lib/libMapGuard.so";

struct CommandResult {
  int ExitCode = -1;
  std::string Out, Err;
};

/// Both streams of a run, for a failed assertion's message.
inline std::string output(const CommandResult &R) { return R.Out + R.Err; }

/// Runs a program (no shell) in \p WorkingDir, capturing stdout and stderr.
CommandResult run(const std::vector<std::string> &Args, const std::string &WorkingDir = "");

/// What the official SARIF 2.1.0 schema says of the log at \p SarifPath: empty when it is valid.
std::string validateSarif(const std::string &SarifPath);

std::string readFile(const std::string &Path);
void writeFile(const std::string &Path, const std::string &Content);
/// A fresh directory under the system temp dir, removed by the caller's TempDir.
class TempDir {
public:
  TempDir();
  ~TempDir();
  const std::string &path() const { return Path; }
  std::string file(const std::string &Name) const { return Path + "/" + Name; }

private:
  std::string Path;
};

/// One diagnostic line of clang's text format: `file:line:col: kind: message [check]`.
struct Diag {
  std::string File;
  unsigned Line = 0, Column = 0;
  std::string Kind; // warning, note, error
  std::string Message;
  std::string Check; // empty for notes
  bool operator<(const Diag &O) const;
  bool operator==(const Diag &O) const;
  std::string str() const;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name googletest looks up.
inline void PrintTo(const Diag &D, std::ostream *OS) { *OS << D.str(); }

/// The diagnostics in a front-end's stdout, in order.
std::vector<Diag> parseDiagnostics(const std::string &Output);

/// How many warnings (findings) a front-end's stdout has.
size_t countWarnings(const std::string &Output);

/// Whether libc++ headers are installed, so tests also run against them.
bool haveLibcxx();

} // namespace mapguard::test

#endif
