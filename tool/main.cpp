// mapguard: the mapguard checks over a compilation database, with clang-tidy's configuration,
// text output and fixes, plus SARIF for code scanning. Options here; the run is in Run.cpp.
#include "CheckDocs.inc"
#include "MergeIndex.h"
#include "MergeSarif.h"
#include "Run.h"
#include "Shard.h"
#include "UnitWorkers.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;
using namespace mapguard;

static cl::OptionCategory Category("mapguard options");
template <typename T> using Opt = cl::opt<T>;
static Opt<std::string> BuildPath("p",
                                  cl::desc("Build directory with compile_commands.json (default: "
                                           "searched upward from the first file or the working directory)"),
                                  cl::value_desc("build-path"), cl::cat(Category));
static cl::list<std::string> Files(cl::Positional, cl::desc("[<file> ...]  (default: every file in the database)"),
                                   cl::cat(Category));
static Opt<std::string> Checks("checks", cl::desc("Check globs, appended to the .clang-tidy 'Checks'"),
                               cl::cat(Category));
static Opt<std::string> Config("config", cl::desc("Inline YAML configuration, instead of .clang-tidy files"),
                               cl::cat(Category));
static Opt<std::string> ConfigFile("config-file", cl::desc("Configuration file, instead of .clang-tidy files"),
                                   cl::cat(Category));
static Opt<std::string> HeaderFilter("header-filter", cl::desc("Regex of headers whose findings are shown"),
                                     cl::cat(Category));
static Opt<std::string> ExcludeHeaderFilter("exclude-header-filter",
                                            cl::desc("Regex of headers whose findings are not shown, "
                                                     "even when --header-filter matches"),
                                            cl::cat(Category));
static Opt<std::string> LineFilter("line-filter", cl::desc(R"(Report only these lines, as clang-tidy's JSON:
  [{"name":"file.cpp","lines":[[1,3],[7,7]]},{"name":"other.h"}])"),
                                   cl::cat(Category));
static Opt<std::string> Diff("diff", cl::ValueOptional, cl::value_desc("revision"),
                             cl::desc("Report only lines changed since a git revision (default HEAD: what is "
                                      "staged or modified); without files, analyse the changed units"),
                             cl::cat(Category));
static Opt<std::string> BaselineFile("baseline", cl::value_desc("sarif"),
                                     cl::desc("Report (and fail on) only findings not in this earlier SARIF log"),
                                     cl::cat(Category));
static Opt<OutputFormat> Format("format", cl::desc("What goes to stdout:"), cl::init(OutputFormat::Text),
                                cl::values(clEnumValN(OutputFormat::Text, "text", "clang-tidy's diagnostics (default)"),
                                           clEnumValN(OutputFormat::Sarif, "sarif", "the SARIF 2.1.0 log"),
                                           clEnumValN(OutputFormat::Json, "json", "findings as JSON (docs/cli.md)")),
                                cl::cat(Category));
static Opt<bool> Fix("fix", cl::desc("Apply the suggested fixes"), cl::cat(Category));
static Opt<std::string> ExportFixes("export-fixes", cl::desc("Write fixes as clang-apply-replacements YAML"),
                                    cl::value_desc("file"), cl::cat(Category));
static Opt<std::string> SarifFile("sarif", cl::desc("Write a SARIF 2.1.0 log of the run"), cl::value_desc("file"),
                                  cl::cat(Category));
static Opt<std::string> JsonFile("json", cl::desc("Write the JSON report (as --format=json prints it) to a file"),
                                 cl::value_desc("file"), cl::cat(Category));
static Opt<unsigned> CheckpointInterval("checkpoint-interval",
                                        cl::desc("While the run goes on, rewrite the --sarif and --json files with "
                                                 "the units done so far, marked partial, at most this often "
                                                 "(seconds, default 30)"),
                                        cl::init(30), cl::cat(Category));
static Opt<std::string> SourceRoot("source-root",
                                   cl::desc("Directory SARIF paths are relative to "
                                            "(default: the working directory)"),
                                   cl::cat(Category));
static Opt<unsigned> Jobs("j", cl::Prefix, cl::desc("Translation units analysed in parallel (default: all cores)"),
                          cl::init(0), cl::cat(Category));
static Opt<bool> Quiet("quiet", cl::desc("No progress and no summary on stderr"), cl::cat(Category));
static Opt<bool> ListChecks("list-checks", cl::desc("List the enabled checks and exit"), cl::cat(Category));
static Opt<bool> ExplainConfig("explain-config", cl::desc("Say which configuration enables each check, and exit"),
                               cl::cat(Category));
