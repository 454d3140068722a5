// --baseline: a previous SARIF log, so CI can gate on findings that are new since it.
#ifndef MAPGUARD_TOOL_BASELINE_H
#define MAPGUARD_TOOL_BASELINE_H

#include "Sarif.h"
#include "llvm/Support/Error.h"
#include <map>

namespace mapguard {

class Baseline {
public:
  /// Reads the results of every run in a SARIF 2.1.0 log (any tool's, matched by rule id, file
  /// and primaryLocationLineHash); a result without that fingerprint can never match.
  static llvm::Expected<Baseline> load(llvm::StringRef Path);

  /// Which of this run's findings the baseline has, and which of its results are gone.
  BaselineComparison compare(llvm::ArrayRef<FindingIdentity> Findings) const;

private:
  std::map<FindingIdentity, nlohmann::ordered_json> Results;
};

} // namespace mapguard

#endif
