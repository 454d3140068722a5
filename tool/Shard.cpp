#include "Shard.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/xxhash.h"
#include <algorithm>

using namespace llvm;

namespace mapguard {

Expected<ShardSpec> parseShard(StringRef Text) {
  auto [K, N] = Text.split('/');
  ShardSpec Spec;
  if (K.getAsInteger(10, Spec.Index) || N.getAsInteger(10, Spec.Count) || Spec.Count == 0 || Spec.Index == 0 ||
      Spec.Index > Spec.Count)
    return createStringError(std::errc::invalid_argument,
                             "--shard=%s: expected K/N with 1 <= K <= N, as in --shard=2/4", Text.str().c_str());
  return Spec;
}

uint64_t estimatedUnitCost(StringRef File) {
  // Headers dominate a unit's parse; 64 KiB stands for them, so that small files still count.
  constexpr uint64_t HeadersEstimate = uint64_t{64} * 1024;
  uint64_t Size = 0;
  if (sys::fs::file_size(File, Size))
    Size = 0;
  return Size + HeadersEstimate;
}

std::vector<std::string> unitsOfShard(const std::vector<std::string> &Units, ShardSpec Shard, StringRef Root,
                                      function_ref<uint64_t(StringRef)> Cost) {
  struct Placed {
    uint64_t Hash;
    size_t Index;
    uint64_t Cost;
  };
  std::vector<Placed> Ring;
  uint64_t Total = 0;
  for (size_t I = 0; I < Units.size(); ++I) {
    StringRef Path = Units[I];
    if (!Root.empty() && Path.starts_with(Root) && Path.size() > Root.size() &&
        (Root.ends_with("/") || Path[Root.size()] == '/'))
      Path = Path.drop_front(Root.size()).ltrim('/');
    Ring.push_back({xxh3_64bits(Path), I, Cost(Units[I])});
    Total += Ring.back().Cost;
  }
  llvm::sort(Ring, [&](const Placed &A, const Placed &B) {
    return std::tie(A.Hash, Units[A.Index]) < std::tie(B.Hash, Units[B.Index]);
  });
  // A unit belongs to the arc that holds the middle of its cost.
  std::vector<bool> Mine(Units.size(), false);
  uint64_t Before = 0;
  for (const Placed &P : Ring) {
    long double Middle = static_cast<long double>(Before) + static_cast<long double>(P.Cost) / 2;
    auto Arc = static_cast<unsigned>(Middle * Shard.Count / static_cast<long double>(std::max<uint64_t>(Total, 1)));
    Mine[P.Index] = std::min(Arc, Shard.Count - 1) == Shard.Index - 1;
    Before += P.Cost;
  }
  std::vector<std::string> Result;
  for (size_t I = 0; I < Units.size(); ++I)
    if (Mine[I])
      Result.push_back(Units[I]);
  return Result;
}

} // namespace mapguard
