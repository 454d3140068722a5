#include "JsonReport.h"

#include "SeenReport.h"
#include "SourceText.h"

using clang::tidy::ClangTidyError;
using clang::tooling::DiagnosticMessage;
using Json = nlohmann::ordered_json;

namespace mapguard {
namespace {

Json place(const DiagnosticMessage &M, llvm::StringRef BuildDir, SourceCache &Sources) {
  Json Entry{{"message", M.Message}};
  if (M.FilePath.empty())
    return Entry;
  std::string Path = absolutePath(M.FilePath, BuildDir);
  auto [Line, Column] = Sources.get(Path).position(M.FileOffset);
  Entry["file"] = Path;
  Entry["line"] = Line;
  Entry["column"] = Column;
  return Entry;
}

} // namespace

std::string renderJson(const AnalysisResult &Result, const BaselineComparison *Baseline) {
  SourceCache Sources;
  Json Findings = Json::array();
  for (size_t I = 0; I < Result.Findings.size(); ++I) {
    const ClangTidyError &E = Result.Findings[I];
    Json Finding{{"check", E.DiagnosticName}};
    Finding.update(place(E.Message, E.BuildDirectory, Sources));
    Finding["level"] = E.DiagLevel == ClangTidyError::Error ? "error" : "warning";
    Json Notes = Json::array();
    for (const DiagnosticMessage &Note : E.Notes)
      Notes.push_back(place(Note, E.BuildDirectory, Sources));
    Finding["notes"] = Notes;
    Finding["fix"] = !E.Message.Fix.empty();
    if (Baseline)
      Finding["baselineState"] = Baseline->Unchanged[I] ? "unchanged" : "new";
    Findings.push_back(std::move(Finding));
  }
  Json Failures = Json::array();
  for (const UnitFailure &Failure : Result.Failures) {
    Json Errors = Json::array();
    for (const ClangTidyError &E : Failure.Errors)
      Errors.push_back(place(E.Message, E.BuildDirectory, Sources));
    Failures.push_back(Json{{"file", Failure.File},
                            {"errors", Errors},
                            {"crashed", Failure.Status == UnitStatus::Crashed},
                            {"timedOut", Failure.Status == UnitStatus::TimedOut},
                            {"systemHeadersOnly", Failure.SystemHeadersOnly}});
  }
  Json Report{{"version", 1}, {"findings", Findings}, {"failedUnits", Failures}};
  if (Result.Seen.Reported)
    Report["seen"] = seenJson(Result.Seen);
  if (Result.IndexedFunctions || Result.AnalysedAgain)
    Report["projectIndex"] = Json{{"functions", Result.IndexedFunctions}, {"analysedAgain", Result.AnalysedAgain}};
  if (Result.InProgress) // a checkpoint of a run still going
    Report["partial"] =
        Json{{"unitsDone", Result.InProgress->UnitsDone}, {"unitsTotal", Result.InProgress->UnitsTotal}};
  if (Baseline)
    Report["absentFromBaseline"] = Baseline->Absent.size();
  return Report.dump(2) + "\n";
}

} // namespace mapguard
