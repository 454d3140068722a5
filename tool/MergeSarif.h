// `mapguard merge-sarif`: the SARIF logs of the shards of one run (--shard K/N) merged into the
// log that one run over all the units writes, byte for byte.
#ifndef MAPGUARD_TOOL_MERGESARIF_H
#define MAPGUARD_TOOL_MERGESARIF_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <string>

namespace mapguard {

struct SarifInput {
  std::string Name; // for messages: the file it came from
  std::string Text;
};

/// One log from several mapguard logs of the same version and source root: one run object, the
/// results of all (a finding in a header that several shards report, once), the notifications of
/// all, in the order and with the fingerprints one run would give them. Results a --baseline run
/// marked absent are dropped (each shard would mark the others' findings absent).
/// With \p SourceRoot, the logs may come from different places (Bazel's sandboxes, checkouts
/// elsewhere): their relative URIs are taken as relative to it, and it is the merged log's
/// %SRCROOT% (left undefined, for the reader to supply, when empty).
llvm::Expected<std::string> mergeSarifLogs(llvm::ArrayRef<SarifInput> Logs,
                                           const std::optional<std::string> &SourceRoot = std::nullopt);

/// The subcommand: `mapguard merge-sarif a.sarif b.sarif ... -o all.sarif` (or to stdout).
int mergeSarifMain(int Argc, const char **Argv);

} // namespace mapguard

#endif
