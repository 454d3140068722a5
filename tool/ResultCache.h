// The result cache: a unit whose inputs are unchanged since an earlier run is not analysed again.
// A unit's key names what decides its analysis besides the files it reads (mapguard's build, its
// compile commands, its effective configuration); under the key are up to a few entries, each the
// files the analysis read (with their contents' hashes), the paths it looked up and did not find,
// the directories it listed, and the outcome. An entry whose every fact still holds is a hit, so
// an edited header re-analyses exactly the units that read it, and a header newly placed earlier
// on an include path re-analyses the units that looked for it there.
#ifndef MAPGUARD_TOOL_RESULTCACHE_H
#define MAPGUARD_TOOL_RESULTCACHE_H

#include "Analysis.h"
#include "FileAccessLog.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"
#include <atomic>
#include <mutex>

namespace mapguard {

struct CacheSettings {
  std::string Directory;
  uint64_t MaxBytes = uint64_t(1) << 30;
};

/// The default directory: $XDG_CACHE_HOME/mapguard, else $HOME/.cache/mapguard; empty if neither is set.
std::string defaultCacheDirectory();

/// "1G", "500M", "64K" or bytes; nothing when the text is not a size.
std::optional<uint64_t> parseByteSize(llvm::StringRef Text);

/// What identifies this mapguard build: the GNU build ids of the executable and of every library
/// loaded with it (clang and LLVM among them), so a rebuilt mapguard or an upgraded LLVM misses.
std::string buildIdentity();

class ResultCache {
public:
  /// \p RunSalt: what applies to every unit of the run and is not in a unit's configuration
  /// (the line filter).
  static llvm::Expected<std::unique_ptr<ResultCache>> open(CacheSettings Settings, std::string RunSalt);

  /// The key of \p File's analysis with \p Db's commands, the configuration \p MakeOptions gives
  /// it, and what it knows of the other units (the facts its calls name).
  std::string keyOf(const clang::tooling::CompilationDatabase &Db, const std::string &File,
                    const OptionsProviderFactory &MakeOptions, const FactsUse &Facts = {}) const;

  std::optional<UnitOutcome> lookup(llvm::StringRef Key);

  /// Keeps a completed unit's outcome with what its analysis read; a crashed or timed-out unit,
  /// or one whose inputs changed while it was analysed, is not kept.
  void store(llvm::StringRef Key, const FileAccessLog &Reads, const UnitOutcome &Outcome);

  /// Removes the least recently used entries until the cache fits its size.
  void trim();

  /// Units taken from the cache: in a run's first look, and in its second (with the project index).
  size_t hits() const { return Hits; }
  size_t secondLookHits() const { return SecondLookHits; }
  void countHit(bool SecondLook) { ++(SecondLook ? SecondLookHits : Hits); }

private:
  ResultCache(CacheSettings Settings, std::string Salt) : Settings(std::move(Settings)), Salt(std::move(Salt)) {}
  std::string entryPath(llvm::StringRef Key) const;
  /// \p Compute's hash of \p Path, computed once per version of it (size, modification time).
  std::optional<std::string> hashOnce(llvm::StringMap<std::pair<FileAccessLog::Version, std::string>> &Hashes,
                                      const std::string &Path,
                                      llvm::function_ref<std::optional<std::string>()> Compute);
  std::optional<std::string> contentHash(const std::string &Path);
  std::optional<std::string> listingHash(const std::string &Dir);
  bool exists(const std::string &Path);
  bool holds(const llvm::json::Object &Entry);

  CacheSettings Settings;
  std::string Salt;
  std::atomic<size_t> Hits{0}, SecondLookHits{0}, Stores{0};
  // Within one run a file's hash is computed once per version of it (size, modification time).
  std::mutex Memo;
  llvm::StringMap<std::pair<FileAccessLog::Version, std::string>> FileHashes;
  llvm::StringMap<std::pair<FileAccessLog::Version, std::string>> DirHashes;
  llvm::StringMap<bool> Existing;
};

/// Runs units through the cache: a hit is returned, a miss runs \p OnMiss (the unit in a worker,
/// which stores its own outcome) or, when it is empty, analyses the unit here and stores it.
UnitRunner cachedUnits(ResultCache &Cache, const clang::tooling::CompilationDatabase &Db,
                       const OptionsProviderFactory &MakeOptions, UnitRunner OnMiss);

/// Analyses one unit in this process and stores its outcome (a worker's side of the cache).
UnitOutcome analyzeAndStore(ResultCache &Cache, const clang::tooling::CompilationDatabase &Db, const std::string &File,
                            const OptionsProviderFactory &MakeOptions, const FactsUse &Facts);

} // namespace mapguard

#endif
