#include "model/ModelOptions.h"

#include "model/ContainerModel.h"

namespace mapguard {
void ModelOptions::forEachList(llvm::function_ref<void(llvm::StringRef, std::string &)> Visit) {
  ModelOptions &O = *this;
  Visit("Containers", O.Containers);
  Visit("InsertInvalidatingContainers", O.InsertInvalidatingContainers);
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

std::string ModelOptions::addingToDefault(llvm::StringRef Configured, llvm::StringRef Default) {
  llvm::StringRef Added = Configured.trim();
  if (!Added.consume_front("+"))
    return Configured.str();
  Added = Added.trim().trim(';');
  return Added.empty() ? Default.str() : (Default + ";" + Added).str();
}

bool ModelOptions::parseBool(llvm::StringRef Value, bool Fallback) {
  if (Value.equals_insensitive("true") || Value == "1")
    return true;
  if (Value.equals_insensitive("false") || Value == "0")
    return false;
  return Fallback;
}

ModelOptions ModelOptions::defaults() {
  ModelOptions O;
  O.Locks = LockModelOptions::defaults();
  O.Deferring = DeferringCalleesOptions::defaults();
  O.Containers = ContainerModel::DefaultContainers.str();
  O.InsertInvalidatingContainers = ContainerModel::DefaultInsertInvalidating.str();
  return O;
}

ModelOptions ModelOptions::readLists(const clang::tidy::ClangTidyCheck::OptionsView &Options) {
  ModelOptions O = defaults();
  O.forEachList([&](llvm::StringRef Name, std::string &Value) {
    Value = addingToDefault(Options.getLocalOrGlobal(Name, Value), Value);
  });
  return O;
}

ModelOptions ModelOptions::read(const clang::tidy::ClangTidyCheck::OptionsView &Options) {
  ModelOptions O = readLists(Options);
  O.MaxCallDepth = Options.getLocalOrGlobal("MaxCallDepth", O.MaxCallDepth);
  return O;
}

std::string ModelOptions::key() const {
  ModelOptions Copy = *this;
  std::string Key = std::to_string(MaxCallDepth);
  Copy.forEachList([&](llvm::StringRef, std::string &Value) { Key += '\n' + Value; });
  return Key;
}

void ModelOptions::store(const clang::tidy::ClangTidyCheck::OptionsView &Options,
                         clang::tidy::ClangTidyOptions::OptionMap &Opts) const {
  ModelOptions Copy = *this;
  Options.store(Opts, "MaxCallDepth", MaxCallDepth);
  Copy.forEachList([&](llvm::StringRef Name, std::string &Value) { Options.store(Opts, Name, Value); });
}

} // namespace mapguard
