#include "Sarif.h"

#include "CheckCatalog.h"
#include "FindingText.h"
#include "SeenReport.h"
#include "SourceText.h"
#include "StableSort.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using clang::tidy::ClangTidyError;
using clang::tooling::DiagnosticMessage;
using Json = nlohmann::ordered_json;

namespace mapguard {
namespace {

constexpr const char *SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

class LogBuilder {
public:
  explicit LogBuilder(const SarifOptions &Options) : Options(Options) {
    Root = Options.SourceRoot;
    if (!Root.empty() && !llvm::StringRef(Root).ends_with("/"))
      Root += "/";
  }

  const SourceText &source(const std::string &Path) { return Sources.get(Path); }

  static std::string absolutePath(const DiagnosticMessage &M, llvm::StringRef BuildDir) {
    return mapguard::absolutePath(M.FilePath, BuildDir);
  }

  static std::string encodeUri(llvm::StringRef Path) {
    std::string Out;
    for (char C : Path) {
      if (llvm::isAlnum(C) || llvm::StringRef("-._~/").contains(C))
        Out += C;
      else
        Out += "%" + llvm::utohexstr(static_cast<unsigned char>(C), /*LowerCase=*/false, /*Width=*/2);
    }
    return Out;
  }

  Json artifactLocation(const std::string &AbsPath) const {
    if (!Root.empty() && llvm::StringRef(AbsPath).starts_with(Root))
      return Json{{"uri", encodeUri(llvm::StringRef(AbsPath).drop_front(Root.size()))}, {"uriBaseId", "%SRCROOT%"}};
    return Json{{"uri", "file://" + encodeUri(AbsPath)}};
  }

  Json region(const std::string &Path, unsigned Begin, unsigned End) {
    const SourceText &Text = source(Path);
    auto [StartLine, StartColumn] = Text.position(Begin);
    auto [EndLine, EndColumn] = Text.position(std::max(End, Begin));
    if (EndLine == StartLine && EndColumn == StartColumn)
      EndColumn = StartColumn + 1;
    return Json{{"startLine", StartLine}, {"startColumn", StartColumn}, {"endLine", EndLine}, {"endColumn", EndColumn}};
  }

  Json physicalLocation(const DiagnosticMessage &M, llvm::StringRef BuildDir) {
    std::string Path = absolutePath(M, BuildDir);
    unsigned End = M.FileOffset;
    for (const auto &Range : M.Ranges) // the highlighted range that starts at the diagnostic, if any
      if (Range.FilePath == M.FilePath && Range.FileOffset <= M.FileOffset &&
          M.FileOffset < Range.FileOffset + Range.Length)
        End = Range.FileOffset + Range.Length;
    return Json{{"artifactLocation", artifactLocation(Path)}, {"region", region(Path, M.FileOffset, End)}};
  }

  Json fixes(const ClangTidyError &E) {
    Json Changes = Json::array();
    std::map<std::string, const clang::tooling::Replacements *> ByFile;
    for (const auto &Entry : E.Message.Fix)
      ByFile[Entry.getKey().str()] = &Entry.getValue();
    for (const auto &[File, Replacements] : ByFile) {
      std::string Path = mapguard::absolutePath(File, E.BuildDirectory);
      Json Edits = Json::array();
      for (const clang::tooling::Replacement &R : *Replacements) {
        Json Region = region(Path, R.getOffset(), R.getOffset() + R.getLength());
        if (R.getLength() == 0) // an insertion deletes an empty region
          Region["endLine"] = Region["startLine"], Region["endColumn"] = Region["startColumn"];
        Edits.push_back(Json{{"deletedRegion", Region}, {"insertedContent", {{"text", R.getReplacementText().str()}}}});
      }
      Changes.push_back(Json{{"artifactLocation", artifactLocation(Path)}, {"replacements", Edits}});
    }
    if (Changes.empty())
      return Json::array();
    return Json::array(
        {Json{{"description", {{"text", "Apply the suggested rewrite"}}}, {"artifactChanges", Changes}}});
  }

