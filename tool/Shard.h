// --shard K/N: one of N parts of a run, for CI matrices. Every shard sees the same database and
// computes the same split, so the N parts cover each unit exactly once.
#ifndef MAPGUARD_TOOL_SHARD_H
#define MAPGUARD_TOOL_SHARD_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mapguard {

struct ShardSpec {
  unsigned Index = 1; // K, from 1
  unsigned Count = 1; // N
};

/// "K/N" with 1 <= K <= N.
llvm::Expected<ShardSpec> parseShard(llvm::StringRef Text);

/// The units of shard \p Shard, in their given order. Units are placed on a ring by a hash of
/// their path (relative to \p Root when inside it, so that checkouts at different places agree),
/// and the ring is cut into N arcs of equal estimated cost (\p Cost of each unit): a unit added or
/// removed moves only units next to a cut.
std::vector<std::string> unitsOfShard(const std::vector<std::string> &Units, ShardSpec Shard, llvm::StringRef Root,
                                      llvm::function_ref<uint64_t(llvm::StringRef)> Cost);

/// The estimated cost of analysing a unit: its main file's size plus what a typical unit's
/// headers add.
uint64_t estimatedUnitCost(llvm::StringRef File);

} // namespace mapguard

#endif
