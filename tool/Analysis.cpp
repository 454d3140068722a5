#include "Analysis.h"

#include "ClangTidyCompat.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>
#include <tuple>

using namespace clang;
using clang::tidy::ClangTidyError;

// Keeps the mapguard module's registration linked in (clang-tidy's anchor idiom).
// NOLINTNEXTLINE(readability-identifier-naming)
extern volatile int MapGuardModuleAnchorSource;
[[maybe_unused]] static int MapGuardModuleAnchorDestination = MapGuardModuleAnchorSource;

namespace mapguard {
namespace {

/// A hard compiler error: the AST may be incomplete. Warnings a build promotes with -Werror carry
/// their own flag name and do not make a unit fail.
bool isCompilerError(const ClangTidyError &E) {
  return E.DiagLevel == ClangTidyError::Error && E.DiagnosticName == "clang-diagnostic-error";
}

auto findingKey(const ClangTidyError &E) {
  return std::make_tuple(E.Message.FilePath, E.Message.FileOffset, E.DiagnosticName, E.Message.Message);
}

/// One finding per place and check: a header seen from several units may be described a little
/// differently by each (the guard checks count the accesses each unit sees).
auto placeKey(const ClangTidyError &E) {
  return std::make_tuple(E.Message.FilePath, E.Message.FileOffset, E.DiagnosticName);
}

/// Test builds only (MAPGUARD_TESTING_HOOKS): crash in the unit whose path contains the value of
/// MAPGUARD_TEST_CRASH_IN, so the tests can show what a crash in one unit leaves of a run.
void crashForTesting([[maybe_unused]] llvm::StringRef File) {
#ifdef MAPGUARD_TESTING_HOOKS
  if (const char *Pattern = std::getenv("MAPGUARD_TEST_CRASH_IN"); Pattern && *Pattern && File.contains(Pattern))
    std::raise(SIGSEGV);
#endif
}

void addStats(tidy::ClangTidyStats &Sum, const tidy::ClangTidyStats &Unit) {
  Sum.ErrorsDisplayed += Unit.ErrorsDisplayed;
  Sum.ErrorsIgnoredCheckFilter += Unit.ErrorsIgnoredCheckFilter;
  Sum.ErrorsIgnoredNOLINT += Unit.ErrorsIgnoredNOLINT;
  Sum.ErrorsIgnoredNonUserCode += Unit.ErrorsIgnoredNonUserCode;
  Sum.ErrorsIgnoredLineFilter += Unit.ErrorsIgnoredLineFilter;
}

} // namespace

AnalysisResult analyze(const tooling::CompilationDatabase &Db, llvm::ArrayRef<std::string> Files,
                       const OptionsProviderFactory &MakeOptions, unsigned Jobs,
                       const ProgressCallback &Progress) {
  std::vector<std::vector<ClangTidyError>> PerUnit(Files.size());
  std::vector<tidy::ClangTidyStats> UnitStats(Files.size());
  std::vector<char> Crashed(Files.size(), 0);
  // A crash in one unit (a checker bug, clang on code it cannot parse) must not lose the others:
  // each unit runs under LLVM's crash recovery, which turns the signal into a failed unit.
  llvm::CrashRecoveryContext::Enable();
  std::mutex ProgressMutex;
  size_t Done = 0, FindingsSoFar = 0;
  {
    llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Jobs));
    for (size_t I = 0; I < Files.size(); ++I) {
      Pool.async([&, I] {
        // Each unit gets its own file system: ClangTool changes the working directory of the one it
        // is given, and the process-wide one must not move under other workers.
        auto FS = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(llvm::vfs::createPhysicalFileSystem());
        auto Context = compat::makeContext(MakeOptions(FS));
        llvm::CrashRecoveryContext Recovery;
        bool Completed = Recovery.RunSafely([&] {
          crashForTesting(Files[I]);
          PerUnit[I] = compat::runQuietly(*Context, Db, {Files[I]}, FS);
        });
        if (Completed)
          UnitStats[I] = Context->getStats();
        else
          Crashed[I] = 1;
        std::lock_guard<std::mutex> Lock(ProgressMutex);
        ++Done;
        FindingsSoFar += llvm::count_if(PerUnit[I], [](const ClangTidyError &E) { return !isCompilerError(E); });
        if (Progress)
          Progress(Done, Files.size(), FindingsSoFar, Files[I]);
      });
    }
    Pool.wait();
  }

  AnalysisResult Result;
  std::set<decltype(placeKey(std::declval<ClangTidyError>()))> Seen;
  for (size_t I = 0; I < Files.size(); ++I) {
    addStats(Result.Stats, UnitStats[I]);
    UnitFailure Failure{Files[I], {}, Crashed[I] != 0};
    for (ClangTidyError &E : PerUnit[I]) {
      if (isCompilerError(E))
        Failure.Errors.push_back(std::move(E));
      else if (Seen.insert(placeKey(E)).second) // a finding in a header, seen from several units
        Result.Findings.push_back(std::move(E));
    }
    if (!Failure.Errors.empty() || Failure.Crashed)
      Result.Failures.push_back(std::move(Failure));
  }
  llvm::stable_sort(Result.Findings, [](const ClangTidyError &A, const ClangTidyError &B) {
    return findingKey(A) < findingKey(B);
  });
  return Result;
}

} // namespace mapguard
