#include "model/ModelOptions.h"

#include "model/ContainerModel.h"

namespace mapguard {
namespace {
template <typename Visitor> void forEachStringOption(ModelOptions &O, Visitor &&Visit) {
  Visit("Mutexes", O.Locks.Mutexes);
  Visit("ExclusiveGuards", O.Locks.ExclusiveGuards);
  Visit("SharedGuards", O.Locks.SharedGuards);
  Visit("LockFunctions", O.Locks.LockFunctions);
  Visit("SharedLockFunctions", O.Locks.SharedLockFunctions);
  Visit("UnlockFunctions", O.Locks.UnlockFunctions);
  Visit("TryLockFunctions", O.Locks.TryLockFunctions);
  Visit("SharedTryLockFunctions", O.Locks.SharedTryLockFunctions);
  Visit("AssertHeldFunctions", O.Locks.AssertHeldFunctions);
  Visit("ThreadTypes", O.Deferring.ThreadTypes);
  Visit("ThreadFunctions", O.Deferring.ThreadFunctions);
  Visit("ExecutorFunctions", O.Deferring.ExecutorFunctions);
  Visit("ExecutorMethods", O.Deferring.ExecutorMethods);
  Visit("RegistrationMethods", O.Deferring.RegistrationMethods);
  Visit("CallbackTypes", O.Deferring.CallbackTypes);
  Visit("ScopeExitTypes", O.Deferring.ScopeExitTypes);
}
} // namespace

ModelOptions ModelOptions::read(const clang::tidy::ClangTidyCheck::OptionsView &Options) {
  ModelOptions O;
  O.Locks = LockModelOptions::defaults();
  O.Deferring = DeferringCalleesOptions::defaults();
  O.Containers = Options.getLocalOrGlobal("Containers", ContainerModel::DefaultContainers.str());
  O.InsertInvalidatingContainers =
      Options.getLocalOrGlobal("InsertInvalidatingContainers", ContainerModel::DefaultInsertInvalidating.str());
  O.MaxCallDepth = Options.getLocalOrGlobal("MaxCallDepth", O.MaxCallDepth);
  forEachStringOption(O, [&](llvm::StringRef Name, std::string &Value) {
    Value = Options.getLocalOrGlobal(Name, Value);
  });
  return O;
}

std::string ModelOptions::key() const {
  ModelOptions Copy = *this;
  std::string Key = Containers + '\n' + InsertInvalidatingContainers + '\n' + std::to_string(MaxCallDepth);
  forEachStringOption(Copy, [&](llvm::StringRef, std::string &Value) { Key += '\n' + Value; });
  return Key;
}

void ModelOptions::store(const clang::tidy::ClangTidyCheck::OptionsView &Options,
                         clang::tidy::ClangTidyOptions::OptionMap &Opts) const {
  ModelOptions Copy = *this;
  Options.store(Opts, "Containers", Containers);
  Options.store(Opts, "InsertInvalidatingContainers", InsertInvalidatingContainers);
  Options.store(Opts, "MaxCallDepth", MaxCallDepth);
  forEachStringOption(Copy, [&](llvm::StringRef Name, std::string &Value) { Options.store(Opts, Name, Value); });
}

} // namespace mapguard
