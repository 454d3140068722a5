// --format=json: the findings as plain JSON for scripts (schema in docs/cli.md).
#ifndef MAPGUARD_TOOL_JSONREPORT_H
#define MAPGUARD_TOOL_JSONREPORT_H

#include "Sarif.h"

namespace mapguard {

/// Findings (with notes and whether a fix exists) and failed units; with a baseline, each
/// finding says whether it is new.
std::string renderJson(const AnalysisResult &Result, const BaselineComparison *Baseline);

} // namespace mapguard

#endif
