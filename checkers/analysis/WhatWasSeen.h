// What the guard inference of one translation unit saw, for the CLI's account of a run (issue 26):
// the shared containers of the project's own code and the guard of each (annotated, inferred,
// none), the project's mutex classes and how each was recognised, and the classes that look like
// locks (lock and unlock member functions, used in this unit) whose bodies cannot be read and
// that no option names: what they guard is not judged. A JSON text, so that it travels with the
// unit's diagnostics (through worker processes and the result cache).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_WHATWASSEEN_H
#define MAPGUARD_CHECKERS_ANALYSIS_WHATWASSEEN_H

#include "analysis/GuardInference.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace mapguard {

/// The prefix of the remark that carries the facts; the CLI takes such remarks out of the findings.
inline constexpr llvm::StringLiteral SeenFactsPrefix = "mapguard-seen ";

/// The facts as JSON: {"containers": [{name, file, line, guard, mutex, heldAt, counted, without,
/// annotation}], "lockClasses": [{name, file, line, how}], "unmodelled": [{name, file, line}]}.
/// \p PP (may be null) gives the macros an annotation is spelled with (GuardAnnotations.h).
std::string seenFactsJson(const GuardInference &Inference, clang::ASTContext &Ctx, const clang::Preprocessor *PP);

} // namespace mapguard

#endif
