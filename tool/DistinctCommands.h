// A compilation database that lists each file once per distinct analysis: entries for the same file
// whose commands differ only in flags that cannot change what mapguard sees (the output file,
// dependency-file flags, -fPIC/-fPIE, optimisation, debug information, warnings, -c) are one
// analysis. CMake projects that build a static and a shared library from the same sources list
// every file twice; clang-tidy analyses both. Commands that differ in anything else (-D, -I, -std,
// the target) stay apart.
#ifndef MAPGUARD_TOOL_DISTINCTCOMMANDS_H
#define MAPGUARD_TOOL_DISTINCTCOMMANDS_H

#include "clang/Tooling/CompilationDatabase.h"
#include <memory>

namespace mapguard {

/// The arguments of \p Command that can change the analysis, in order (the key of an analysis).
std::vector<std::string> analysisRelevantArguments(const clang::tooling::CompileCommand &Command);

class DistinctCommandsDatabase : public clang::tooling::CompilationDatabase {
public:
  explicit DistinctCommandsDatabase(std::unique_ptr<clang::tooling::CompilationDatabase> Inner)
      : Inner(std::move(Inner)) {}
  std::vector<clang::tooling::CompileCommand> getCompileCommands(llvm::StringRef FilePath) const override;
  std::vector<std::string> getAllFiles() const override { return Inner->getAllFiles(); }

private:
  std::unique_ptr<clang::tooling::CompilationDatabase> Inner;
};

} // namespace mapguard

#endif
