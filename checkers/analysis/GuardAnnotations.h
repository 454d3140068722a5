// What to write so that the compiler enforces an inferred guard (issue 26, `mapguard annotate`):
// GUARDED_BY at the container's declaration and REQUIRES at the helpers that run with the lock
// held, spelled with the project's own macros when it has them; or, when Clang's -Wthread-safety
// could not check the result without new warnings at code mapguard accepts, why it is left out
// (a mutex type without a capability attribute, a guard class that is not a scoped capability, a
// mutex the declaration cannot name, accesses the compiler would judge and mapguard does not).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_GUARDANNOTATIONS_H
#define MAPGUARD_CHECKERS_ANALYSIS_GUARDANNOTATIONS_H

#include "analysis/GuardInference.h"
#include "clang/Lex/Preprocessor.h"
#include <optional>
#include <string>
#include <vector>

namespace mapguard {

/// One insertion: \p Text at \p At (a file location), on the declaration of \p Target.
struct AnnotationEdit {
  clang::SourceLocation At;
  std::string Text;
  std::string Target; // the qualified name of the declaration annotated
};

struct GuardAnnotation {
  std::vector<AnnotationEdit> Edits; // GUARDED_BY first, then the REQUIRES; empty when left out
  std::string LeftOut;               // why -Wthread-safety could not check it
};

/// Plans the annotations of one translation unit's inferred guards. \p PP (may be null) gives the
/// project's macros, read once, at the first annotation that needs them.
class GuardAnnotator {
public:
  GuardAnnotator(const GuardInference &Inference, clang::ASTContext &Ctx, const clang::Preprocessor *PP)
      : Inference(Inference), Ctx(Ctx), PP(PP) {}
  /// The annotation of \p Container, whose guard \p Guard was inferred.
  GuardAnnotation annotate(const clang::ValueDecl *Container, const GuardInfo &Guard);

  /// A macro that spells one of the thread-safety attributes.
  struct SpellingMacro {
    bool System; // defined in a library's header
    std::string Name;
    clang::SourceLocation Defined;
    unsigned Spelling; // which attribute
  };

private:
  const GuardInference &Inference;
  clang::ASTContext &Ctx;
  const clang::Preprocessor *PP;
  std::optional<std::vector<SpellingMacro>> Macros; // the unit's, by (System, Name); read at first use
};

} // namespace mapguard

#endif
