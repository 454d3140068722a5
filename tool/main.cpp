// mapguard: the mapguard checks over a compilation database, with clang-tidy's configuration,
// text output and fixes, plus SARIF for code scanning.
#include "Analysis.h"
#include "CheckDocs.inc"
#include "Driver.h"
#include "Sarif.h"
#include "clang-tidy/ClangTidy.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;
using namespace mapguard;

static cl::OptionCategory Category("mapguard options");
static cl::opt<std::string> BuildPath("p", cl::desc("Build directory with compile_commands.json (default: "
                                                    "searched upward from the first file or the working directory)"),
                                      cl::value_desc("build-path"), cl::cat(Category));
static cl::list<std::string> Files(cl::Positional, cl::desc("[<file> ...]  (default: every file in the database)"),
                                   cl::cat(Category));
static cl::opt<std::string> Checks("checks", cl::desc("Check globs, appended to the .clang-tidy 'Checks'"),
                                   cl::cat(Category));
static cl::opt<std::string> Config("config", cl::desc("Inline YAML configuration, instead of .clang-tidy files"),
                                   cl::cat(Category));
static cl::opt<std::string> ConfigFile("config-file", cl::desc("Configuration file, instead of .clang-tidy files"),
                                       cl::cat(Category));
static cl::opt<std::string> HeaderFilter("header-filter", cl::desc("Regex of headers whose findings are shown"),
                                         cl::cat(Category));
static cl::opt<bool> Fix("fix", cl::desc("Apply the suggested fixes"), cl::cat(Category));
static cl::opt<std::string> ExportFixes("export-fixes", cl::desc("Write fixes as clang-apply-replacements YAML"),
                                        cl::value_desc("file"), cl::cat(Category));
static cl::opt<std::string> SarifFile("sarif", cl::desc("Write a SARIF 2.1.0 log of the run"),
                                      cl::value_desc("file"), cl::cat(Category));
static cl::opt<std::string> SourceRoot("source-root", cl::desc("Directory SARIF paths are relative to "
                                                               "(default: the working directory)"),
                                       cl::cat(Category));
static cl::opt<unsigned> Jobs("j", cl::desc("Translation units analysed in parallel (default: all cores)"),
                              cl::init(0), cl::cat(Category));
static cl::opt<bool> Quiet("quiet", cl::desc("No summary on stderr"), cl::cat(Category));
static cl::opt<bool> ListChecks("list-checks", cl::desc("List the enabled checks and exit"), cl::cat(Category));
static cl::list<std::string> ExtraArgs("extra-arg", cl::desc("Compiler argument to append"), cl::cat(Category));
static cl::list<std::string> ExtraArgsBefore("extra-arg-before", cl::desc("Compiler argument to prepend"),
                                             cl::cat(Category));

static const char *const Overview = R"(mapguard: finds maps and sets changed while iterated, unguarded
shared maps and deferred callbacks, in C++ compiled from a compile_commands.json.

Exit codes: 0 no findings, 1 findings, 2 usage or configuration error,
            3 some translation unit could not be analysed (the others are still reported).
)";

template <typename T> static std::optional<T> given(const cl::opt<T> &Opt) {
  return Opt.getNumOccurrences() ? std::optional<T>(Opt.getValue()) : std::nullopt;
}

static int fail(const Twine &Message) {
  WithColor::error(errs(), "mapguard") << Message << "\n";
  return ExitUsage;
}

