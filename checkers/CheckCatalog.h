// What each mapguard check is, for front-ends that describe checks (SARIF rules, --list-checks).
#ifndef MAPGUARD_CHECKERS_CHECKCATALOG_H
#define MAPGUARD_CHECKERS_CHECKCATALOG_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace mapguard {

/// One numbered rule of a check doc. Its precision is measured the first time it runs on a project
/// no rule was tuned on (docs/real-code.md keeps every first run): the share of its findings a
/// maintainer would act on.
struct RuleInfo {
  llvm::StringRef Id;      // unique over every check: "reentrant-callback"
  llvm::StringRef Summary; // one line
  unsigned FirstRunUseful = 0;
  unsigned FirstRunTotal = 0;
  /// On by default: at least 90% useful over at least MinFindingsToMeasure first-run findings,
  /// or, with fewer, none of them not useful.
  bool defaultOn() const;
  /// "12 of 13 useful (92%) on first runs", "no first-run finding".
  std::string precisionText() const;
  /// SARIF/GitHub's scale: very-high, high, medium, low.
  llvm::StringRef sarifPrecision() const;
};

/// Below this many first-run findings a rule's precision is not a percentage yet.
constexpr unsigned MinFindingsToMeasure = 5;

struct CheckInfo {
  llvm::StringRef Id;               // public, stable: "mapguard-erase-during-iteration"
  llvm::StringRef Name;             // SARIF rule name, PascalCase
  llvm::StringRef ShortDescription; // one sentence
  llvm::StringRef FullDescription;  // a paragraph
  llvm::ArrayRef<llvm::StringRef> Tags;
  llvm::ArrayRef<RuleInfo> Rules; // the numbered rules of its doc
  /// SARIF/GitHub's precision of what the check reports by default: its default rules together.
  llvm::StringRef sarifPrecision() const;
};

llvm::ArrayRef<CheckInfo> checkCatalog();
const CheckInfo *findCheck(llvm::StringRef Id);
/// The check that has the rule \p RuleId, if any.
const CheckInfo *findCheckOfRule(llvm::StringRef RuleId);

} // namespace mapguard

#endif
