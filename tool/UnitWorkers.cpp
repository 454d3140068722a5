#include "UnitWorkers.h"

#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/YAMLTraits.h"
#include <chrono>
#include <csignal>
#include <thread>

using clang::tidy::ClangTidyError;
using clang::tidy::ClangTidyStats;

namespace mapguard {
namespace {

/// The file a worker writes: its diagnostics as clang-tidy exports them, its counters, and
/// whether its in-process crash recovery caught a crash.
struct WorkerDiagnostic {
  clang::tooling::Diagnostic Diagnostic;
  bool WarningAsError = false;
};

struct WorkerReport {
  std::vector<WorkerDiagnostic> Diagnostics;
  ClangTidyStats Stats;
  bool Crashed = false;
};

} // namespace
} // namespace mapguard

LLVM_YAML_IS_SEQUENCE_VECTOR(mapguard::WorkerDiagnostic)

namespace llvm::yaml {
template <> struct MappingTraits<mapguard::WorkerDiagnostic> {
  static void mapping(IO &Io, mapguard::WorkerDiagnostic &D) {
    Io.mapRequired("Diagnostic", D.Diagnostic);
    Io.mapOptional("WarningAsError", D.WarningAsError);
  }
};
template <> struct MappingTraits<mapguard::WorkerReport> {
  static void mapping(IO &Io, mapguard::WorkerReport &Report) {
    Io.mapRequired("Diagnostics", Report.Diagnostics);
    Io.mapRequired("Crashed", Report.Crashed);
    Io.mapOptional("ErrorsDisplayed", Report.Stats.ErrorsDisplayed);
    Io.mapOptional("ErrorsIgnoredCheckFilter", Report.Stats.ErrorsIgnoredCheckFilter);
    Io.mapOptional("ErrorsIgnoredNOLINT", Report.Stats.ErrorsIgnoredNOLINT);
    Io.mapOptional("ErrorsIgnoredNonUserCode", Report.Stats.ErrorsIgnoredNonUserCode);
    Io.mapOptional("ErrorsIgnoredLineFilter", Report.Stats.ErrorsIgnoredLineFilter);
  }
};
} // namespace llvm::yaml

namespace mapguard {
namespace {

UnitOutcome failed(UnitStatus Status) {
  UnitOutcome Outcome;
  Outcome.Status = Status;
  return Outcome;
}

/// Waits for the worker, polling: LLVM's own timed wait uses alarm(), one per process, which
/// workers waited for on several threads would share.
std::optional<llvm::sys::ProcessInfo> waitAtMost(const llvm::sys::ProcessInfo &Worker, unsigned TimeoutSeconds) {
  if (TimeoutSeconds == 0)
    return llvm::sys::Wait(Worker, std::nullopt);
  const auto Deadline = std::chrono::steady_clock::now() + std::chrono::seconds(TimeoutSeconds);
  auto Pause = std::chrono::milliseconds(2);
  while (std::chrono::steady_clock::now() < Deadline) {
    llvm::sys::ProcessInfo State = llvm::sys::Wait(Worker, /*SecondsToWait=*/0);
    if (State.Pid != 0)
      return State;
    std::this_thread::sleep_for(Pause);
    Pause = std::min(Pause * 2, std::chrono::milliseconds(50));
  }
  ::kill(Worker.Pid, SIGKILL);
  llvm::sys::Wait(Worker, std::nullopt);
  return std::nullopt;
}

} // namespace

UnitOutcome runUnitInWorker(const WorkerProcesses &Workers, const std::string &File) {
  llvm::SmallString<128> OutputPath;
  if (llvm::sys::fs::createTemporaryFile("mapguard-unit", "yaml", OutputPath))
    return failed(UnitStatus::Crashed);
  llvm::FileRemover RemoveOutput(OutputPath);
  const std::string UnitArgument = ("--" + WorkerUnitOption + "=" + File).str();
  const std::string OutputArgument = ("--" + WorkerOutputOption + "=" + OutputPath).str();
  std::vector<llvm::StringRef> Args{Workers.Executable, UnitArgument, OutputArgument};
  Args.insert(Args.end(), Workers.Arguments.begin(), Workers.Arguments.end());
  // The worker prints nothing of its own; a crash it cannot recover from prints its stack on stderr.
  const std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(), llvm::StringRef(), std::nullopt};
  std::string Error;
  bool ExecutionFailed = false;
  llvm::sys::ProcessInfo Worker =
      llvm::sys::ExecuteNoWait(Workers.Executable, Args, std::nullopt, Redirects, 0, &Error, &ExecutionFailed);
  if (ExecutionFailed)
    return failed(UnitStatus::Crashed);
  std::optional<llvm::sys::ProcessInfo> Ended = waitAtMost(Worker, Workers.TimeoutSeconds);
  if (!Ended)
    return failed(UnitStatus::TimedOut);
  if (Ended->ReturnCode != 0)
    return failed(UnitStatus::Crashed);
  auto Buffer = llvm::MemoryBuffer::getFile(OutputPath);
  if (!Buffer)
    return failed(UnitStatus::Crashed);
  WorkerReport Report;
  llvm::yaml::Input Yaml((*Buffer)->getBuffer());
  Yaml >> Report;
  if (Yaml.error())
    return failed(UnitStatus::Crashed);
  UnitOutcome Outcome;
  Outcome.Stats = Report.Stats;
  Outcome.Status = Report.Crashed ? UnitStatus::Crashed : UnitStatus::Completed;
  for (auto &[D, WarningAsError] : Report.Diagnostics) {
    ClangTidyError E(D.DiagnosticName, D.DiagLevel, D.BuildDirectory, WarningAsError);
    E.Message = std::move(D.Message);
    E.Notes = std::move(D.Notes);
    Outcome.Diagnostics.push_back(std::move(E));
  }
  return Outcome;
}

llvm::Error writeUnitOutcome(llvm::StringRef Path, const UnitOutcome &Outcome) {
  WorkerReport Report;
  for (const ClangTidyError &E : Outcome.Diagnostics)
    Report.Diagnostics.push_back({E, E.IsWarningAsError});
  Report.Stats = Outcome.Stats;
  Report.Crashed = Outcome.Status != UnitStatus::Completed;
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  if (EC)
    return llvm::createStringError(EC, "cannot write '%s': %s", Path.str().c_str(), EC.message().c_str());
  llvm::yaml::Output Yaml(OS);
  Yaml << Report;
  return llvm::Error::success();
}

} // namespace mapguard