  Json rule(llvm::StringRef Id) const {
    const CheckInfo *Info = findCheck(Id);
    if (!Info)
      return Json{{"id", Id.str()},
                  {"shortDescription", {{"text", Id.str()}}},
                  {"defaultConfiguration", {{"level", "warning"}}}};
    std::string HelpUri = Options.DocsUrl + Id.str() + ".md";
    auto Help = Options.RuleHelp.find(Id);
    Json Tags = Json::array();
    for (llvm::StringRef Tag : Info->Tags)
      Tags.push_back(Tag.str());
    // Each numbered rule of the check doc, its first-run precision and whether it runs by default.
    Json Rules = Json::array();
    for (const RuleInfo &Rule : Info->Rules)
      Rules.push_back(Json{{"id", Rule.Id.str()},
                           {"summary", Rule.Summary.str()},
                           {"precision", Rule.sarifPrecision().str()},
                           {"firstRun", {{"useful", Rule.FirstRunUseful}, {"findings", Rule.FirstRunTotal}}},
                           {"enabledByDefault", Rule.defaultOn()}});
    return Json{{"id", Id.str()},
                {"name", Info->Name.str()},
                {"shortDescription", {{"text", Info->ShortDescription.str()}}},
                {"fullDescription", {{"text", Info->FullDescription.str()}}},
                {"help",
                 {{"text", Info->FullDescription.str() + " Documentation: " + HelpUri},
                  {"markdown", Help != Options.RuleHelp.end() ? Help->second : Info->FullDescription.str()}}},
                {"helpUri", HelpUri},
                {"defaultConfiguration", {{"level", "warning"}}},
                {"properties",
                 {{"tags", Tags},
                  {"precision", Info->sarifPrecision().str()},
                  {"problem.severity", "warning"},
                  {"mapguard.rules", Rules}}}};
  }

  /// The hash covers the rule and the text of the line, not its number, so it survives edits
  /// elsewhere in the file; the occurrence index tells identical lines apart.
  FindingIdentity identity(const ClangTidyError &E, std::map<std::string, unsigned> &HashCounts) {
    std::string Path = absolutePath(E.Message, E.BuildDirectory);
    Json Location = physicalLocation(E.Message, E.BuildDirectory);
    unsigned Line = Location["region"]["startLine"].get<unsigned>();
    std::string LineText = source(Path).line(Line).trim().str();
    std::string Hash = llvm::utohexstr(llvm::xxh3_64bits(E.DiagnosticName + "\n" + LineText), true, 16);
    unsigned Occurrence = ++HashCounts[Path + "\n" + Hash];
    return {E.DiagnosticName, Location["artifactLocation"]["uri"].get<std::string>(),
            Hash + ":" + std::to_string(Occurrence)};
  }

  Json result(const ClangTidyError &E, size_t RuleIndex, const FindingIdentity &Identity) {
    Json Related = Json::array();
    for (size_t I = 0; I < E.Notes.size(); ++I) {
      const DiagnosticMessage &Note = E.Notes[I];
      Json Entry{{"id", I + 1}, {"message", {{"text", Note.Message}}}};
      if (!Note.FilePath.empty())
        Entry["physicalLocation"] = physicalLocation(Note, E.BuildDirectory);
      Related.push_back(Entry);
    }
    std::string Text = sarifMessageText(E);
    Json R{{"ruleId", E.DiagnosticName},
           {"ruleIndex", RuleIndex},
           {"level", E.DiagLevel == ClangTidyError::Error ? "error" : "warning"},
           {"message", {{"text", Text}}},
           {"locations", Json::array({Json{{"physicalLocation", physicalLocation(E.Message, E.BuildDirectory)}}})},
           {"partialFingerprints", {{"primaryLocationLineHash", Identity.LineHash}}}};
    if (!Related.empty())
      R["relatedLocations"] = Related;
    if (Json Fixes = fixes(E); !Fixes.empty())
      R["fixes"] = Fixes;
    return R;
  }

  Json notification(const UnitFailure &Failure) {
    std::string Text = "'" + Failure.File + "' could not be analysed; its findings may be incomplete";
    if (Failure.SystemHeadersOnly)
      Text = "'" + Failure.File +
             "' was analysed with compiler errors in system headers only (third-party code "
             "the compiler cannot parse); the findings of its own code are reported";
    if (Failure.Status == UnitStatus::Crashed)
      Text = "'" + Failure.File + "' could not be analysed: the analysis crashed; no findings are reported for it";
    else if (Failure.Status == UnitStatus::TimedOut)
      Text =
          "'" + Failure.File + "' could not be analysed: it ran past the time limit; no findings are reported for it";
    Json Entry{{"level", "error"}};
    if (!Failure.Errors.empty()) {
      const ClangTidyError &First = Failure.Errors.front();
      Text += ": " + First.Message.Message;
      if (Failure.Errors.size() > 1)
        Text += " (and " + std::to_string(Failure.Errors.size() - 1) + " more errors)";
      if (!First.Message.FilePath.empty())
        Entry["locations"] =
            Json::array({Json{{"physicalLocation", physicalLocation(First.Message, First.BuildDirectory)}}});
    }
    Entry["message"] = Json{{"text", Text}};
    return Entry;
  }

