// SARIF 2.1.0 for GitHub code scanning: one run, one rule per check, deterministic output.
#ifndef MAPGUARD_TOOL_SARIF_H
#define MAPGUARD_TOOL_SARIF_H

#include "Analysis.h"
#include "llvm/ADT/StringMap.h"
#include <string>

namespace mapguard {

struct SarifOptions {
  std::string SourceRoot;               // absolute directory that %SRCROOT% stands for
  std::string ToolVersion;
  std::string DocsUrl;                  // base of helpUri; the check id and ".md" are appended
  llvm::StringMap<std::string> RuleHelp; // check id -> Markdown doc
};

/// The SARIF log for one run, as text (same input -> same bytes).
std::string renderSarif(const AnalysisResult &Result, const SarifOptions &Options);

} // namespace mapguard

#endif
