#include "Analysis.h"

#include "ClangTidyCompat.h"
#include "FileAccessLog.h"
#include "FindingText.h"
#include "SeenReport.h"
#include "Shard.h"
#include "StableSort.h"
#include "analysis/UnitFacts.h"
#include "analysis/WhatWasSeen.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>
#include <tuple>

using namespace clang;
using clang::tidy::ClangTidyError;

// Keeps the mapguard module's registration linked in (clang-tidy's anchor idiom).
// NOLINTNEXTLINE(readability-identifier-naming)
extern volatile int MapGuardModuleAnchorSource;
[[maybe_unused]] static int MapGuardModuleAnchorDestination = MapGuardModuleAnchorSource;

namespace mapguard {
namespace {

/// A hard compiler error: the AST may be incomplete. Warnings a build promotes with -Werror carry
/// their own flag name and do not make a unit fail.
bool isCompilerError(const ClangTidyError &E) {
  return E.DiagLevel == ClangTidyError::Error && E.DiagnosticName == "clang-diagnostic-error";
}

/// A finding of one of mapguard's checks. Other diagnostics are the compiler's: a warning that is
/// an error by default (`-Wc++11-narrowing`, `-Wmissing-template-arg-list-after-template-kw` in a
/// project's copy of an old Boost header) comes with its own flag name, keeps the unit analysable
/// and is the build's business, not a finding.
bool isMapguardDiagnostic(const ClangTidyError &E) {
  return llvm::StringRef(E.DiagnosticName).starts_with("mapguard-");
}

/// The facts a guard-based check reports for the CLI's account of the run (a remark, not a finding).
bool isSeenFacts(const ClangTidyError &E) {
  // By its text, whatever level the clang-tidy of the build gives a remark.
  return llvm::StringRef(E.DiagnosticName).starts_with("mapguard-") &&
         llvm::StringRef(E.Message.Message).starts_with(SeenFactsPrefix);
}

/// A unit's part of the project index (a remark, not a finding).
bool isUnitFacts(const ClangTidyError &E) {
  return llvm::StringRef(E.DiagnosticName).starts_with("mapguard-") &&
         llvm::StringRef(E.Message.Message).starts_with(UnitFactsPrefix);
}

/// One finding per place and check: a header seen from several units may be described a little
/// differently by each (the guard checks count the accesses each unit sees).
auto placeKey(const ClangTidyError &E) {
  return std::make_tuple(E.Message.FilePath, E.Message.FileOffset, E.DiagnosticName);
}

/// Test builds only (MAPGUARD_TESTING_HOOKS): crash in the unit whose path contains the value of
/// MAPGUARD_TEST_CRASH_IN, hang in the one MAPGUARD_TEST_HANG_IN names, so the tests can show
/// what a crash or a hang in one unit leaves of a run.
bool namedBy([[maybe_unused]] const char *Variable, [[maybe_unused]] llvm::StringRef File) {
#ifdef MAPGUARD_TESTING_HOOKS
  const char *Pattern = std::getenv(Variable);
  return Pattern && *Pattern && File.contains(Pattern);
#else
  return false;
#endif
}

void testingHooks(llvm::StringRef File) {
  if (namedBy("MAPGUARD_TEST_CRASH_IN", File))
    std::raise(SIGSEGV);
  while (namedBy("MAPGUARD_TEST_HANG_IN", File))
    std::this_thread::sleep_for(std::chrono::seconds(1));
}

/// The directories whose headers are system headers for \p File's compile command: those it adds
/// with -isystem/-idirafter (the CLI adds no others), and the compiler's default ones.
std::vector<std::string> systemDirectoriesOf(const tooling::CompilationDatabase &Db, const std::string &File) {
  std::vector<std::string> Dirs = {"/usr/include/", "/usr/lib/", "/usr/local/include/"};
  for (const tooling::CompileCommand &Command : Db.getCompileCommands(File)) {
    const std::vector<std::string> &Args = Command.CommandLine;
    for (size_t I = 0; I < Args.size(); ++I)
      for (llvm::StringRef Flag : {"-isystem", "-idirafter", "-cxx-isystem"}) {
        llvm::StringRef Arg = Args[I];
        std::string Dir;
        if (Arg == Flag && I + 1 < Args.size())
          Dir = Args[I + 1];
        else if (Arg.starts_with(Flag) && Arg.size() > Flag.size())
          Dir = Arg.drop_front(Flag.size()).str();
        if (Dir.empty())
          continue;
        llvm::SmallString<256> Absolute(Dir);
        if (llvm::sys::path::is_relative(Dir)) {
          Absolute = Command.Directory;
          llvm::sys::path::append(Absolute, Dir);
        }
        llvm::sys::path::remove_dots(Absolute, /*remove_dot_dot=*/true);
        Dirs.push_back(Absolute.str().str() + "/");
      }
  }
  return Dirs;
}

std::string absoluteFile(const ClangTidyError &E) {
  if (E.Message.FilePath.empty())
    return "";
  llvm::SmallString<256> Path(E.Message.FilePath);
  if (llvm::sys::path::is_relative(Path)) {
    Path = E.BuildDirectory;
    llvm::sys::path::append(Path, E.Message.FilePath);
  }
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return Path.str().str();
}

bool allInSystemHeaders(const std::vector<ClangTidyError> &Errors, const std::vector<std::string> &SystemDirs) {
  return !Errors.empty() && llvm::all_of(Errors, [&](const ClangTidyError &E) {
    std::string Path = absoluteFile(E);
    return llvm::any_of(SystemDirs, [&](const std::string &Dir) { return llvm::StringRef(Path).starts_with(Dir); });
  });
}

void addStats(tidy::ClangTidyStats &Sum, const tidy::ClangTidyStats &Unit) {
  Sum.ErrorsDisplayed += Unit.ErrorsDisplayed;
  Sum.ErrorsIgnoredCheckFilter += Unit.ErrorsIgnoredCheckFilter;
  Sum.ErrorsIgnoredNOLINT += Unit.ErrorsIgnoredNOLINT;
  Sum.ErrorsIgnoredNonUserCode += Unit.ErrorsIgnoredNonUserCode;
  Sum.ErrorsIgnoredLineFilter += Unit.ErrorsIgnoredLineFilter;
}

} // namespace

bool namedByTestingHooks(llvm::StringRef File) {
  return namedBy("MAPGUARD_TEST_CRASH_IN", File) || namedBy("MAPGUARD_TEST_HANG_IN", File);
}

std::string FactsUse::cacheKeySuffix() const {
  if (Collect)
    return "\nfacts: collected";
  return Digest.empty() ? std::string() : "\nfacts: " + Digest;
}

UnitOutcome analyzeUnit(const tooling::CompilationDatabase &Db, const std::string &File,
                        const OptionsProviderFactory &MakeOptions, FileAccessLog *Reads, const FactsUse &Facts) {
  // Each unit gets its own file system: ClangTool changes the working directory of the one it is
  // given, and the process-wide one must not move under other workers.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Disk = llvm::vfs::createPhysicalFileSystem();
  if (Reads)
    Disk = recordingFileSystem(std::move(Disk), *Reads);
  auto FS = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(std::move(Disk));
  auto Context = compat::makeContext(MakeOptions(FS));
  UnitOutcome Outcome;
  // A crash in one unit (a checker bug, clang on code it cannot parse) must not lose the others:
  // LLVM's crash recovery turns the signal into a failed unit.
  llvm::CrashRecoveryContext::Enable();
  llvm::CrashRecoveryContext Recovery;
  // The CLI decides what the unit knows of the others, whatever index file the build has.
  FactsRequest Request{Facts.Collect, Facts.Index};
  FactsScope InEffect(Request);
  bool Completed = Recovery.RunSafely([&] {
    testingHooks(File);
    Outcome.Diagnostics = compat::runQuietly(*Context, Db, {File}, FS);
  });
  if (!Completed) {
    Outcome.Diagnostics.clear();
    Outcome.Status = UnitStatus::Crashed;
  } else {
    Outcome.Stats = Context->getStats();
  }
  return Outcome;
}

namespace {
/// The file of the first "'gen/list.h' file not found": most often a header the build generates,
/// not there yet when the database was made without a build.
std::string missingInclude(const std::vector<ClangTidyError> &Errors) {
  for (const ClangTidyError &E : Errors) {
    llvm::StringRef Text = E.Message.Message;
    size_t End = Text.find("' file not found");
    if (Text.starts_with("'") && End != llvm::StringRef::npos)
      return Text.slice(1, End).str();
  }
  return "";
}
} // namespace

namespace {
/// One result from the outcomes of the units done (all of them at the end of a run).
AnalysisResult merge(const tooling::CompilationDatabase &Db, llvm::ArrayRef<std::string> Files,
                     std::vector<UnitOutcome> Outcomes, const std::vector<bool> &Done) {
  AnalysisResult Result; // A finding in a header, seen from several units, is kept once: the description that sorts
  // first, whichever unit made it, so that a sharded run merges into what one run reports.
  std::map<decltype(placeKey(std::declval<ClangTidyError>())), std::pair<std::string, size_t>> Seen;
  SeenAccumulator Facts;
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!Done[I])
      continue;
    addStats(Result.Stats, Outcomes[I].Stats);
    UnitFailure Failure;
    Failure.File = Files[I];
    Failure.Status = Outcomes[I].Status;
    for (ClangTidyError &E : Outcomes[I].Diagnostics) {
      if (isUnitFacts(E))
        continue; // taken out after the first look; a unit analysed with no second look keeps it
      if (isSeenFacts(E)) {
        Facts.add(nlohmann::ordered_json::parse(
            llvm::StringRef(E.Message.Message).drop_front(SeenFactsPrefix.size()).str(), nullptr, false));
        continue;
      }
      if (isCompilerError(E)) {
        Failure.Errors.push_back(std::move(E));
        continue;
      }
      if (!isMapguardDiagnostic(E))
        continue;
      std::string Text = sarifMessageText(E);
      auto [It, Inserted] = Seen.try_emplace(placeKey(E), Text, Result.Findings.size());
      if (Inserted) {
        Result.Findings.push_back(std::move(E));
      } else if (Text < It->second.first) {
        It->second.first = std::move(Text);
        Result.Findings[It->second.second] = std::move(E);
      }
    }
    if (!Failure.Errors.empty() || Failure.Status != UnitStatus::Completed) {
      Failure.SystemHeadersOnly = Failure.Status == UnitStatus::Completed &&
                                  allInSystemHeaders(Failure.Errors, systemDirectoriesOf(Db, Files[I]));
      if (!Failure.Errors.empty())
        Failure.FirstErrorFile = absoluteFile(Failure.Errors.front());
      Failure.MissingInclude = missingInclude(Failure.Errors);
      Result.Failures.push_back(std::move(Failure));
    }
  }
  // One finding per place: the places' order (file, offset, check) is the findings' order.
  std::vector<ClangTidyError> Sorted;
  Sorted.reserve(Seen.size());
  for (auto &[Place, Kept] : Seen)
    Sorted.push_back(std::move(Result.Findings[Kept.second]));
  Result.Findings = std::move(Sorted);
  Result.Seen = Facts.take();
  stableSort(Result.Failures, [](const UnitFailure &A, const UnitFailure &B) { return A.File < B.File; });
  return Result;
}
} // namespace