  const SarifOptions &Options;
  std::string Root;
  SourceCache Sources;
};

std::vector<FindingIdentity> identify(LogBuilder &Builder, const AnalysisResult &Result) {
  std::vector<FindingIdentity> Identities;
  Identities.reserve(Result.Findings.size());
  std::map<std::string, unsigned> HashCounts;
  for (const ClangTidyError &E : Result.Findings)
    Identities.push_back(Builder.identity(E, HashCounts));
  return Identities;
}

} // namespace

int sarifSeverityRank(const Json &Result) {
  std::string Level = Result.value("level", "warning");
  return Level == "error" ? 0 : Level == "warning" ? 1 : 2;
}

Json sourceRootBaseIds(llvm::StringRef Root) {
  return Json{{"%SRCROOT%", {{"uri", "file://" + LogBuilder::encodeUri(Root)}}}};
}

Json droppedResultsNotification(size_t Dropped, size_t Kept, size_t MaxResults) {
  return Json{{"level", "warning"},
              {"message",
               {{"text", std::to_string(Dropped) + " of " + std::to_string(Dropped + Kept) +
                             " results were left out: code scanning accepts at most " + std::to_string(MaxResults) +
                             " per run"}}}};
}

std::vector<FindingIdentity> identifyFindings(const AnalysisResult &Result, llvm::StringRef SourceRoot) {
  SarifOptions Options;
  Options.SourceRoot = SourceRoot.str();
  LogBuilder Builder(Options);
  return identify(Builder, Result);
}

std::string renderSarif(const AnalysisResult &Result, const SarifOptions &Options) {
  LogBuilder Builder(Options);
  std::vector<std::string> RuleIds;
  for (const CheckInfo &Info : checkCatalog())
    RuleIds.push_back(Info.Id.str());
  std::set<std::string> Extra;
  for (const ClangTidyError &E : Result.Findings)
    if (!findCheck(E.DiagnosticName))
      Extra.insert(E.DiagnosticName);
  RuleIds.insert(RuleIds.end(), Extra.begin(), Extra.end());

  Json Rules = Json::array();
  for (const std::string &Id : RuleIds)
    Rules.push_back(Builder.rule(Id));
  std::vector<FindingIdentity> Identities = identify(Builder, Result);
  std::vector<Json> Ordered;
  for (size_t I = 0; I < Result.Findings.size(); ++I) {
    const ClangTidyError &E = Result.Findings[I];
    size_t Index = std::find(RuleIds.begin(), RuleIds.end(), E.DiagnosticName) - RuleIds.begin();
    Ordered.push_back(Builder.result(E, Index, Identities[I]));
    if (Options.Baseline)
      Ordered.back()["baselineState"] = Options.Baseline->Unchanged[I] ? "unchanged" : "new";
  }
  if (Options.Baseline)
    for (Json Gone : Options.Baseline->Absent) {
      // A fixed finding: kept for the record, but not a failure that code scanning should alert on.
      Gone.erase("ruleIndex");
      Gone["baselineState"] = "absent";
      Gone["kind"] = "pass";
      Gone["level"] = "none";
      Ordered.push_back(std::move(Gone));
    }
  stableSort(Ordered, [](const Json &A, const Json &B) { return sarifSeverityRank(A) < sarifSeverityRank(B); });
  size_t Dropped = Ordered.size() > Options.MaxResults ? Ordered.size() - Options.MaxResults : 0;
  Ordered.resize(Ordered.size() - Dropped);
  Json Results = Json::array();
  for (Json &R : Ordered)
    Results.push_back(std::move(R));
  Json Notifications = Json::array();
  for (const UnitFailure &Failure : Result.Failures)
    Notifications.push_back(Builder.notification(Failure));
  if (Dropped)
    Notifications.push_back(droppedResultsNotification(Dropped, Results.size(), Options.MaxResults));

  Json Run;
  Run["tool"] = Json{{"driver",
                      {{"name", "mapguard"},
                       {"version", Options.ToolVersion},
                       {"semanticVersion", Options.ToolVersion},
                       {"informationUri", Options.DocsUrl},
                       {"rules", Rules}}}};
  Json Invocation{{"executionSuccessful", Result.Failures.empty() && !Result.InProgress}};
  if (!Notifications.empty())
    Invocation["toolExecutionNotifications"] = Notifications;
  Run["invocations"] = Json::array({Invocation});
  if (!Builder.Root.empty())
    Run["originalUriBaseIds"] = sourceRootBaseIds(Builder.Root);
  Run["columnKind"] = "unicodeCodePoints";
  Run["results"] = Results;
  if (Result.Seen.Reported)
    Run["properties"]["mapguard.seen"] = seenJson(Result.Seen);
  if (Result.InProgress) // a checkpoint of a run still going: only the units done so far
    Run["properties"].update(Json{
        {"partial", true}, {"unitsDone", Result.InProgress->UnitsDone}, {"unitsTotal", Result.InProgress->UnitsTotal}});
  Json Log{{"$schema", SchemaUri}, {"version", "2.1.0"}, {"runs", Json::array({Run})}};
  return Log.dump(2) + "\n";
}

} // namespace mapguard
