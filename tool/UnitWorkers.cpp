#include "UnitWorkers.h"

#include "UnitOutcomeYaml.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include <chrono>
#include <csignal>
#include <thread>

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

UnitOutcome runUnitInWorker(const WorkerProcesses &Workers, const std::string &File, const FactsUse &Facts) {
  llvm::SmallString<128> OutputPath;
  if (llvm::sys::fs::createTemporaryFile("mapguard-unit", "yaml", OutputPath))
    return failed(UnitStatus::Crashed);
  llvm::FileRemover RemoveOutput(OutputPath);
  const std::string UnitArgument = ("--" + WorkerUnitOption + "=" + File).str();
  const std::string OutputArgument = ("--" + WorkerOutputOption + "=" + OutputPath).str();
  std::vector<llvm::StringRef> Args{Workers.Executable, UnitArgument, OutputArgument};
  std::string FactsArgument, DigestArgument;
  if (Facts.Collect || Facts.Index) {
    FactsArgument = ("--" + WorkerFactsOption + "=" + (Facts.Collect ? "collect" : Facts.IndexFile)).str();
    Args.push_back(FactsArgument);
  }
  if (!Facts.Digest.empty()) {
    DigestArgument = ("--" + WorkerFactsDigestOption + "=" + Facts.Digest).str();
    Args.push_back(DigestArgument);
  }
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
  std::optional<UnitOutcome> Outcome = parseOutcome((*Buffer)->getBuffer());
  return Outcome ? std::move(*Outcome) : failed(UnitStatus::Crashed);
}

llvm::Error writeUnitOutcome(llvm::StringRef Path, const UnitOutcome &Outcome) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  if (EC)
    return llvm::createStringError(EC, "cannot write '%s': %s", Path.str().c_str(), EC.message().c_str());
  OS << serializeOutcome(Outcome);
  return llvm::Error::success();
}

} // namespace mapguard
