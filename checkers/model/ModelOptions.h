// Options of the shared models (containers, locks, deferring callees), read the same way by every
// check: a check-local option wins, else a global one (`CheckOptions: {Mutexes: '...'}` applies to
// all mapguard checks), else the default.
#ifndef MAPGUARD_CHECKERS_MODEL_MODELOPTIONS_H
#define MAPGUARD_CHECKERS_MODEL_MODELOPTIONS_H

#include "model/DeferringCallees.h"
#include "model/LockModel.h"
#include "clang-tidy/ClangTidyCheck.h"

namespace mapguard {

struct ModelOptions {
  std::string Containers;
  std::string InsertInvalidatingContainers;
  LockModelOptions Locks;
  DeferringCalleesOptions Deferring;
  unsigned MaxCallDepth = 4;

  /// All values in one string: checks with equal keys build equal models.
  std::string key() const;

  static ModelOptions read(const clang::tidy::ClangTidyCheck::OptionsView &Options);
  void store(const clang::tidy::ClangTidyCheck::OptionsView &Options,
             clang::tidy::ClangTidyOptions::OptionMap &Opts) const;
};

} // namespace mapguard

#endif
