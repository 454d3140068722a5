// Runs the mapguard checks over translation units through clang-tidy's own driver, so the
// configuration (.clang-tidy), NOLINT and header filtering behave exactly as in clang-tidy.
#ifndef MAPGUARD_TOOL_ANALYSIS_H
#define MAPGUARD_TOOL_ANALYSIS_H

#include "SeenReport.h"
#include "clang-tidy/ClangTidyDiagnosticConsumer.h"
#include "clang-tidy/ClangTidyOptions.h"
#include "model/ProjectFacts.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mapguard {

/// How a unit's analysis ended. A crashed or timed-out unit has no findings; the others' are kept.
enum class UnitStatus { Completed, Crashed, TimedOut };

/// What one unit's analysis produced: its diagnostics (findings and compiler errors, not yet
/// de-duplicated) and clang-tidy's counters.
struct UnitOutcome {
  std::vector<clang::tidy::ClangTidyError> Diagnostics;
  clang::tidy::ClangTidyStats Stats;
  UnitStatus Status = UnitStatus::Completed;
};

/// A translation unit whose analysis is incomplete, and the compiler errors that say why; or one
/// whose analysis crashed or ran past the time limit (its findings are dropped, the others' kept).
struct UnitFailure {
  std::string File;
  std::vector<clang::tidy::ClangTidyError> Errors;
  UnitStatus Status = UnitStatus::Completed;
  /// Every compiler error is in a system header (a directory the unit's command includes with
  /// -isystem or -idirafter, or the compiler's own: /usr/include, /usr/lib, /usr/local/include):
  /// a third-party header the compiler cannot parse, not the unit's own code, whose findings stand.
  bool SystemHeadersOnly = false;
  std::string FirstErrorFile; // the absolute path of the first error's file, when it has one
  std::string MissingInclude; // `#include "gen/list.h"` names a file that does not exist (yet)
};

struct AnalysisResult {
  std::vector<clang::tidy::ClangTidyError> Findings; // de-duplicated across units, sorted
  WhatWasSeen Seen;
  std::vector<UnitFailure> Failures; // sorted by file
  clang::tidy::ClangTidyStats Stats; // summed over units
  /// A checkpoint of a run still going: only the units done so far are in it.
  struct Partial {
    size_t UnitsDone = 0, UnitsTotal = 0;
  };
  std::optional<Partial> InProgress;
  /// The project index's part (issue 24): the functions it holds facts about, and the units
  /// analysed a second time because they call some of them.
  size_t IndexedFunctions = 0, AnalysedAgain = 0;
  size_t IndexedContainers = 0;
  std::string IndexWriteError; // the index file could not be written: why
};

using OptionsProviderFactory = std::function<std::unique_ptr<clang::tidy::ClangTidyOptionsProvider>(
    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>)>;

/// What the progress line says after each unit.
struct UnitProgress {
  size_t Done = 0, Total = 0; // units
  size_t UnitFindings = 0;    // this unit's findings (before a header's are merged across units)
  size_t FindingsSoFar = 0;   // every unit's so far
  llvm::StringRef File;
};
/// Called after each unit, one call at a time.
using ProgressCallback = std::function<void(const UnitProgress &)>;
/// Called with the result of the units done so far, at most once per interval, while a run goes
/// on (not after its last unit): for output files that an interrupted run should not lose.
struct Checkpoints {
  std::function<void(const AnalysisResult &)> Write;
  std::chrono::seconds Interval{30};
};

struct FileAccessLog;

/// What a unit's analysis does with the project index (issue 24): in the first look it reports
/// the facts of the functions it defines; in the second it runs with every unit's facts.
struct FactsUse {
  bool Collect = false;
  std::shared_ptr<const ProjectFacts> Index;
  std::string IndexFile; // the same index, written: for a worker process
  std::string Digest;    // of the facts the unit's calls name (ProjectFacts::digestOf): its cache key
  /// What tells this analysis apart from the per-unit one in the result cache's key.
  std::string cacheKeySuffix() const;
};

/// Analyses one unit in this process, under LLVM's crash recovery; with \p Reads, records what
/// the analysis read of the file system there (for the result cache).
UnitOutcome analyzeUnit(const clang::tooling::CompilationDatabase &Db, const std::string &File,
                        const OptionsProviderFactory &MakeOptions, FileAccessLog *Reads = nullptr,
                        const FactsUse &Facts = {});

/// Test builds only: whether MAPGUARD_TEST_CRASH_IN or MAPGUARD_TEST_HANG_IN names \p File (its
/// analysis is then made to crash or hang, and it is never taken from the result cache).
bool namedByTestingHooks(llvm::StringRef File);

/// Analyses one unit somewhere else (a worker process); analyzeUnit when not given.
using UnitRunner = std::function<UnitOutcome(const std::string &File, const FactsUse &Facts)>;

/// The project index in a run: the first look collects every unit's facts; the units that call a
/// function another unit has facts about are analysed again with the merged index, and their
/// second outcome replaces the first (a second look that fails keeps the first).
struct ProjectIndexRun {
  bool Enabled = false;
  /// A partial run's (--diff, --shard) facts of the units it does not analyse: the index of an
  /// earlier full run, whose entries for the units analysed now are replaced.
  std::shared_ptr<const ProjectFacts> Earlier;
  std::string OutputFile; // where the merged index is written; empty: a temporary file
  bool FactsOnly = false; // `mapguard index`: write the index after the first look, no second look
};

AnalysisResult analyze(const clang::tooling::CompilationDatabase &Db, llvm::ArrayRef<std::string> Files,
                       const OptionsProviderFactory &MakeOptions, unsigned Jobs,
                       const ProgressCallback &Progress = nullptr, const UnitRunner &RunUnit = nullptr,
                       const Checkpoints &Checkpoint = {}, const ProjectIndexRun &Index = {});

} // namespace mapguard

#endif
