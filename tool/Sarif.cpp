#include "Sarif.h"

#include "CheckCatalog.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"
#include <map>
#include <set>
#include <nlohmann/json.hpp>

using clang::tidy::ClangTidyError;
using clang::tooling::DiagnosticMessage;
using Json = nlohmann::ordered_json;

namespace mapguard {
namespace {

constexpr const char *SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

/// Line and column (1-based, in Unicode code points, as the log's columnKind says) of byte offsets.
class SourceText {
public:
  explicit SourceText(const std::string &Path) {
    if (auto Buffer = llvm::MemoryBuffer::getFile(Path))
      Text = (*Buffer)->getBuffer().str();
    LineStarts.push_back(0);
    for (size_t I = 0; I < Text.size(); ++I)
      if (Text[I] == '\n')
        LineStarts.push_back(I + 1);
  }
  std::pair<unsigned, unsigned> position(unsigned Offset) const {
    Offset = std::min<unsigned>(Offset, Text.size());
    size_t Line = std::upper_bound(LineStarts.begin(), LineStarts.end(), Offset) - LineStarts.begin();
    size_t Start = LineStarts[Line - 1];
    unsigned Column = 1;
    for (size_t I = Start; I < Offset; ++I)
      if ((static_cast<unsigned char>(Text[I]) & 0xC0) != 0x80) // count UTF-8 lead bytes only
        ++Column;
    return {static_cast<unsigned>(Line), Column};
  }
  llvm::StringRef line(unsigned Line) const {
    if (Line == 0 || Line > LineStarts.size())
      return {};
    size_t Start = LineStarts[Line - 1];
    size_t End = Line < LineStarts.size() ? LineStarts[Line] : Text.size();
    return llvm::StringRef(Text).slice(Start, End).rtrim("\r\n");
  }

private:
  std::string Text;
  std::vector<size_t> LineStarts;
};

class LogBuilder {
public:
  explicit LogBuilder(const SarifOptions &Options) : Options(Options) {
    Root = Options.SourceRoot;
    if (!Root.empty() && !llvm::StringRef(Root).ends_with("/"))
      Root += "/";
  }

  const SourceText &source(const std::string &Path) {
    auto It = Sources.find(Path);
    if (It == Sources.end())
      It = Sources.emplace(Path, SourceText(Path)).first;
    return It->second;
  }

