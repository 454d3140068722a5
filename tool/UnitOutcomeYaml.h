// A unit's outcome as text: what a worker process hands its parent and what the result cache
// keeps. clang-tidy's diagnostics YAML, plus the counters and whether the unit crashed.
#ifndef MAPGUARD_TOOL_UNITOUTCOMEYAML_H
#define MAPGUARD_TOOL_UNITOUTCOMEYAML_H

#include "Analysis.h"
#include <optional>

namespace mapguard {

std::string serializeOutcome(const UnitOutcome &Outcome);

/// The outcome serializeOutcome wrote; nothing when the text is not one.
std::optional<UnitOutcome> parseOutcome(llvm::StringRef Text);

} // namespace mapguard

#endif
