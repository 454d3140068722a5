#include "DistinctCommands.h"

#include "llvm/ADT/StringRef.h"
#include <set>

namespace mapguard {
namespace {
/// Flags that take the next argument as their value and cannot change the analysis.
bool isIrrelevantWithValue(llvm::StringRef Arg) {
  return Arg == "-o" || Arg == "-MF" || Arg == "-MT" || Arg == "-MQ" || Arg == "-MJ";
}

bool isIrrelevant(llvm::StringRef Arg) {
  if (Arg == "-c" || Arg == "-MD" || Arg == "-MMD" || Arg == "-MP" || Arg == "-pipe")
    return true;
  if (Arg == "-fPIC" || Arg == "-fpic" || Arg == "-fPIE" || Arg == "-fpie" || Arg == "-fno-pic" || Arg == "-fno-pie")
    return true;
  // -o<file>, -MF<file>, ...; -O<level>; -g<kind>; -W<warning> (not -Wl,/-Wp,/-Wa, which pass options on).
  if ((Arg.starts_with("-o") && Arg.size() > 2) || Arg.starts_with("-MF") || Arg.starts_with("-MT") ||
      Arg.starts_with("-MQ") || Arg.starts_with("-O") || Arg.starts_with("-g"))
    return true;
  if (Arg.starts_with("-W") && !Arg.starts_with("-Wl,") && !Arg.starts_with("-Wp,") && !Arg.starts_with("-Wa,"))
    return true;
  // CMake's DEFINE_SYMBOL for a shared library's objects (`-Drocksdb_shared_EXPORTS`): it selects
  // export attributes, the only difference between a project's static and shared builds.
  if (Arg.starts_with("-D") && Arg.ends_with("_EXPORTS") && !Arg.contains('='))
    return true;
  return Arg.starts_with("-fdiagnostics-") || Arg == "-fcolor-diagnostics" || Arg == "-fno-color-diagnostics";
}
} // namespace

std::vector<std::string> analysisRelevantArguments(const clang::tooling::CompileCommand &Command) {
  std::vector<std::string> Relevant{Command.Directory};
  const std::vector<std::string> &Args = Command.CommandLine;
  for (size_t I = 1; I < Args.size(); ++I) { // [0] is the compiler: g++ and clang++ entries alike
    if (isIrrelevantWithValue(Args[I])) {
      ++I;
      continue;
    }
    if (!isIrrelevant(Args[I]))
      Relevant.push_back(Args[I]);
  }
  return Relevant;
}

std::vector<clang::tooling::CompileCommand>
DistinctCommandsDatabase::getCompileCommands(llvm::StringRef FilePath) const {
  std::vector<clang::tooling::CompileCommand> Distinct;
  std::set<std::vector<std::string>> Seen;
  for (clang::tooling::CompileCommand &Command : Inner->getCompileCommands(FilePath))
    if (Seen.insert(analysisRelevantArguments(Command)).second)
      Distinct.push_back(std::move(Command));
  return Distinct;
}

} // namespace mapguard