  static std::string absolutePath(const DiagnosticMessage &M, llvm::StringRef BuildDir) {
    llvm::SmallString<256> Path(M.FilePath);
    if (!llvm::sys::path::is_absolute(Path) && !BuildDir.empty())
      llvm::sys::path::make_absolute(BuildDir, Path);
    llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
    return std::string(Path);
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

  static std::string escapeMessage(llvm::StringRef Text) {
    std::string Out;
    for (char C : Text) {
      if (C == '[' || C == ']' || C == '\\')
        Out += '\\';
      Out += C;
    }
    return Out;
  }

  static std::string absolutePath(llvm::StringRef File, llvm::StringRef BuildDir) {
    DiagnosticMessage M;
    M.FilePath = File.str();
    return absolutePath(M, BuildDir);
  }

  Json fixes(const ClangTidyError &E) {
    Json Changes = Json::array();
    std::map<std::string, const clang::tooling::Replacements *> ByFile;
    for (const auto &Entry : E.Message.Fix)
      ByFile[Entry.getKey().str()] = &Entry.getValue();
    for (const auto &[File, Replacements] : ByFile) {
      std::string Path = absolutePath(File, E.BuildDirectory);
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
    return Json::array({Json{{"description", {{"text", "Apply the suggested rewrite"}}}, {"artifactChanges", Changes}}});
  }

  Json rule(llvm::StringRef Id) const {
    const CheckInfo *Info = findCheck(Id);
    if (!Info)
      return Json{{"id", Id.str()}, {"shortDescription", {{"text", Id.str()}}},
                  {"defaultConfiguration", {{"level", "warning"}}}};
    std::string HelpUri = Options.DocsUrl + Id.str() + ".md";
    auto Help = Options.RuleHelp.find(Id);
    Json Tags = Json::array();
    for (llvm::StringRef Tag : Info->Tags)
      Tags.push_back(Tag.str());
    return Json{{"id", Id.str()},
                {"name", Info->Name.str()},
                {"shortDescription", {{"text", Info->ShortDescription.str()}}},
                {"fullDescription", {{"text", Info->FullDescription.str()}}},
                {"help",
                 {{"text", Info->FullDescription.str() + " Documentation: " + HelpUri},
                  {"markdown", Help != Options.RuleHelp.end() ? Help->second : Info->FullDescription.str()}}},
                {"helpUri", HelpUri},
                {"defaultConfiguration", {{"level", "warning"}}},
                {"properties", {{"tags", Tags}, {"precision", Info->Precision.str()}, {"problem.severity", "warning"}}}};
  }

  Json result(const ClangTidyError &E, size_t RuleIndex, std::map<std::string, unsigned> &HashCounts) {
    Json Related = Json::array();
    std::string Text = escapeMessage(E.Message.Message);
    for (size_t I = 0; I < E.Notes.size(); ++I) {
      const DiagnosticMessage &Note = E.Notes[I];
      Json Entry{{"id", I + 1}, {"message", {{"text", Note.Message}}}};
      if (!Note.FilePath.empty())
        Entry["physicalLocation"] = physicalLocation(Note, E.BuildDirectory);
      Related.push_back(Entry);
      Text += (I == 0 ? " (" : "; ") + ("[" + escapeMessage(Note.Message) + "](" + std::to_string(I + 1) + ")");
    }
    if (!E.Notes.empty())
      Text += ")";
    std::string Path = absolutePath(E.Message, E.BuildDirectory);
    Json Location = physicalLocation(E.Message, E.BuildDirectory);
    // The hash covers the rule and the text of the line, not its number, so it survives edits
    // elsewhere in the file; the occurrence index tells identical lines apart.
    unsigned Line = Location["region"]["startLine"].get<unsigned>();
    std::string LineText = source(Path).line(Line).trim().str();
    std::string Hash = llvm::utohexstr(llvm::xxh3_64bits(E.DiagnosticName + "\n" + LineText), true, 16);
    unsigned Occurrence = ++HashCounts[Path + "\n" + Hash];
    Json R{{"ruleId", E.DiagnosticName},
           {"ruleIndex", RuleIndex},
           {"level", E.DiagLevel == ClangTidyError::Error ? "error" : "warning"},
           {"message", {{"text", Text}}},
           {"locations", Json::array({Json{{"physicalLocation", Location}}})},
           {"partialFingerprints", {{"primaryLocationLineHash", Hash + ":" + std::to_string(Occurrence)}}}};
    if (!Related.empty())
      R["relatedLocations"] = Related;
    if (Json Fixes = fixes(E); !Fixes.empty())
      R["fixes"] = Fixes;
    return R;
  }

  Json notification(const UnitFailure &Failure) {
    std::string Text = "'" + Failure.File + "' could not be analysed; its findings may be incomplete";
    Json Entry{{"level", "error"}};
    if (!Failure.Errors.empty()) {
      const ClangTidyError &First = Failure.Errors.front();
      Text += ": " + First.Message.Message;
      if (Failure.Errors.size() > 1)
        Text += " (and " + std::to_string(Failure.Errors.size() - 1) + " more errors)";
      if (!First.Message.FilePath.empty())
        Entry["locations"] = Json::array({Json{{"physicalLocation", physicalLocation(First.Message, First.BuildDirectory)}}});
    }
    Entry["message"] = Json{{"text", Text}};
    return Entry;
  }

  const SarifOptions &Options;
  std::string Root;
  std::map<std::string, SourceText> Sources;
};

} // namespace

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
  Json Results = Json::array();
  std::map<std::string, unsigned> HashCounts;
  for (const ClangTidyError &E : Result.Findings) {
    size_t Index = std::find(RuleIds.begin(), RuleIds.end(), E.DiagnosticName) - RuleIds.begin();
    Results.push_back(Builder.result(E, Index, HashCounts));
  }
  Json Notifications = Json::array();
  for (const UnitFailure &Failure : Result.Failures)
    Notifications.push_back(Builder.notification(Failure));

  Json Run;
  Run["tool"] = Json{{"driver",
                      {{"name", "mapguard"},
                       {"version", Options.ToolVersion},
                       {"semanticVersion", Options.ToolVersion},
                       {"informationUri", Options.DocsUrl},
                       {"rules", Rules}}}};
  Json Invocation{{"executionSuccessful", Result.Failures.empty()}};
  if (!Notifications.empty())
    Invocation["toolExecutionNotifications"] = Notifications;
  Run["invocations"] = Json::array({Invocation});
  if (!Builder.Root.empty())
    Run["originalUriBaseIds"] = Json{{"%SRCROOT%", {{"uri", "file://" + LogBuilder::encodeUri(Builder.Root)}}}};
  Run["columnKind"] = "unicodeCodePoints";
  Run["results"] = Results;
  Json Log{{"$schema", SchemaUri}, {"version", "2.1.0"}, {"runs", Json::array({Run})}};
  return Log.dump(2) + "\n";
}

} // namespace mapguard
