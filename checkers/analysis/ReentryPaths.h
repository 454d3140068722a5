// A way back into a loop that this translation unit shows. A loop over a member container calls
// a virtual function or a stored callable; the call re-enters the looping object only if the code
// it runs calls a member function that changes the container. This finds that code among the
// bodies the unit has: the overrides of the virtual function called (in classes of the unit), and
// the lambdas the unit hands to the looping class's member function that stores them where the
// loop finds them (`subscribe(f)` inserting into the container walked, `setHandler(f)` assigning
// the member called). "Cannot see" is never the way back: no visible body, no path.
#ifndef MAPGUARD_CHECKERS_ANALYSIS_REENTRYPATHS_H
#define MAPGUARD_CHECKERS_ANALYSIS_REENTRYPATHS_H

#include "analysis/ReentrantCallbacks.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <vector>

namespace mapguard {

struct ReentryPath {
  const clang::FunctionDecl *Target = nullptr;     // the override, or the lambda's call operator
  const clang::LambdaExpr *Lambda = nullptr;       // the lambda, when the target is one
  const clang::CallExpr *Registration = nullptr;   // the call that hands the lambda to the class
  const clang::CallExpr *Step = nullptr;           // in the target's body: the call that leads to the eraser
  const clang::FunctionDecl *StepCallee = nullptr; // what Step calls (the eraser, or a function reaching it)
  ContainerEraser Eraser;                          // the member function reached, and its change
};

class ReentryPaths {
public:
  ReentryPaths(const ContainerModel &Model, unsigned MaxCallDepth, MutationSummaries &Summaries)
      : Model(Model), MaxCallDepth(MaxCallDepth), Summaries(Summaries) {}

  /// A visible path from what \p Call runs to one of \p Erasers (member functions of \p LoopClass
  /// that change the container \p Field the loop walks).
  std::optional<ReentryPath> find(const ReentrantCall &Call, const clang::CXXRecordDecl *LoopClass,
                                  const clang::FieldDecl *Field, llvm::ArrayRef<ContainerEraser> Erasers,
                                  clang::ASTContext &Ctx);

  void clear() {
    Scanned = false;
    Records.clear();
    Handovers.clear();
  }

private:
  struct Handover {
    const clang::CallExpr *Call;
    const clang::LambdaExpr *Lambda;
  };
  /// The classes of the unit outside system headers, and the lambdas passed to calls there.
  void scan(clang::ASTContext &Ctx);
  /// The call in \p Fn's body (not in lambdas it creates) that reaches an eraser, directly or
  /// through functions with bodies, at most MaxCallDepth deep. A call on `this` of a function
  /// whose `this` is the element (\p ThisIsElement) changes the element's own container, not the
  /// looping object's.
  const clang::CallExpr *reaches(const clang::FunctionDecl *Fn, bool ThisIsElement,
                                 llvm::ArrayRef<ContainerEraser> Erasers, unsigned Depth,
                                 const ContainerEraser *&Reached);
  std::optional<ReentryPath> throughOverrides(const ReentrantCall &Call, llvm::ArrayRef<ContainerEraser> Erasers);
  std::optional<ReentryPath> throughLambdas(const ReentrantCall &Call, const clang::CXXRecordDecl *LoopClass,
                                            const clang::FieldDecl *Field, llvm::ArrayRef<ContainerEraser> Erasers,
                                            clang::ASTContext &Ctx);
  /// Whether \p Registrar keeps what it is given where the loop finds it: inserts into \p Field,
  /// or assigns \p HolderField.
  bool stores(const clang::FunctionDecl *Registrar, const clang::FieldDecl *Field, const clang::FieldDecl *HolderField,
              clang::ASTContext &Ctx);

  const ContainerModel &Model;
  unsigned MaxCallDepth;
  MutationSummaries &Summaries;
  llvm::DenseSet<std::pair<const clang::FunctionDecl *, unsigned>> Visited; // per find()
  bool Scanned = false;
  std::vector<const clang::CXXRecordDecl *> Records;
  std::vector<Handover> Handovers;
};

} // namespace mapguard

#endif
