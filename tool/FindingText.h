// The one text of a finding: its message and its notes, as a SARIF result shows it. The analysis
// keeps the smallest text of duplicate findings, so that every run and every merge of shards
// keeps the same one.
#ifndef MAPGUARD_TOOL_FINDINGTEXT_H
#define MAPGUARD_TOOL_FINDINGTEXT_H

#include "clang-tidy/ClangTidyDiagnosticConsumer.h"
#include <string>

namespace mapguard {

/// A result's message.text: the message, then its notes as links to the related locations.
std::string sarifMessageText(const clang::tidy::ClangTidyError &E);

} // namespace mapguard

#endif
