// SARIF 2.1.0 for GitHub code scanning: one run, one rule per check, deterministic output.
#ifndef MAPGUARD_TOOL_SARIF_H
#define MAPGUARD_TOOL_SARIF_H

#include "Analysis.h"
#include "llvm/ADT/StringMap.h"
#include <nlohmann/json.hpp>
#include <string>

namespace mapguard {

/// How code scanning recognises a finding across runs: its rule, file (relative to the source
/// root when inside it) and partialFingerprints.primaryLocationLineHash.
struct FindingIdentity {
  std::string RuleId, Uri, LineHash;
  bool operator<(const FindingIdentity &O) const {
    return std::tie(RuleId, Uri, LineHash) < std::tie(O.RuleId, O.Uri, O.LineHash);
  }
};

/// Findings of this run against a baseline log (--baseline).
struct BaselineComparison {
  std::vector<bool> Unchanged;                // per finding: the baseline has it too
  std::vector<nlohmann::ordered_json> Absent; // baseline results this run no longer finds
  size_t newCount() const { return llvm::count(Unchanged, false); }
};

/// GitHub code scanning rejects runs with more results than this.
inline constexpr size_t CodeScanningMaxResults = 25000;

struct SarifOptions {
  std::string SourceRoot; // absolute directory that %SRCROOT% stands for
  std::string ToolVersion;
  std::string DocsUrl;                          // base of helpUri; the check id and ".md" are appended
  llvm::StringMap<std::string> RuleHelp;        // check id -> Markdown doc
  const BaselineComparison *Baseline = nullptr; // sets each result's baselineState
  size_t MaxResults = CodeScanningMaxResults;   // the rest are dropped, and the log says so
};

/// The identity of each finding, in order.
std::vector<FindingIdentity> identifyFindings(const AnalysisResult &Result, llvm::StringRef SourceRoot);

/// Errors before warnings before notes: code scanning keeps the most severe when it truncates.
int sarifSeverityRank(const nlohmann::ordered_json &Result);

/// The originalUriBaseIds of a log whose relative URIs are relative to \p Root (a directory).
nlohmann::ordered_json sourceRootBaseIds(llvm::StringRef Root);

/// The notification that says how many results the log left out (code scanning's limit).
nlohmann::ordered_json droppedResultsNotification(size_t Dropped, size_t Kept, size_t MaxResults);

/// The SARIF log for one run, as text (same input -> same bytes).
std::string renderSarif(const AnalysisResult &Result, const SarifOptions &Options);

} // namespace mapguard

#endif
