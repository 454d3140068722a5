#include "analysis/ThrowSummaries.h"

#include "model/ProjectFacts.h"
#include "utils/NodesUnder.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace mapguard {
namespace {
// How many calls of the project's own code a summary follows from the region (library code, in
// system headers, is followed to its throw helpers at no cost). A `throw` further away than
// that, behind layers of error-code APIs (RocksDB's Recover() reaching an `at()` eight calls
// down), is not what a maintainer acts on at this lock.
constexpr unsigned MaxProjectDepth = 2;
constexpr unsigned MaxLibraryDepth = 8;

/// Allocation failure, broken preconditions, and a lock primitive failing inside the library
/// (libstdc++ debug mode's `__concurrence_lock_error`): not a reason to report an exception path.
bool isAllocationFailure(StringRef Exception) {
  return Exception.contains("bad_alloc") || Exception.contains("bad_array_new_length") ||
         Exception.contains("length_error") || Exception.contains("logic_error") ||
         Exception.contains("concurrence_") || Exception.contains("BadAlloc") || Exception.contains("LengthError");
}

/// A library helper that throws by its name (its body is in the library's binary): libstdc++ and
/// libc++ `std::__throw_out_of_range`, abseil `ThrowStdOutOfRange`. The exception it names.
std::optional<std::string> thrownByHelper(const FunctionDecl *Fn) {
  if (!Fn->getIdentifier())
    return std::nullopt;
  StringRef Name = Fn->getName();
  if (Name.consume_front("__throw_")) {
    Name.consume_back("_fmt");
    return ("std::" + Name).str();
  }
  if (Name.consume_front("ThrowStd"))
    return ("std::" + Name).str(); // abseil's CamelCase spelling
  return std::nullopt;
}

bool isNothrow(const FunctionDecl *Fn) {
  const auto *Proto = Fn->getType()->getAs<FunctionProtoType>();
  return Fn->hasAttr<NoThrowAttr>() || (Proto && Proto->isNothrow());
}
} // namespace

std::optional<ThrowSite> ThrowSummaries::throwSiteOf(const CallExpr *Call) { return ofCall(Call, Reach()); }

std::optional<ThrowSite> ThrowSummaries::ofCall(const CallExpr *Call, Reach From) {
  const FunctionDecl *Callee = Call->getDirectCallee();
  if (!Callee)
    return std::nullopt; // a call through a pointer: what it runs is not known here
  // A helper counts in the region itself or inside library code, not called from the project's callees.
  if (std::optional<std::string> Helper = thrownByHelper(Callee); Helper && (From.Project == 0 || From.Library > 0))
    return isAllocationFailure(*Helper) ? std::nullopt : std::optional(ThrowSite{Call, *Helper});
  if (std::optional<ThrowSite> Known = ofUnseen(Callee, Call, From))
    return Known;
  return ofFunction(Callee, From);
}

std::optional<ThrowSite> ThrowSummaries::throwSiteOf(const CXXConstructExpr *Construct) {
  if (std::optional<ThrowSite> Known = ofUnseen(Construct->getConstructor(), Construct, Reach()))
    return Known;
  return ofFunction(Construct->getConstructor(), Reach());
}

std::optional<ThrowSite> ThrowSummaries::throwSiteOfFunction(const FunctionDecl *Fn) { return ofFunction(Fn, Reach()); }

std::optional<ThrowSite> ThrowSummaries::ofUnseen(const FunctionDecl *Callee, const Expr *Call, Reach From) {
  // Defined in another unit: what the project index read of its body there (a summary of the
  // same depth, so it counts only where the call is one of the region's own or a callee's).
  const ProjectFacts *Index = projectFacts();
  const FunctionFacts *Facts = Index && From.Library == 0 ? Index->ofUnseen(Callee) : nullptr;
  if (!Facts || !Facts->Throws || isNothrow(Callee) || From.Project >= MaxProjectDepth)
    return std::nullopt;
  return ThrowSite{Call, *Facts->Throws};
}

std::optional<ThrowSite> ThrowSummaries::ofFunction(const FunctionDecl *Callee, Reach From) {
  const FunctionDecl *Def = nullptr;
  if (!Callee || isNothrow(Callee) || !Callee->hasBody(Def) || !Def)
    return std::nullopt;
  bool Library = Def->getASTContext().getSourceManager().isInSystemHeader(Def->getLocation());
  // A library call's documented throws (`at`, `substr`, `stoi`) count where the call is written in
  // the region; inside the project's callees only their own `throw`s do.
  if (Library && From.Library == 0 && From.Project > 0)
    return std::nullopt;
  Reach Here = From;
  if (Library ? ++Here.Library > MaxLibraryDepth : ++Here.Project > MaxProjectDepth)
    return std::nullopt;
  auto Key = std::make_tuple(Def, Here.Project, Here.Library);
  if (auto Known = Cache.find(Key); Known != Cache.end())
    return Known->second;
  Cache[Key] = std::nullopt; // recursion: the cycle adds nothing
  std::optional<ThrowSite> Found;
  auto Scan = [&](const Stmt *S) {
    forEachNodeUnder<Expr>(
        S,
        [&](const Expr *E) {
          if (const auto *Throw = dyn_cast<CXXThrowExpr>(E)) {
            // `throw;` rethrows what a handler caught from code seen on its own.
            if (const Expr *Thrown = Throw->getSubExpr()) {
              std::string Type = Thrown->getType().getUnqualifiedType().getAsString();
              if (!isAllocationFailure(Type))
                Found = ThrowSite{Throw, Type};
            }
          } else if (const auto *Call = dyn_cast<CallExpr>(E)) {
            Found = ofCall(Call, Here);
          } else if (const auto *Construct = dyn_cast<CXXConstructExpr>(E)) {
            Found = ofFunction(Construct->getConstructor(), Here);
          }
          return !Found;
        },
        LambdaBodies::Skip); // a lambda runs when called, judged there
  };
  Scan(Def->getBody());
  if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def); Ctor && !Found)
    for (const CXXCtorInitializer *Init : Ctor->inits())
      if (!Found && Init->isWritten())
        Scan(Init->getInit());
  Cache[Key] = Found;
  return Found;
}

} // namespace mapguard