namespace {
/// Takes the remark with a unit's facts out of its diagnostics; none when it has none.
std::optional<UnitFacts> takeUnitFacts(UnitOutcome &Outcome) {
  std::optional<UnitFacts> Facts;
  llvm::erase_if(Outcome.Diagnostics, [&](const ClangTidyError &E) {
    if (!isUnitFacts(E))
      return false;
    if (!Facts)
      Facts = parseUnitFacts(llvm::StringRef(E.Message.Message).drop_front(UnitFactsPrefix.size()));
    return true;
  });
  return Facts;
}

/// The index a run analyses its units with: an earlier run's facts of the units it does not
/// analyse, and the facts of those it does.
ProjectFacts mergedIndex(llvm::ArrayRef<std::string> Files, llvm::ArrayRef<std::optional<UnitFacts>> Facts,
                         const ProjectFacts *Earlier) {
  ProjectFacts Merged;
  for (const std::optional<UnitFacts> &Unit : Facts)
    if (Unit)
      Merged.merge(Unit->Defined);
  if (Earlier) {
    // A unit that reported no facts (it failed, or a line filter dropped the remark) keeps its
    // earlier ones.
    llvm::StringSet<> Analysed;
    for (size_t I = 0; I < Files.size(); ++I)
      if (Facts[I])
        Analysed.insert(Files[I]);
    Merged.mergeExcept(*Earlier, Analysed);
  }
  return Merged;
}
} // namespace

