// The clang-tidy library calls whose signatures differ between the LLVM versions mapguard builds
// against (19 and 22), in one place.
#ifndef MAPGUARD_TOOL_CLANGTIDYCOMPAT_H
#define MAPGUARD_TOOL_CLANGTIDYCOMPAT_H

#include "clang-tidy/ClangTidy.h"
#include "llvm/Config/llvm-config.h"
#include <array>

namespace mapguard::compat {

inline std::unique_ptr<clang::tidy::ClangTidyContext>
makeContext(std::unique_ptr<clang::tidy::ClangTidyOptionsProvider> Provider) {
#if LLVM_VERSION_MAJOR >= 22
  return std::make_unique<clang::tidy::ClangTidyContext>(std::move(Provider),
                                                         /*AllowEnablingAnalyzerAlphaCheckers=*/false,
                                                         /*EnableModuleHeadersParsing=*/false,
                                                         /*ExperimentalCustomChecks=*/false);
#else
  return std::make_unique<clang::tidy::ClangTidyContext>(std::move(Provider),
                                                         /*AllowEnablingAnalyzerAlphaCheckers=*/false,
                                                         /*EnableModuleHeadersParsing=*/false);
#endif
}

inline std::vector<clang::tidy::ClangTidyError> runQuietly(clang::tidy::ClangTidyContext &Context,
                                                           const clang::tooling::CompilationDatabase &Db,
                                                           llvm::ArrayRef<std::string> Files,
                                                           llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> FS) {
#if LLVM_VERSION_MAJOR >= 22
  return clang::tidy::runClangTidy(Context, Db, Files, std::move(FS), /*ApplyAnyFix=*/false,
                                   /*EnableCheckProfile=*/false, "", /*Quiet=*/true);
#else
  return clang::tidy::runClangTidy(Context, Db, Files, std::move(FS), /*ApplyAnyFix=*/false,
                                   /*EnableCheckProfile=*/false, "");
#endif
}

/// Compiler arguments that silence clang's per-unit "N warnings generated." on stderr, which
/// runClangTidy's Quiet parameter does from LLVM 22 on.
#if LLVM_VERSION_MAJOR >= 22
inline constexpr std::array<const char *, 0> QuietCompilerArguments{};
#else
inline constexpr std::array<const char *, 1> QuietCompilerArguments{"-fno-caret-diagnostics"};
#endif

inline std::vector<std::string> checkNames(const clang::tidy::ClangTidyOptions &Options) {
#if LLVM_VERSION_MAJOR >= 22
  return clang::tidy::getCheckNames(Options, /*AllowEnablingAnalyzerAlphaCheckers=*/false,
                                    /*ExperimentalCustomChecks=*/false);
#else
  return clang::tidy::getCheckNames(Options, /*AllowEnablingAnalyzerAlphaCheckers=*/false);
#endif
}

} // namespace mapguard::compat

#endif
