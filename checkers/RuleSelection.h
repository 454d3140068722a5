// Which rules of a check report. Each numbered rule of a check doc has an id and a first-run
// precision measured on real code no rule was tuned on (docs/real-code.md); the rules that earn
// it run by default, the others are one option away:
//
//   CheckOptions:
//     Rules: all                                          # every rule of every mapguard check
//     mapguard-erase-during-iteration.Rules: '+reentrant-callback;-invalidating-insert'
//
// Items are `all`, `default`, `+id` (or `id`) and `-id`, applied left to right to the default set.
#ifndef MAPGUARD_CHECKERS_RULESELECTION_H
#define MAPGUARD_CHECKERS_RULESELECTION_H

#include "CheckCatalog.h"
#include "clang-tidy/ClangTidyCheck.h"
#include "llvm/ADT/StringSet.h"
#include <string>

namespace mapguard {

class RuleSelection {
public:
  /// The rules of \p CheckId selected by \p Spec (empty: the default set). Items naming no rule of
  /// any mapguard check are collected in unknownItems().
  RuleSelection(llvm::StringRef CheckId, llvm::StringRef Spec);
  /// Reads the check's `Rules` option (check-local, else global) and reports unknown rule ids as
  /// configuration errors of \p Check.
  static RuleSelection read(llvm::StringRef CheckId, const clang::tidy::ClangTidyCheck::OptionsView &Options,
                            clang::tidy::ClangTidyCheck &Check);

  /// The items of every `Rules` option in \p CheckOptions (global, or of a mapguard check) that
  /// name no rule, each with the option it is in: for front-ends that check a configuration first.
  static std::vector<std::string> unknownRules(const clang::tidy::ClangTidyOptions::OptionMap &CheckOptions);

  bool enabled(llvm::StringRef RuleId) const { return Enabled.contains(RuleId); }
  const std::string &spec() const { return Spec; }
  llvm::ArrayRef<std::string> unknownItems() const { return Unknown; }

private:
  std::string Spec;
  llvm::StringSet<> Enabled;
  std::vector<std::string> Unknown;
};

} // namespace mapguard

#endif
