// One unit's part of the project index (model/ProjectFacts.h): the facts of the functions its main
// file defines for the other units to use, and the functions it calls without their bodies whose
// facts could change its own findings. Reported, when the CLI asks, as a remark the CLI takes out
// of the findings (it travels with the unit's diagnostics, through worker processes and the
// result cache, as WhatWasSeen's does).
#ifndef MAPGUARD_CHECKERS_ANALYSIS_UNITFACTS_H
#define MAPGUARD_CHECKERS_ANALYSIS_UNITFACTS_H

#include "analysis/GuardInference.h"
#include "model/ModelOptions.h"
#include "model/ProjectFacts.h"
#include "clang/AST/ASTContext.h"

namespace mapguard {

/// The prefix of the remark that carries a unit's facts.
inline constexpr llvm::StringLiteral UnitFactsPrefix = "mapguard-facts ";

struct UnitFacts {
  ProjectFacts Defined;               // the functions the unit defines, as the others see them
  std::vector<std::string> Needs;     // USRs of functions it calls and cannot read, whose facts it would use
  std::vector<std::string> LockNeeds; // ... and of those whose lock facts the lock model looked up
};

/// What \p Ctx's main file defines and needs, read with the models \p Models configures:
/// externally visible functions with a callable parameter (whether and how they hand it over) or
/// that may throw; as needs, calls of unseen functions with a callable parameter, and, in a unit
/// that locks by hand, calls of unseen functions that may throw.
/// With \p Inference (the unit's guard inference, analysed), also its container tallies.
UnitFacts collectUnitFacts(clang::ASTContext &Ctx, const ModelOptions &Models,
                           const GuardInference *Inference = nullptr);

/// The remark's text: {"functions": {...}, "needs": [usr], "lockNeeds": [usr]}.
std::string unitFactsJson(const UnitFacts &Facts);
std::optional<UnitFacts> parseUnitFacts(llvm::StringRef Json);

/// The remark's text for \p Ctx's unit, once per unit, when the CLI asks for its facts; none otherwise.
std::optional<std::string> unitFactsToReport(clang::ASTContext &Ctx, const ModelOptions &Models,
                                             const GuardInference *Inference = nullptr);

} // namespace mapguard

#endif
