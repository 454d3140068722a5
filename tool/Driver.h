// What the mapguard CLI sets up before analysis: the clang-tidy configuration and the compilation
// database. Kept out of main so tests and other front-ends can use it.
#ifndef MAPGUARD_TOOL_DRIVER_H
#define MAPGUARD_TOOL_DRIVER_H

#include "Analysis.h"
#include "llvm/Support/Error.h"
#include <optional>

namespace mapguard {

/// Exit codes, documented in --help and the README.
enum ExitCode : int {
  ExitClean = 0,      // no findings
  ExitFindings = 1,   // findings reported
  ExitUsage = 2,      // usage or configuration error
  ExitUnitFailed = 3, // some translation unit could not be analysed
};

/// Command-line settings that override the .clang-tidy files, as in clang-tidy.
struct ConfigOverrides {
  std::optional<std::string> Checks;
  std::optional<std::string> HeaderFilter;
  std::optional<std::string> ExcludeHeaderFilter;
  std::optional<std::string> LineFilter; // JSON, as clang-tidy's --line-filter
  std::optional<std::string> Config;     // --config: inline YAML, replaces the files
  std::optional<std::string> ConfigFile; // --config-file
};

/// The checks run when no .clang-tidy and no --checks say otherwise.
inline constexpr const char *DefaultChecks = "-*,mapguard-*";

/// A factory of clang-tidy options providers (one per worker), or a configuration error.
llvm::Expected<OptionsProviderFactory> makeOptionsProviderFactory(const ConfigOverrides &Overrides);

struct DatabaseRequest {
  std::unique_ptr<clang::tooling::CompilationDatabase> Fixed; // from `-- <flags>`
  std::string BuildPath;                                      // -p
  std::vector<std::string> Files;                             // positional
  std::vector<std::string> ExtraArgs, ExtraArgsBefore;
  std::string ResourceDir;   // clang's builtin headers, added unless the command has its own
  bool EveryCommand = false; // analyse every entry of a file, as clang-tidy does (--every-command)
};

/// The compilation database to use, searched as clang-tidy does when -p is not given.
llvm::Expected<std::unique_ptr<clang::tooling::CompilationDatabase>> loadCompilations(DatabaseRequest Request);

/// The directory of the compile_commands.json \p Request finds (-p, else above the first file or
/// the working directory); empty for flags given after '--'.
std::string databaseDirectory(const DatabaseRequest &Request);

/// The files to analyse: the given ones (made absolute) or every file in the database.
std::vector<std::string> filesToAnalyse(const clang::tooling::CompilationDatabase &Db,
                                        llvm::ArrayRef<std::string> Given);

/// Writes \p Content to \p Path through a temporary file and a rename.
llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::function_ref<void(llvm::raw_ostream &)> Write);

} // namespace mapguard

#endif