AnalysisResult analyze(const tooling::CompilationDatabase &Db, llvm::ArrayRef<std::string> Files,
                       const OptionsProviderFactory &MakeOptions, unsigned Jobs, const ProgressCallback &Progress,
                       const UnitRunner &RunUnit, const Checkpoints &Checkpoint, const ProjectIndexRun &Index) {
  std::vector<UnitOutcome> Outcomes(Files.size());
  std::mutex ProgressMutex;
  size_t UnitsDone = 0, FindingsSoFar = 0, UnitsTotal = Files.size();
  std::vector<bool> Done(Files.size());
  auto LastCheckpoint = std::chrono::steady_clock::now();
  // Runs the units \p Which, each with its use of the facts, into \p Into.
  auto Look = [&](llvm::ArrayRef<size_t> Which, llvm::ArrayRef<FactsUse> Uses, std::vector<UnitOutcome> &Into) {
    // The costliest units first (longest processing time first): a large unit started last would
    // leave the other workers idle at the end. The outcomes keep the files' order.
    std::vector<size_t> Order(Which.size());
    std::iota(Order.begin(), Order.end(), 0);
    if (Jobs != 1) {
      std::vector<uint64_t> Cost(Which.size());
      for (size_t K = 0; K < Which.size(); ++K)
        Cost[K] = estimatedUnitCost(Files[Which[K]]);
      stableSort(Order, [&](size_t A, size_t B) { return Cost[A] > Cost[B]; });
    }
    llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Jobs));
    for (size_t K : Order) {
      Pool.async([&, K] {
        size_t I = Which[K];
        Into[I] = RunUnit ? RunUnit(Files[I], Uses[K]) : analyzeUnit(Db, Files[I], MakeOptions, nullptr, Uses[K]);
        std::lock_guard<std::mutex> Lock(ProgressMutex);
        ++UnitsDone;
        size_t UnitFindings = llvm::count_if(Into[I].Diagnostics, [](const ClangTidyError &E) {
          return isMapguardDiagnostic(E) && !isSeenFacts(E) && !isUnitFacts(E);
        });
        FindingsSoFar += UnitFindings;
        if (Progress)
          Progress({UnitsDone, UnitsTotal, UnitFindings, FindingsSoFar, Files[I]});
        if (&Into != &Outcomes)
          return; // a second look: the first's outcomes are checkpointed
        Done[I] = true;
        auto Now = std::chrono::steady_clock::now();
        if (Checkpoint.Write && UnitsDone < Files.size() && Now - LastCheckpoint >= Checkpoint.Interval) {
          // Copies of the units done: the others' outcomes are being written as this runs.
          std::vector<UnitOutcome> DoneSoFar(Files.size());
          for (size_t J = 0; J < Files.size(); ++J)
            if (Done[J])
              DoneSoFar[J] = Outcomes[J];
          AnalysisResult SoFar = merge(Db, Files, std::move(DoneSoFar), Done);
          SoFar.InProgress = AnalysisResult::Partial{UnitsDone, Files.size()};
          Checkpoint.Write(SoFar);
          LastCheckpoint = Now;
        }
      });
    }
    Pool.wait();
  };

  std::vector<size_t> All(Files.size());
  std::iota(All.begin(), All.end(), 0);
  FactsUse First;
  First.Collect = Index.Enabled;
  Look(All, std::vector<FactsUse>(Files.size(), First), Outcomes);
  if (!Index.Enabled)
    return merge(Db, Files, std::move(Outcomes), Done);

  std::vector<std::optional<UnitFacts>> Facts(Files.size());
  for (size_t I = 0; I < Files.size(); ++I)
    Facts[I] = takeUnitFacts(Outcomes[I]);
  auto Merged = std::make_shared<const ProjectFacts>(mergedIndex(Files, Facts, Index.Earlier.get()));
  std::vector<size_t> Again;
  std::vector<FactsUse> Uses;
  for (size_t I = 0; I < Files.size(); ++I) {
    const std::optional<UnitFacts> &Unit = Facts[I];
    if (!Unit || Outcomes[I].Status != UnitStatus::Completed)
      continue;
    FactsUse Second;
    Second.Index = Merged;
    // The facts of the functions it calls, and the other units' accesses to its containers.
    Second.Digest = Merged->digestOf(Unit->Needs, Unit->LockNeeds) + Merged->digestOfTallies(Unit->Defined);
    if (Second.Digest.empty() || Index.FactsOnly)
      continue; // it calls nothing another unit knows more about: its first outcome stands
    Again.push_back(I);
    Uses.push_back(std::move(Second));
  }
  std::string IndexFile = Index.OutputFile;
  std::optional<llvm::FileRemover> RemoveTemporary;
  // (`mapguard index` always names its file.)
  if (IndexFile.empty() && !Again.empty()) { // a worker process reads it from a file
    llvm::SmallString<128> Temporary;
    if (!llvm::sys::fs::createTemporaryFile("mapguard", "index", Temporary))
      RemoveTemporary.emplace(Temporary);
    IndexFile = Temporary.str().str();
  }
  std::string WriteError;
  if (!IndexFile.empty()) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(IndexFile, EC);
    if (!EC)
      OS << Merged->serialize();
    OS.close();
    if (EC || OS.has_error())
      WriteError = "cannot write the project index '" + IndexFile + "': " + (EC ? EC : OS.error()).message();
    OS.clear_error();
  }
  if (Index.FactsOnly) {
    AnalysisResult Result = merge(Db, Files, std::move(Outcomes), Done);
    Result.IndexedFunctions = Merged->size();
    Result.IndexedContainers = Merged->containerCount();
    Result.IndexWriteError = std::move(WriteError);
    return Result;
  }
  for (FactsUse &Use : Uses)
    Use.IndexFile = IndexFile;
  UnitsTotal += Again.size();
  std::vector<UnitOutcome> Second(Files.size());
  Look(Again, Uses, Second);
  for (size_t I : Again)
    if (Second[I].Status == UnitStatus::Completed) // a second look that fails keeps the first
      Outcomes[I] = std::move(Second[I]);
  AnalysisResult Result = merge(Db, Files, std::move(Outcomes), Done);
  Result.IndexedFunctions = Merged->size();
  Result.AnalysedAgain = Again.size();
  Result.IndexWriteError = std::move(WriteError);
  return Result;
}

} // namespace mapguard
