// The clang-tidy module: the one place the checks are registered, for every front-end (the plugin
// loaded by clang-tidy --load, the mapguard CLI, mapguard-clangd).
#include "CheckThenActCheck.h"
#include "DeferredCaptureCheck.h"
#include "EraseDuringIterationCheck.h"
#include "EscapingReferenceCheck.h"
#include "ManualLockCheck.h"
#include "ScopeExitAfterUnlockCheck.h"
#include "UnguardedAccessCheck.h"
#include "WriteUnderSharedLockCheck.h"
#include "clang-tidy/ClangTidyModule.h"
#include "llvm/Config/llvm-config.h"
#if LLVM_VERSION_MAJOR < 22 // the registry moved into ClangTidyModule.h in LLVM 22
#include "clang-tidy/ClangTidyModuleRegistry.h"
#endif

namespace mapguard {
namespace {

class MapGuardModule : public clang::tidy::ClangTidyModule {
public:
  void addCheckFactories(clang::tidy::ClangTidyCheckFactories &Factories) override {
    Factories.registerCheck<CheckThenActCheck>("mapguard-check-then-act");
    Factories.registerCheck<DeferredCaptureCheck>("mapguard-deferred-capture");
    Factories.registerCheck<EraseDuringIterationCheck>("mapguard-erase-during-iteration");
    Factories.registerCheck<EscapingReferenceCheck>("mapguard-escaping-reference");
    Factories.registerCheck<ManualLockCheck>("mapguard-manual-lock");
    Factories.registerCheck<ScopeExitAfterUnlockCheck>("mapguard-scope-exit-after-unlock");
    Factories.registerCheck<UnguardedAccessCheck>("mapguard-unguarded-access");
    Factories.registerCheck<WriteUnderSharedLockCheck>("mapguard-write-under-shared-lock");
  }
};

} // namespace
} // namespace mapguard

static clang::tidy::ClangTidyModuleRegistry::Add<mapguard::MapGuardModule>
    Registration("mapguard-module", "Maps and sets changed during iteration, unguarded shared maps, "
                                    "references escaping their lock, check-then-act, deferred callbacks.");

// Referenced by front-ends that link the checks statically, so the registration is kept.
// NOLINTNEXTLINE(misc-use-internal-linkage)
volatile int MapGuardModuleAnchorSource = 0;
