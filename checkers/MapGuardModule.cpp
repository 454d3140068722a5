// The clang-tidy module: the one place the checks are registered, for every front-end (the plugin
// loaded by clang-tidy --load, the mapguard CLI, mapguard-clangd), from the table of checks
// (Checks.def); each check's header is included here.
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
#define MAPGUARD_CHECK(Id, Class, SarifName, Tags, Rules, ShortDescription, FullDescription)                           \
  Factories.registerCheck<Class>(Id);
#include "Checks.def"
#undef MAPGUARD_CHECK
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