static Opt<bool> ExplainGuards("explain-guards",
                               cl::desc("After the findings, list each shared container of the analysed units by "
                                        "class: its guard, the evidence, and the accesses without it"),
                               cl::cat(Category));
static Opt<bool> EveryCommand("every-command",
                              cl::desc("Analyse a file once per database entry, as clang-tidy does (default: "
                                       "once per distinct set of flags that can change the analysis)"),
                              cl::cat(Category));
static Opt<std::string> Shard("shard", cl::value_desc("K/N"),
                              cl::desc("Analyse only part K of N of the units (for CI matrices; every part "
                                       "must see the same database); merge the parts' SARIF logs with "
                                       "'mapguard merge-sarif'"),
                              cl::cat(Category));
static Opt<unsigned> UnitTimeout("unit-timeout", cl::value_desc("seconds"),
                                 cl::desc("Analyse each unit in its own process and stop it after this many "
                                          "seconds; it is reported as not analysed (exit code 3). For CI; "
                                          "default 0: no limit, one process"),
                                 cl::init(0), cl::cat(Category));
static Opt<bool> AllowSystemHeaderErrors(
    "allow-system-header-errors",
    cl::desc("A unit whose compiler errors are all in system headers (third-party code the compiler cannot "
             "parse) does not fail the run with exit code 3; it is named, and its findings are reported"),
    cl::cat(Category));
static Opt<std::string> CacheDir("cache-dir", cl::value_desc("dir"),
                                 cl::desc("Where results of unchanged units are kept between runs (default: "
                                          "$XDG_CACHE_HOME/mapguard, else ~/.cache/mapguard)"),
                                 cl::cat(Category));
static Opt<bool> NoCache("no-cache", cl::desc("Analyse every unit; neither read nor write the result cache"),
                         cl::cat(Category));
static Opt<std::string> CacheMaxSize("cache-max-size", cl::value_desc("size"),
                                     cl::desc("Bound of the result cache, least recently used results "
                                              "removed first: bytes or 500M, 2G (default: 1G)"),
                                     cl::init("1G"), cl::cat(Category));
// A worker of a run with --unit-timeout: the unit to analyse and where to write what it found.
static Opt<std::string> WorkerUnit(StringRef(WorkerUnitOption), cl::Hidden);
static Opt<std::string> WorkerOutput(StringRef(WorkerOutputOption), cl::Hidden);
static Opt<std::string> WorkerFacts(StringRef(WorkerFactsOption), cl::Hidden);
static Opt<std::string> WorkerFactsDigest(StringRef(WorkerFactsDigestOption), cl::Hidden);
static Opt<bool> NoProjectIndex("no-project-index",
                                cl::desc("Analyse each unit on its own: no facts from the other units (the "
                                         "functions they define that hand a callable to another thread or throw)"),
                                cl::cat(Category));
static Opt<std::string> ProjectIndexFile("project-index-file", cl::value_desc("file"),
                                         cl::desc("Where the project index is written, or read by a partial run "
                                                  "(default: mapguard.index next to compile_commands.json)"),
                                         cl::cat(Category));
static cl::list<std::string> ExtraArgs("extra-arg", cl::desc("Compiler argument to append"), cl::cat(Category));
static cl::list<std::string> ExtraArgsBefore("extra-arg-before", cl::desc("Compiler argument to prepend"),
                                             cl::cat(Category));

static const char *const Overview = R"(mapguard: finds maps and sets changed while iterated, unguarded
shared maps and deferred callbacks, in C++ compiled from a compile_commands.json.

Also: mapguard merge-sarif <log.sarif> ... [-o <merged.sarif>]  (the logs of --shard runs, as one)
      mapguard annotate [options] [<file> ...]  (GUARDED_BY and REQUIRES for the inferred guards:
                                                 printed; --fix inserts them, --export-fixes writes them)
      mapguard index [options] [<file> ...]     (only the project index, for the plugin and clangd; with
                                                 --shard K/N, that part's: mapguard-K-of-N.index)
      mapguard merge-index <part.index> ... -o <mapguard.index>  (the parts of a sharded index, as one)

Exit codes: 0 no findings (with --baseline: no new ones), 1 findings,
            2 usage or configuration error,
            3 some translation unit could not be analysed (the others are still reported;
              with --allow-system-header-errors, not for errors in system headers only).
)";

template <typename T> static std::optional<T> given(const Opt<T> &Option) {
  return Option.getNumOccurrences() ? std::optional<T>(Option.getValue()) : std::nullopt;
}

