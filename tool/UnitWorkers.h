// Units analysed in worker processes: a unit that hangs, or crashes in a way LLVM's crash
// recovery cannot catch (a stack overflow, memory corruption), costs only itself. The worker is
// the mapguard executable itself, run with the parent's own arguments plus the unit and a file
// for its outcome (clang-tidy's diagnostics YAML).
#ifndef MAPGUARD_TOOL_UNITWORKERS_H
#define MAPGUARD_TOOL_UNITWORKERS_H

#include "Analysis.h"
#include "llvm/Support/Error.h"

namespace mapguard {

struct WorkerProcesses {
  std::string Executable;
  std::vector<std::string> Arguments; // the run's own, without the program name
  unsigned TimeoutSeconds = 0;        // 0: no limit
};

/// The option names a worker is started with (hidden options of the CLI).
inline constexpr llvm::StringLiteral WorkerUnitOption = "worker-unit";
inline constexpr llvm::StringLiteral WorkerOutputOption = "worker-output";
/// What the worker's unit does with the project index: "collect" (the first look), or the index
/// file of the second look with --worker-facts-digest.
inline constexpr llvm::StringLiteral WorkerFactsOption = "worker-facts";
inline constexpr llvm::StringLiteral WorkerFactsDigestOption = "worker-facts-digest";

/// Runs one unit in a worker and waits for it, at most TimeoutSeconds: past that the worker is
/// killed and the unit TimedOut. A worker that dies or writes no outcome is a Crashed unit.
UnitOutcome runUnitInWorker(const WorkerProcesses &Workers, const std::string &File, const FactsUse &Facts);

/// The worker's side: writes its unit's outcome where the parent reads it.
llvm::Error writeUnitOutcome(llvm::StringRef Path, const UnitOutcome &Outcome);

} // namespace mapguard

#endif
