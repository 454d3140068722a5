// `mapguard annotate` (issue 26): turns the guards the analysis inferred into annotations the
// compiler enforces. The checks plan each container's annotation in the unit that sees it
// (checkers/analysis/GuardAnnotations.h); the run gathers the plans (SeenReport.h, where a plan
// some unit could not write is left out), prints them, and writes them as one
// clang-apply-replacements file or applies them to the sources.
#ifndef MAPGUARD_TOOL_ANNOTATE_H
#define MAPGUARD_TOOL_ANNOTATE_H

#include "SeenReport.h"
#include "llvm/Support/Error.h"

namespace mapguard {

struct AnnotateRequest {
  std::string ExportFixes; // write the edits here as clang-apply-replacements YAML
  bool Apply = false;      // insert them into the sources
  bool Hint = true;        // say how to write them when neither is asked
};

/// Prints each container with an inferred guard, with its annotations or why they are left out,
/// and a summary; then exports or applies the edits.
llvm::Error annotate(const WhatWasSeen &Seen, const AnnotateRequest &Request, llvm::raw_ostream &OS);

} // namespace mapguard

#endif
