// Options of the shared models (containers, locks, deferring callees), read the same way by every
// check: a check-local option wins, else a global one (`CheckOptions: {Mutexes: '...'}` applies to
// all mapguard checks), else the default. A list that starts with `+` adds to the default list
// (`Mutexes: '+app::SpinLock'`) instead of replacing it.
#ifndef MAPGUARD_CHECKERS_MODEL_MODELOPTIONS_H
#define MAPGUARD_CHECKERS_MODEL_MODELOPTIONS_H

#include "clang-tidy/ClangTidyCheck.h"
#include "model/DeferringCallees.h"
#include "model/LockModel.h"

namespace mapguard {

struct ModelOptions {
  std::string Containers;
  std::string InsertInvalidatingContainers;
  LockModelOptions Locks;
  DeferringCalleesOptions Deferring;
  unsigned MaxCallDepth = 4;

  /// All values in one string: checks with equal keys build equal models.
  std::string key() const;

  static ModelOptions defaults();
  static ModelOptions read(const clang::tidy::ClangTidyCheck::OptionsView &Options);
  /// The lists only (no number to parse, so no configuration diagnostic): what --explain-config shows.
  static ModelOptions readLists(const clang::tidy::ClangTidyCheck::OptionsView &Options);
  /// Each list option, by name, in the documented order.
  void forEachList(llvm::function_ref<void(llvm::StringRef Name, std::string &Value)> Visit);
  /// A boolean option as clang-tidy spells them (true/false, 1/0); \p Fallback for anything else.
  /// (OptionsView::get<bool> is not exported by the static clang-tidy library the CLI links.)
  static bool parseBool(llvm::StringRef Value, bool Fallback);
  /// \p Configured, or \p Default followed by what \p Configured adds when it starts with `+`.
  static std::string addingToDefault(llvm::StringRef Configured, llvm::StringRef Default);
  void store(const clang::tidy::ClangTidyCheck::OptionsView &Options,
             clang::tidy::ClangTidyOptions::OptionMap &Opts) const;
};

} // namespace mapguard

#endif