int main(int argc, const char **argv) {
  InitLLVM X(argc, argv);
  if (argc > 1 && StringRef(argv[1]) == "merge-sarif")
    return mergeSarifMain(argc - 1, argv + 1);
  if (argc > 1 && StringRef(argv[1]) == "merge-index")
    return mergeIndexMain(argc - 1, argv + 1);
  RunRequest Request;
  // `mapguard annotate ...`: the same options, the annotations instead of the findings.
  std::vector<const char *> Args(argv, argv + argc);
  if (argc > 1 && (StringRef(argv[1]) == "annotate" || StringRef(argv[1]) == "index")) {
    Request.Annotate = StringRef(argv[1]) == "annotate";
    Request.IndexOnly = StringRef(argv[1]) == "index";
    Args.erase(Args.begin() + 1);
    argc = static_cast<int>(Args.size());
    argv = Args.data();
  }
  // Workers get the run's own arguments, the compiler's after "--" included.
  Request.Arguments.assign(argv + 1, argv + argc);
  static int AddressInThisExecutable;
  Request.Executable = sys::fs::getMainExecutable(argv[0], &AddressInThisExecutable);
  std::string FixedError;
  Request.Database.Fixed = clang::tooling::FixedCompilationDatabase::loadFromCommandLine(argc, argv, FixedError);
  cl::HideUnrelatedOptions(Category);
  cl::SetVersionPrinter(
      [](raw_ostream &OS) { OS << "mapguard " MAPGUARD_VERSION " (LLVM " LLVM_VERSION_STRING ")\n"; });
  if (!cl::ParseCommandLineOptions(argc, argv, Overview, &errs()))
    return ExitUsage;
  if (!FixedError.empty()) {
    WithColor::error(errs(), "mapguard") << FixedError << "\n";
    return ExitUsage;
  }
  Request.Config = {given(Checks),     given(HeaderFilter), given(ExcludeHeaderFilter),
                    given(LineFilter), given(Config),       given(ConfigFile)};
  Request.Database.BuildPath = BuildPath;
  Request.Database.Files = Files;
  Request.Database.ExtraArgs = ExtraArgs;
  Request.Database.ExtraArgsBefore = ExtraArgsBefore;
  Request.Database.ResourceDir = MAPGUARD_CLANG_RESOURCE_DIR;
  Request.Database.EveryCommand = EveryCommand;
  if (Diff.getNumOccurrences())
    Request.DiffRevision = Diff.empty() ? "HEAD" : Diff.getValue();
  Request.BaselinePath = BaselineFile;
  Request.Format = Format;
  Request.SarifFile = SarifFile;
  Request.JsonFile = JsonFile;
  Request.CheckpointSeconds = CheckpointInterval;
  Request.ExportFixes = ExportFixes;
  Request.Sarif.SourceRoot = SourceRoot;
  Request.Sarif.ToolVersion = MAPGUARD_VERSION;
  Request.Sarif.DocsUrl = MAPGUARD_DOCS_URL;
  for (const auto &[Id, Markdown] : CheckDocs)
    Request.Sarif.RuleHelp[Id] = Markdown;
  Request.Fix = Fix;
  Request.Quiet = Quiet;
  Request.ListChecks = ListChecks;
  Request.ExplainConfig = ExplainConfig;
  Request.ExplainGuards = ExplainGuards;
  Request.Jobs = Jobs;
  if (Shard.getNumOccurrences()) {
    Expected<ShardSpec> Spec = parseShard(Shard);
    if (!Spec) {
      WithColor::error(errs(), "mapguard") << toString(Spec.takeError()) << "\n";
      return ExitUsage;
    }
    Request.Shard = *Spec;
  }
  std::optional<uint64_t> MaxBytes = parseByteSize(CacheMaxSize);
  if (!MaxBytes) {
    WithColor::error(errs(), "mapguard") << "--cache-max-size: '" << CacheMaxSize
                                         << "' is not a size (bytes, or a number with K, M or G)\n";
    return ExitUsage;
  }
  std::string CacheDirectory = CacheDir.getNumOccurrences() ? CacheDir.getValue() : defaultCacheDirectory();
  if (!NoCache && !CacheDirectory.empty())
    Request.Cache = CacheSettings{CacheDirectory, *MaxBytes};
  Request.UnitTimeoutSeconds = UnitTimeout;
  Request.AllowSystemHeaderErrors = AllowSystemHeaderErrors;
  Request.WorkerUnit = WorkerUnit;
  Request.WorkerOutput = WorkerOutput;
  Request.WorkerFacts = WorkerFacts;
  Request.WorkerFactsDigest = WorkerFactsDigest;
  Request.ProjectIndex = !NoProjectIndex;
  Request.ProjectIndexFile = ProjectIndexFile;
  if (!WorkerOutput.empty())
    Request.Quiet = true;
  return runMapguard(std::move(Request));
}