int main(int argc, const char **argv) {
  InitLLVM X(argc, argv);
  std::string FixedError;
  DatabaseRequest Request;
  Request.Fixed = clang::tooling::FixedCompilationDatabase::loadFromCommandLine(argc, argv, FixedError);
  cl::HideUnrelatedOptions(Category);
  cl::SetVersionPrinter([](raw_ostream &OS) { OS << "mapguard " MAPGUARD_VERSION " (LLVM " LLVM_VERSION_STRING ")\n"; });
  if (!cl::ParseCommandLineOptions(argc, argv, Overview, &errs()))
    return ExitUsage;
  if (!FixedError.empty())
    return fail(FixedError);

  auto MakeOptions = makeOptionsProviderFactory({given(Checks), given(HeaderFilter), given(Config), given(ConfigFile)});
  if (!MakeOptions)
    return fail(toString(MakeOptions.takeError()));
  auto OutputFS = makeIntrusiveRefCnt<vfs::OverlayFileSystem>(vfs::getRealFileSystem());
  clang::tidy::ClangTidyContext Context((*MakeOptions)(OutputFS));
  // As in clang-tidy, the configuration of the first input decides which checks are enabled.
  auto EnabledChecksFor = [&](StringRef File) {
    SmallString<256> Probe(File);
    (void)sys::fs::make_absolute(Probe); // only picks the .clang-tidy that applies
    return clang::tidy::getCheckNames(Context.getOptionsForFile(Probe), false, false);
  };
  if (ListChecks) {
    outs() << "Enabled checks:";
    for (const std::string &Check : EnabledChecksFor(Files.empty() ? "dummy.cpp" : Files.front()))
      outs() << "\n    " << Check;
    outs() << "\n\n";
    return ExitClean;
  }

  Request.BuildPath = BuildPath;
  Request.Files = Files;
  Request.ExtraArgs = ExtraArgs;
  Request.ExtraArgsBefore = ExtraArgsBefore;
  Request.ResourceDir = MAPGUARD_CLANG_RESOURCE_DIR;
  auto Db = loadCompilations(std::move(Request));
  if (!Db)
    return fail(toString(Db.takeError()));
  std::vector<std::string> Inputs = filesToAnalyse(**Db, Files);
  if (Inputs.empty())
    return fail("no input files: the compilation database is empty");
  if (EnabledChecksFor(Inputs.front()).empty())
    return fail("no checks are enabled for '" + Inputs.front() + "': the 'Checks' of the .clang-tidy that applies "
                "to it enable no mapguard check; add 'mapguard-*' there or pass --checks='mapguard-*'");

  InitializeAllTargetInfos();
  InitializeAllTargetMCs();
  InitializeAllAsmParsers();
  AnalysisResult Result = analyze(**Db, Inputs, *MakeOptions, Jobs);

  std::vector<clang::tidy::ClangTidyError> Shown = Result.Findings;
  for (const UnitFailure &Failure : Result.Failures)
    Shown.insert(Shown.end(), Failure.Errors.begin(), Failure.Errors.end());
  bool ApplyFixes = Fix && Result.Failures.empty();
  unsigned WarningsAsErrors = 0;
  clang::tidy::handleErrors(Shown, Context, ApplyFixes ? clang::tidy::FB_Fix : clang::tidy::FB_NoFix,
                            WarningsAsErrors, OutputFS);

  if (!SarifFile.empty()) {
    SarifOptions Sarif{SourceRoot, MAPGUARD_VERSION, MAPGUARD_DOCS_URL, {}};
    if (Sarif.SourceRoot.empty()) {
      SmallString<256> Cwd;
      if (std::error_code EC = sys::fs::current_path(Cwd))
        return fail("cannot read the working directory: " + EC.message());
      Sarif.SourceRoot = std::string(Cwd);
    }
    for (const auto &[Id, Markdown] : CheckDocs)
      Sarif.RuleHelp[Id] = Markdown;
    if (Error E = writeFileAtomically(SarifFile, [&](raw_ostream &OS) { OS << renderSarif(Result, Sarif); }))
      return fail("cannot write '" + SarifFile + "': " + toString(std::move(E)));
  }
  if (!ExportFixes.empty())
    if (Error E = writeFileAtomically(ExportFixes, [&](raw_ostream &OS) {
          clang::tidy::exportReplacements(Inputs.front(), Result.Findings, OS);
        }))
      return fail("cannot write '" + ExportFixes + "': " + toString(std::move(E)));

  if (!Quiet) {
    errs() << "mapguard: " << Result.Findings.size() << " finding(s) in " << Inputs.size() << " translation unit(s)";
    if (Result.Stats.ErrorsIgnoredNOLINT)
      errs() << "; " << Result.Stats.ErrorsIgnoredNOLINT << " suppressed by NOLINT";
    errs() << "\n";
    if (Fix && !ApplyFixes)
      errs() << "mapguard: fixes were not applied because some units did not compile\n";
  }
  for (const UnitFailure &Failure : Result.Failures)
    WithColor::error(errs(), "mapguard") << "'" << Failure.File << "' could not be analysed ("
                                         << Failure.Errors.size() << " compiler error(s)); its findings may be incomplete\n";
  if (!Result.Failures.empty())
    return ExitUnitFailed;
  return Result.Findings.empty() ? ExitClean : ExitFindings;
}
