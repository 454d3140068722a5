#include "Run.h"

#include "Annotate.h"

#include "Baseline.h"
#include "ChangedLines.h"
#include "ClangTidyCompat.h"
#include "JsonReport.h"
#include "Progress.h"
#include "RuleSelection.h"
#include "SeenReport.h"
#include "UnitWorkers.h"
#include "clang-tidy/ClangTidy.h"
#include "clang-tidy/GlobList.h"
#include "model/ModelOptions.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/WithColor.h"
#include <set>

using namespace llvm;
using clang::tidy::ClangTidyError;

namespace mapguard {
namespace {

int fail(const Twine &Message) {
  WithColor::error(errs(), "mapguard") << Message << "\n";
  return ExitUsage;
}

std::string absolute(StringRef File) {
  SmallString<256> Path(File);
  (void)sys::fs::make_absolute(Path); // only picks the .clang-tidy that applies
  return std::string(Path);
}

/// clang-tidy's --explain-config: which configuration source enables each check; then the model's
/// lists in effect (defaults, replaced, or added to with `+`), once per distinct set of checks.
void explainConfig(clang::tidy::ClangTidyOptionsProvider &Provider, clang::tidy::ClangTidyContext &Context,
                   StringRef File, ArrayRef<std::string> Enabled) {
  auto Sources = Provider.getRawOptions(File);
  for (const std::string &Check : Enabled)
    for (const auto &[Options, Source] : llvm::reverse(Sources))
      if (Options.Checks && clang::tidy::GlobList(*Options.Checks).contains(Check)) {
        outs() << "'" << Check << "' is enabled in the " << Source << ".\n";
        break;
      }
  clang::tidy::ClangTidyOptions Options = Context.getOptionsForFile(File);
  std::vector<std::pair<ModelOptions, std::vector<std::string>>> Groups; // lists, the checks reading them
  for (const std::string &Check : Enabled) {
    if (!StringRef(Check).starts_with("mapguard-"))
      continue;
    ModelOptions Lists = ModelOptions::readLists({Check, Options.CheckOptions, &Context});
    auto Same = llvm::find_if(Groups, [&](const auto &Group) { return Group.first.key() == Lists.key(); });
    if (Same == Groups.end())
      Groups.emplace_back(std::move(Lists), std::vector<std::string>{Check});
    else
      Same->second.push_back(Check);
  }
  for (auto &[Lists, Checks] : Groups) {
    outs() << "Lists in effect for '" << llvm::join(Checks, "', '") << "':\n";
    Lists.forEachList([](StringRef Name, std::string &Value) { outs() << "  " << Name << ": '" << Value << "'\n"; });
  }
}

/// --diff: restricts the run to the changed lines; false when nothing changed.
Expected<bool> restrictToChanges(StringRef Revision, RunRequest &Request, std::set<std::string> &ChangedFiles) {
  if (Request.Config.LineFilter)
    return createStringError(std::errc::invalid_argument, "--diff and --line-filter are mutually exclusive");
  auto Changes = changedLinesSince(Revision);
  if (!Changes)
    return Changes.takeError();
  if (Changes->Files.empty())
    return false;
  for (const std::string &File : Changes->absolutePaths())
    ChangedFiles.insert(File);
  Request.Config.LineFilter = toLineFilter(*Changes);
  // Changed headers are reported too; the line filter keeps everything else out.
  if (!Request.Config.HeaderFilter)
    Request.Config.HeaderFilter = ".*";
  return true;
}

void printSummary(const RunRequest &Request, const AnalysisResult &Result, size_t Units, const ResultCache *Cache,
                  const BaselineComparison *Compared) {
  errs() << "mapguard: " << Result.Findings.size() << " finding(s) in " << Units << " translation unit(s)";
  if (Cache && Cache->hits())
    errs() << " (" << Cache->hits() << " from the cache)";
  if (Result.AnalysedAgain) {
    errs() << "; " << Result.AnalysedAgain << " analysed again with the facts of " << Result.IndexedFunctions
           << " function(s) other units define";
    if (Cache && Cache->secondLookHits())
      errs() << " (" << Cache->secondLookHits() << " from the cache)";
  }
  if (Compared)
    errs() << " (" << Compared->newCount() << " new, " << Result.Findings.size() - Compared->newCount()
           << " in the baseline; " << Compared->Absent.size() << " baseline finding(s) gone)";
  if (Result.Stats.ErrorsIgnoredNOLINT)
    errs() << "; " << Result.Stats.ErrorsIgnoredNOLINT << " suppressed by NOLINT";
  if (Request.DiffRevision)
    errs() << "; only lines changed since " << *Request.DiffRevision;
  errs() << "\n";
  printSeen(errs(), Result.Seen);
}

/// Prints the findings in the requested format (applying fixes for text) and writes the output
/// files. Returns how many findings count for the exit code: all, or those new since the baseline.
/// The --sarif and --json files, each replaced whole (never half written): at the end of a run,
/// and at its checkpoints (AnalysisResult::InProgress says so in them).
Error writeReportFiles(const RunRequest &Request, const AnalysisResult &Result) {
  auto Write = [](StringRef Path, const std::string &Text) -> Error {
    if (Path.empty())
      return Error::success();
    if (Error E = writeFileAtomically(Path, [&](raw_ostream &OS) { OS << Text; }))
      return createStringError(std::errc::io_error, "cannot write '%s': %s", Path.str().c_str(),
                               toString(std::move(E)).c_str());
    return Error::success();
  };
  if (Error E = Write(Request.SarifFile, Request.SarifFile.empty() ? "" : renderSarif(Result, Request.Sarif)))
    return E;
  return Write(Request.JsonFile, Request.JsonFile.empty() ? "" : renderJson(Result, Request.Sarif.Baseline));
}

Expected<size_t> writeOutputs(const RunRequest &Request, const AnalysisResult &Result,
                              clang::tidy::ClangTidyContext &Context,
                              const IntrusiveRefCntPtr<vfs::OverlayFileSystem> &FS, StringRef FirstInput) {
  const BaselineComparison *Compared = Request.Sarif.Baseline;
  std::vector<ClangTidyError> Shown;
  for (size_t I = 0; I < Result.Findings.size(); ++I)
    if (!Compared || !Compared->Unchanged[I])
      Shown.push_back(Result.Findings[I]);
  size_t Reported = Shown.size();
  if (Request.Format == OutputFormat::Text) {
    for (const UnitFailure &Failure : Result.Failures)
      Shown.insert(Shown.end(), Failure.Errors.begin(), Failure.Errors.end());
    bool ApplyFixes = Request.Fix && Result.Failures.empty();
    unsigned WarningsAsErrors = 0;
    clang::tidy::handleErrors(Shown, Context, ApplyFixes ? clang::tidy::FB_Fix : clang::tidy::FB_NoFix,
                              WarningsAsErrors, FS);
    if (Request.Fix && !ApplyFixes)
      errs() << "mapguard: fixes were not applied because some units did not compile\n";
  }
  if (Request.Format == OutputFormat::Json)
    outs() << renderJson(Result, Compared);
  else if (Request.Format == OutputFormat::Sarif)
    outs() << renderSarif(Result, Request.Sarif);
  if (Error E = writeReportFiles(Request, Result))
    return E;
  auto CannotWrite = [](StringRef Path, Error E) {
    return createStringError(std::errc::io_error, "cannot write '%s': %s", Path.str().c_str(),
                             toString(std::move(E)).c_str());
  };
  if (!Request.ExportFixes.empty())
    if (Error E = writeFileAtomically(Request.ExportFixes, [&](raw_ostream &OS) {
          clang::tidy::exportReplacements(FirstInput, Result.Findings, OS);
        }))
      return CannotWrite(Request.ExportFixes, std::move(E));
  return Reported;
}

/// Names each unit that could not be analysed, and why.
void reportFailures(const RunRequest &Request, const AnalysisResult &Result) {
  for (const UnitFailure &Failure : Result.Failures) {
    if (Failure.Status == UnitStatus::Crashed)
      WithColor::error(errs(), "mapguard") << "'" << Failure.File
                                           << "' could not be analysed: the analysis crashed (please report it with "
                                              "this file); the other units' results are kept\n";
    else if (Failure.Status == UnitStatus::TimedOut)
      WithColor::error(errs(), "mapguard")
          << "'" << Failure.File << "' could not be analysed: it ran past --unit-timeout=" << Request.UnitTimeoutSeconds
          << "s; the other units' results are kept\n";
    else if (Failure.SystemHeadersOnly)
      (Request.AllowSystemHeaderErrors ? WithColor::warning(errs(), "mapguard") : WithColor::error(errs(), "mapguard"))
          << "'" << Failure.File << "': " << Failure.Errors.size()
          << " compiler error(s), all in system headers (first: " << Failure.FirstErrorFile
          << "): third-party code the compiler cannot parse; the findings of the unit's own code are kept"
          << (Request.AllowSystemHeaderErrors ? "" : " (--allow-system-header-errors: do not fail the run for this)")
          << "\n";
    else if (!Failure.MissingInclude.empty())
      WithColor::error(errs(), "mapguard")
          << "'" << Failure.File << "' could not be analysed: it includes '" << Failure.MissingInclude
          << "', which does not exist; if the build generates it, build the project (or its code-generation "
             "targets) first, then run mapguard again\n";
    else
      WithColor::error(errs(), "mapguard")
          << "'" << Failure.File << "' could not be analysed (" << Failure.Errors.size()
          << " compiler error(s)); its findings may be incomplete\n";
  }
}

} // namespace

int runMapguard(RunRequest Request) {
  if (Request.IndexOnly) {
    // It writes the index alone: the options of a report have nothing to act on.
    if (!Request.ProjectIndex)
      return fail("mapguard index writes the project index; --no-project-index contradicts it");
    if (Request.Fix || !Request.SarifFile.empty() || !Request.JsonFile.empty() || !Request.ExportFixes.empty() ||
        !Request.BaselinePath.empty() || Request.DiffRevision || Request.Annotate ||
        Request.Format != OutputFormat::Text)
      return fail("mapguard index writes only the project index: --fix, --export-fixes, --sarif, --json, "
                  "--format, --baseline and --diff belong to an analysis run");
  }
  if (Request.Fix && Request.Format != OutputFormat::Text)
    return fail("--fix reports as text; use --format=text (or --sarif <file>) with it");
  std::set<std::string> ChangedFiles;
  if (Request.DiffRevision) {
    auto Changed = restrictToChanges(*Request.DiffRevision, Request, ChangedFiles);
    if (!Changed)
      return fail(toString(Changed.takeError()));
    if (!*Changed) {
      if (!Request.Quiet)
        errs() << "mapguard: no lines changed since " << *Request.DiffRevision << "\n";
      return ExitClean;
    }
  }
  auto MakeOptions = makeOptionsProviderFactory(Request.Config);
  if (!MakeOptions)
    return fail(toString(MakeOptions.takeError()));
  auto OutputFS = makeIntrusiveRefCnt<vfs::OverlayFileSystem>(vfs::getRealFileSystem());
  auto Provider = (*MakeOptions)(OutputFS);
  auto &ProviderRef = *Provider;
  auto ContextOwner = compat::makeContext(std::move(Provider));
  clang::tidy::ClangTidyContext &Context = *ContextOwner;
  // As in clang-tidy, the configuration of the first input decides which checks are enabled.
  auto EnabledChecksFor = [&](StringRef File) { return compat::checkNames(Context.getOptionsForFile(absolute(File))); };
  const std::vector<std::string> Files = Request.Database.Files;
  if (Request.ListChecks || Request.ExplainConfig) {
    std::string Probe = absolute(Files.empty() ? "dummy.cpp" : Files.front());
    if (Request.ExplainConfig) {
      explainConfig(ProviderRef, Context, Probe, EnabledChecksFor(Probe));
      return ExitClean;
    }
    outs() << "Enabled checks:";
    for (const std::string &Check : EnabledChecksFor(Probe))
      outs() << "\n    " << Check;
    outs() << "\n\n";
    return ExitClean;
  }

  std::optional<Baseline> Previous;
  if (!Request.BaselinePath.empty()) {
    auto Loaded = Baseline::load(Request.BaselinePath);
    if (!Loaded)
      return fail(toString(Loaded.takeError()));
    Previous = std::move(*Loaded);
  }
  const std::string DatabaseDir = databaseDirectory(Request.Database);
  auto Db = loadCompilations(std::move(Request.Database));
  if (!Db)
    return fail(toString(Db.takeError()));
  InitializeAllTargetInfos();
  InitializeAllTargetMCs();
  InitializeAllAsmParsers();
  std::unique_ptr<ResultCache> Cache;
  if (Request.Cache) {
    auto Opened = ResultCache::open(*Request.Cache, Request.Config.LineFilter.value_or(""));
    if (Opened)
      Cache = std::move(*Opened);
    else if (Request.WorkerOutput.empty()) // analysing everything is slower, not wrong
      WithColor::warning(errs(), "mapguard") << "not using the result cache: " << toString(Opened.takeError()) << "\n";
    else
      consumeError(Opened.takeError());
  }
  if (!Request.WorkerOutput.empty()) { // a worker of a run with --unit-timeout: one unit, no output
    FactsUse Facts;
    Facts.Collect = Request.WorkerFacts == "collect";
    if (!Facts.Collect && !Request.WorkerFacts.empty()) {
      Facts.IndexFile = Request.WorkerFacts;
      Facts.Index = loadProjectIndex(Facts.IndexFile);
      Facts.Digest = Request.WorkerFactsDigest;
    }
    UnitOutcome Outcome = Cache ? analyzeAndStore(*Cache, **Db, Request.WorkerUnit, *MakeOptions, Facts)
                                : analyzeUnit(**Db, Request.WorkerUnit, *MakeOptions, nullptr, Facts);
    if (Error E = writeUnitOutcome(Request.WorkerOutput, Outcome))
      return fail(toString(std::move(E)));
    return ExitClean;
  }
  std::vector<std::string> Inputs = filesToAnalyse(**Db, Files);
  if (Request.DiffRevision && Files.empty()) // like clang-tidy-diff: the changed units only
    llvm::erase_if(Inputs, [&](const std::string &File) { return !ChangedFiles.count(File); });
  if (Request.Sarif.SourceRoot.empty()) {
    SmallString<256> Cwd;
    if (std::error_code EC = sys::fs::current_path(Cwd))
      return fail("cannot read the working directory: " + EC.message());
    Request.Sarif.SourceRoot = std::string(Cwd);
  }
  // A shard with no unit (more shards than units) still writes its (empty) outputs.
  const std::string Probe = Inputs.empty() ? std::string() : Inputs.front();
  if (Request.Shard)
    Inputs = unitsOfShard(Inputs, *Request.Shard, Request.Sarif.SourceRoot, estimatedUnitCost);
  if (Inputs.empty() && Request.Shard && !Probe.empty()) {
    if (!Request.Quiet)
      errs() << "mapguard: shard " << Request.Shard->Index << "/" << Request.Shard->Count << " has no unit\n";
  } else if (Inputs.empty()) {
    if (Request.DiffRevision) {
      if (!Request.Quiet)
        errs() << "mapguard: no changed file is in the compilation database\n";
      return ExitClean;
    }
    return fail("no input files: the compilation database is empty");
  }
  if (EnabledChecksFor(Probe).empty())
    return fail("no checks are enabled for '" + Probe +
                "': the 'Checks' of the .clang-tidy that applies "
                "to it enable no mapguard check; add 'mapguard-*' there or pass --checks='mapguard-*'");
  if (!Probe.empty())
    if (std::vector<std::string> Unknown =
            RuleSelection::unknownRules(Context.getOptionsForFile(absolute(Probe)).CheckOptions);
        !Unknown.empty())
      return fail("unknown rule " + llvm::join(Unknown, ", ") +
                  ": each check doc lists its rules (docs/checks/<check>.md, 'Rules and their precision')");

  Progress Bar(errs(), !Request.Quiet && sys::Process::StandardErrIsDisplayed());
  ProgressCallback OnUnit = nullptr;
  if (!Request.Quiet)
    OnUnit = [&](const UnitProgress &Unit) { Bar.unitDone(Unit); };
  UnitRunner RunUnit = nullptr;
  if (Request.UnitTimeoutSeconds > 0) {
    WorkerProcesses Workers{Request.Executable, Request.Arguments, Request.UnitTimeoutSeconds};
    RunUnit = [Workers](const std::string &File, const FactsUse &Facts) {
      return runUnitInWorker(Workers, File, Facts);
    };
  }
  if (Cache)
    RunUnit = cachedUnits(*Cache, **Db, *MakeOptions, std::move(RunUnit));
  Checkpoints Checkpoint;
  if (!Request.SarifFile.empty() || !Request.JsonFile.empty()) {
    Checkpoint.Interval = std::chrono::seconds(Request.CheckpointSeconds);
    Checkpoint.Write = [&](const AnalysisResult &SoFar) {
      if (Error E = writeReportFiles(Request, SoFar)) // the end of the run says it again, if it still fails
        consumeError(std::move(E));
    };
  }
  ProjectIndexRun Index;
  Index.Enabled = Request.ProjectIndex;
  std::string IndexFile = Request.ProjectIndexFile;
  if (IndexFile.empty() && !DatabaseDir.empty())
    IndexFile = (DatabaseDir + "/" + ProjectIndexFileName).str();
  // A run over part of the units keeps the facts an earlier full run found in the others.
  bool Partial = Request.DiffRevision || Request.Shard || !Files.empty();
  if (Request.IndexOnly) {
    // A shard writes its part's facts alone (merge-index joins the parts); named files refresh
    // their facts in the index.
    Index.FactsOnly = true;
    if (Request.Shard && Request.ProjectIndexFile.empty() && !DatabaseDir.empty())
      IndexFile =
          (DatabaseDir + "/mapguard-" + Twine(Request.Shard->Index) + "-of-" + Twine(Request.Shard->Count) + ".index")
              .str();
    if (IndexFile.empty())
      return fail("mapguard index: no compilation database directory to write the index next to; name the file "
                  "with --project-index-file");
    if (Partial && !Request.Shard)
      Index.Earlier = loadProjectIndex(IndexFile);
    Index.OutputFile = IndexFile;
  } else if (Index.Enabled && Partial) {
    Index.Earlier = loadProjectIndex(IndexFile);
  } else if (Index.Enabled) {
    Index.OutputFile = IndexFile;
  }
  AnalysisResult Result = analyze(**Db, Inputs, *MakeOptions, Request.Jobs, OnUnit, RunUnit, Checkpoint, Index);
  Bar.finish();
  if (Cache)
    Cache->trim();

  std::optional<BaselineComparison> Compared;
  if (Previous)
    Compared = Previous->compare(identifyFindings(Result, Request.Sarif.SourceRoot));
  Request.Sarif.Baseline = Compared ? &*Compared : nullptr;

  bool UnitsFailed = llvm::any_of(Result.Failures, [&](const UnitFailure &Failure) {
    return !(Failure.SystemHeadersOnly && Request.AllowSystemHeaderErrors);
  });
  // (The findings stand: the facts were used in this process. The editors will not see them.)
  if (!Request.IndexOnly && !Result.IndexWriteError.empty())
    WithColor::warning(errs(), "mapguard")
        << Result.IndexWriteError << "; the clang-tidy plugin and mapguard-clangd will not see this run's facts\n";
  if (Request.IndexOnly) {
    if (!Result.IndexWriteError.empty())
      return fail(Result.IndexWriteError);
    if (!Request.Quiet)
      errs() << "mapguard: project index written to " << IndexFile << ": facts of " << Result.IndexedFunctions
             << " function(s) and " << Result.IndexedContainers << " shared container(s), from " << Inputs.size()
             << " translation unit(s)\n";
    reportFailures(Request, Result);
    return UnitsFailed ? ExitUnitFailed : ExitClean;
  }
  if (Request.Annotate) {
    // Like --fix: a unit that could not be analysed may hold the accesses that decide.
    AnnotateRequest Annotate{Request.ExportFixes, Request.Fix && !UnitsFailed, !Request.Fix};
    if (Error E = annotate(Result.Seen, Annotate, outs()))
      return fail(toString(std::move(E)));
    if (Request.Fix && UnitsFailed)
      errs() << "mapguard: annotations were not applied because some units could not be analysed\n";
    reportFailures(Request, Result);
    return UnitsFailed ? ExitUnitFailed : ExitClean;
  }
  auto Reported = writeOutputs(Request, Result, Context, OutputFS, Probe);
  if (!Reported)
    return fail(toString(Reported.takeError()));
  if (Request.ExplainGuards)
    printGuards(outs(), Result.Seen);
  if (!Request.Quiet)
    printSummary(Request, Result, Inputs.size(), Cache.get(), Request.Sarif.Baseline);
  reportFailures(Request, Result);
  if (UnitsFailed)
    return ExitUnitFailed;
  return *Reported == 0 ? ExitClean : ExitFindings;
}

} // namespace mapguard
