#include "TestSupport.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"
#include "gtest/gtest.h"
#include <fstream>
#include <sstream>
#include <tuple>

namespace mapguard::test {

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

void writeFile(const std::string &Path, const std::string &Content) {
  if (std::error_code EC = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path)))
    ADD_FAILURE() << "cannot create the directory of " << Path << ": " << EC.message();
  std::ofstream Out(Path, std::ios::binary);
  Out << Content;
}

TempDir::TempDir() {
  llvm::SmallString<128> Dir;
  if (std::error_code EC = llvm::sys::fs::createUniqueDirectory("mapguard-test", Dir))
    ADD_FAILURE() << "cannot create a temporary directory: " << EC.message();
  Path = std::string(Dir);
}

TempDir::~TempDir() { (void)llvm::sys::fs::remove_directories(Path); } // best effort

namespace {
// The CLI keeps results in $XDG_CACHE_HOME/mapguard by default: each test process gets a cache of
// its own, so no test reads what another (or a user's own runs) left.
const TempDir ProcessCache;
[[maybe_unused]] const bool CacheIsolated = ::setenv("XDG_CACHE_HOME", ProcessCache.path().c_str(), 1) == 0;
} // namespace

CommandResult run(const std::vector<std::string> &Args, const std::string &WorkingDir) {
  // llvm::sys has no working-directory parameter; `env -C` provides one without a shell.
  std::vector<std::string> Command;
  if (!WorkingDir.empty())
    Command = {"env", "-C", WorkingDir};
  Command.insert(Command.end(), Args.begin(), Args.end());
  CommandResult Result;
  auto Program = llvm::sys::findProgramByName(Command[0]);
  if (!Program) {
    Result.Err = "cannot find program " + Command[0];
    return Result;
  }
  TempDir Scratch;
  std::string OutPath = Scratch.file("stdout"), ErrPath = Scratch.file("stderr"), Error;
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef("/dev/null"), llvm::StringRef(OutPath),
                                                llvm::StringRef(ErrPath)};
  std::vector<llvm::StringRef> Argv(Command.begin(), Command.end());
  Result.ExitCode = llvm::sys::ExecuteAndWait(*Program, Argv, std::nullopt, Redirects, 0, 0, &Error);
  Result.Out = readFile(OutPath);
  Result.Err = readFile(ErrPath) + Error;
  return Result;
}

bool Diag::operator<(const Diag &O) const {
  return std::tie(File, Line, Column, Kind, Message, Check) <
         std::tie(O.File, O.Line, O.Column, O.Kind, O.Message, O.Check);
}
bool Diag::operator==(const Diag &O) const { return !(*this < O) && !(O < *this); }

std::string Diag::str() const {
  return File + ":" + std::to_string(Line) + ":" + std::to_string(Column) + ": " + Kind + ": " + Message +
         (Check.empty() ? "" : " [" + Check + "]");
}

std::vector<Diag> parseDiagnostics(const std::string &Output) {
  static const llvm::Regex Line(R"(^(.+):([0-9]+):([0-9]+): (warning|note|error): (.*)$)");
  static const llvm::Regex CheckSuffix(R"( \[([A-Za-z0-9.,_-]+)\]$)");
  std::vector<Diag> Result;
  std::istringstream In(Output);
  std::string Text;
  while (std::getline(In, Text)) {
    llvm::SmallVector<llvm::StringRef, 6> M;
    if (!Line.match(Text, &M))
      continue;
    Diag D{M[1].str(), 0, 0, M[4].str(), M[5].str(), ""};
    M[2].getAsInteger(10, D.Line);
    M[3].getAsInteger(10, D.Column);
    llvm::SmallVector<llvm::StringRef, 2> C;
    if (D.Kind != "note" && CheckSuffix.match(D.Message, &C)) {
      D.Check = C[1].str();
      D.Message = D.Message.substr(0, D.Message.size() - C[0].size());
    }
    Result.push_back(D);
  }
  return Result;
}

size_t countWarnings(const std::string &Output) {
  size_t Count = 0;
  for (const Diag &D : parseDiagnostics(Output))
    Count += D.Kind == "warning";
  return Count;
}

bool haveLibcxx() { return llvm::sys::fs::exists("/usr/lib/llvm-" MAPGUARD_LLVM_MAJOR "/include/c++/v1/map"); }

std::string validateSarif(const std::string &SarifPath) {
  if (!llvm::sys::fs::exists(MAPGUARD_SARIF_SCHEMA))
    return "schema missing at " MAPGUARD_SARIF_SCHEMA " (npm pack @microsoft/jest-sarif; see scripts/install-deps.sh)";
  const std::string Validator = "import json, sys, jsonschema\n"
                                "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))\n";
  CommandResult R = run({"/usr/bin/python3", "-c", Validator, SarifPath, MAPGUARD_SARIF_SCHEMA});
  return R.ExitCode == 0 ? "" : R.Err;
}

} // namespace mapguard::test
