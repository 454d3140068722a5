#include "ResultCache.h"

#include "UnitOutcomeYaml.h"
#include "clang-tidy/ClangTidyOptions.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/BLAKE3.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include <algorithm>
#include <cstring>
#include <elf.h>
#include <link.h>

using namespace llvm;

namespace mapguard {
namespace {

/// Bumped when the entries' layout or meaning changes; older entries are then never read.
constexpr StringLiteral FormatVersion = "v1";
/// Entries kept under one key: the same unit as several branches or configurations leave it.
constexpr size_t EntriesPerKey = 4;

std::string hashText(BLAKE3 &Hasher) {
  BLAKE3Result<16> Digest = Hasher.final<16>();
  return toHex(ArrayRef<uint8_t>(Digest), /*LowerCase=*/true);
}

std::optional<FileAccessLog::Version> versionOf(const Twine &Path) {
  sys::fs::file_status Status;
  if (sys::fs::status(Path, Status))
    return std::nullopt;
  return FileAccessLog::Version{Status.getSize(), Status.getLastModificationTime()};
}

/// Libraries whose code decides the analysis: mapguard's own and clang's and LLVM's. Others (the
/// C library, the kernel's vDSO) change with the machine, not with what mapguard reports.
bool decidesTheAnalysis(StringRef LoadedName) {
  StringRef Name = sys::path::filename(LoadedName);
  return LoadedName.empty() || Name.contains("clang") || Name.contains("LLVM") || Name.contains("mapguard");
}

int collectBuildIds(dl_phdr_info *Info, size_t, void *Ids) {
  if (!decidesTheAnalysis(Info->dlpi_name ? Info->dlpi_name : ""))
    return 0;
  for (int I = 0; I < Info->dlpi_phnum; ++I) {
    const ElfW(Phdr) &Header = Info->dlpi_phdr[I];
    if (Header.p_type != PT_NOTE)
      continue;
    // The loader hands out the load address as an integer; the note is mapped at it.
    // NOLINTNEXTLINE(performance-no-int-to-ptr)
    const char *Note = reinterpret_cast<const char *>(Info->dlpi_addr + Header.p_vaddr);
    const char *End = Note + Header.p_memsz;
    while (Note + sizeof(ElfW(Nhdr)) <= End) {
      const auto *Head = reinterpret_cast<const ElfW(Nhdr) *>(Note);
      const char *Name = Note + sizeof(ElfW(Nhdr));
      const char *Desc = Name + alignTo(Head->n_namesz, 4);
      if (Head->n_type == NT_GNU_BUILD_ID && Head->n_namesz == 4 && std::memcmp(Name, "GNU", 4) == 0)
        *static_cast<std::string *>(Ids) += toHex(StringRef(Desc, Head->n_descsz), true) + ",";
      Note = Desc + alignTo(Head->n_descsz, 4);
    }
  }
  return 0;
}

} // namespace

std::string defaultCacheDirectory() {
  if (std::optional<std::string> Xdg = sys::Process::GetEnv("XDG_CACHE_HOME"); Xdg && !Xdg->empty())
    return (Twine(*Xdg) + "/mapguard").str();
  if (std::optional<std::string> Home = sys::Process::GetEnv("HOME"); Home && !Home->empty())
    return (Twine(*Home) + "/.cache/mapguard").str();
  return "";
}

std::optional<uint64_t> parseByteSize(StringRef Text) {
  uint64_t Unit = 1;
  if (!Text.empty()) {
    switch (toUpper(Text.back())) {
    case 'K':
      Unit = uint64_t(1) << 10;
      break;
    case 'M':
      Unit = uint64_t(1) << 20;
      break;
    case 'G':
      Unit = uint64_t(1) << 30;
      break;
    default:
      break;
    }
  }
  if (Unit != 1)
    Text = Text.drop_back();
  uint64_t Number = 0;
  if (Text.getAsInteger(10, Number) || Number > UINT64_MAX / Unit)
    return std::nullopt;
  return Number * Unit;
}

std::string buildIdentity() {
  static const std::string Identity = [] {
    std::string Ids;
    dl_iterate_phdr(collectBuildIds, &Ids);
#ifdef MAPGUARD_TESTING_HOOKS
    // Tests stand for a rebuilt mapguard with another identity.
    if (std::optional<std::string> Other = sys::Process::GetEnv("MAPGUARD_TEST_BUILD_ID"))
      Ids += *Other;
#endif
    if (Ids.empty()) { // linked without build ids: the executable's own size and time
      static int InThisExecutable;
      std::string Self = sys::fs::getMainExecutable(nullptr, &InThisExecutable);
      if (std::optional<FileAccessLog::Version> V = versionOf(Self))
        Ids = Self + ":" + std::to_string(V->Size) + ":" + std::to_string(V->Modified.time_since_epoch().count());
    }
    return Ids;
  }();
  return Identity;
}

Expected<std::unique_ptr<ResultCache>> ResultCache::open(CacheSettings Settings, std::string RunSalt) {
  SmallString<256> Dir(Settings.Directory);
  if (std::error_code EC = sys::fs::make_absolute(Dir))
    return createStringError(EC, "cannot resolve '%s': %s", Settings.Directory.c_str(), EC.message().c_str());
  sys::path::append(Dir, FormatVersion);
  if (std::error_code EC = sys::fs::create_directories(Dir))
    return createStringError(EC, "cannot create '%s': %s", Dir.c_str(), EC.message().c_str());
  Settings.Directory = std::string(Dir);
  return std::unique_ptr<ResultCache>(new ResultCache(std::move(Settings), std::move(RunSalt)));
}

std::string ResultCache::keyOf(const clang::tooling::CompilationDatabase &Db, const std::string &File,
                               const OptionsProviderFactory &MakeOptions, const FactsUse &Facts) const {
  BLAKE3 Hasher;
  auto Add = [&](StringRef Part) {
    Hasher.update(Part);
    Hasher.update(StringRef("\0", 1));
  };
  Add(FormatVersion);
  Add(buildIdentity());
  Add(Salt);
  Add(File);
  for (const clang::tooling::CompileCommand &Command : Db.getCompileCommands(File)) {
    Add(Command.Directory);
    Add(Command.Filename);
    for (const std::string &Argument : Command.CommandLine)
      Add(Argument);
    Add("\n");
  }
  // The configuration the unit's analysis will use (.clang-tidy files merged with the command line).
  Add(clang::tidy::configurationAsText(MakeOptions(vfs::getRealFileSystem())->getOptions(File)));
  Add(Facts.cacheKeySuffix());
  return hashText(Hasher);
}

std::string ResultCache::entryPath(StringRef Key) const {
  SmallString<256> Path(Settings.Directory);
  sys::path::append(Path, Key.take_front(2), Key);
  return std::string(Path);
}

std::optional<std::string>
ResultCache::hashOnce(llvm::StringMap<std::pair<FileAccessLog::Version, std::string>> &Hashes, const std::string &Path,
                      llvm::function_ref<std::optional<std::string>()> Compute) {
  std::optional<FileAccessLog::Version> Now = versionOf(Path);
  if (!Now)
    return std::nullopt;
  {
    std::lock_guard<std::mutex> Lock(Memo);
    auto It = Hashes.find(Path);
    if (It != Hashes.end() && It->second.first == *Now)
      return It->second.second;
  }
  std::optional<std::string> Hash = Compute();
  if (Hash) {
    std::lock_guard<std::mutex> Lock(Memo);
    Hashes[Path] = {*Now, *Hash};
  }
  return Hash;
}

std::optional<std::string> ResultCache::contentHash(const std::string &Path) {
  return hashOnce(FileHashes, Path, [&]() -> std::optional<std::string> {
    auto Buffer = MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!Buffer)
      return std::nullopt;
    BLAKE3 Hasher;
    Hasher.update((*Buffer)->getBuffer());
    return hashText(Hasher);
  });
}

std::optional<std::string> ResultCache::listingHash(const std::string &Dir) {
  return hashOnce(DirHashes, Dir, [&]() -> std::optional<std::string> {
    std::vector<std::string> Names;
    std::error_code EC;
    for (sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC))
      Names.push_back(sys::path::filename(It->path()).str());
    if (EC)
      return std::nullopt;
    llvm::sort(Names);
    BLAKE3 Hasher;
    for (const std::string &Name : Names) {
      Hasher.update(Name);
      Hasher.update(StringRef("\0", 1));
    }
    return hashText(Hasher);
  });
}

bool ResultCache::exists(const std::string &Path) {
  {
    std::lock_guard<std::mutex> Lock(Memo);
    auto It = Existing.find(Path);
    if (It != Existing.end())
      return It->second;
  }
  bool Exists = sys::fs::exists(Path);
  std::lock_guard<std::mutex> Lock(Memo);
  Existing[Path] = Exists;
  return Exists;
}

bool ResultCache::holds(const json::Object &Entry) {
  const json::Array *Read = Entry.getArray("read");
  const json::Array *Found = Entry.getArray("found");
  const json::Object *Missing = Entry.getObject("missing");
  const json::Array *Listed = Entry.getArray("listed");
  if (!Read || !Found || !Missing || !Listed)
    return false;
  auto PathAndHash = [](const json::Value &V) -> std::optional<std::pair<std::string, std::string>> {
    const json::Array *Pair = V.getAsArray();
    if (!Pair || Pair->size() != 2 || !(*Pair)[0].getAsString() || !(*Pair)[1].getAsString())
      return std::nullopt;
    return std::make_pair((*Pair)[0].getAsString()->str(), (*Pair)[1].getAsString()->str());
  };
  for (const json::Value &V : *Read) {
    auto File = PathAndHash(V);
    if (!File || contentHash(File->first) != File->second)
      return false;
  }
  for (const json::Value &V : *Found)
    if (!V.getAsString() || !exists(V.getAsString()->str()))
      return false;
  for (const auto &[Dir, Names] : *Missing) {
    const json::Array *List = Names.getAsArray();
    if (!List)
      return false;
    for (const json::Value &Name : *List) {
      SmallString<256> Path(Dir.str());
      sys::path::append(Path, Name.getAsString().value_or(""));
      if (!Name.getAsString() || exists(std::string(Path)))
        return false;
    }
  }
  for (const json::Value &V : *Listed) {
    auto Dir = PathAndHash(V);
    if (!Dir || listingHash(Dir->first) != Dir->second)
      return false;
  }
  return true;
}

std::optional<UnitOutcome> ResultCache::lookup(StringRef Key) {
  const std::string Path = entryPath(Key);
  auto Buffer = MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buffer)
    return std::nullopt;
  Expected<json::Value> Stored = json::parse((*Buffer)->getBuffer());
  if (!Stored) { // a damaged entry (a disk filled up, a foreign file) is a miss
    consumeError(Stored.takeError());
    return std::nullopt;
  }
  const json::Object *Root = Stored->getAsObject();
  const json::Array *Entries = Root ? Root->getArray("entries") : nullptr;
  if (!Entries)
    return std::nullopt;
  for (const json::Value &Entry : *Entries) {
    const json::Object *Facts = Entry.getAsObject();
    if (!Facts || !holds(*Facts))
      continue;
    std::optional<UnitOutcome> Outcome = parseOutcome(Facts->getString("outcome").value_or(""));
    if (!Outcome)
      continue;
    // Recently used: the last to go when the cache is trimmed.
    int FD = -1;
    if (!sys::fs::openFileForWrite(Path, FD, sys::fs::CD_OpenExisting, sys::fs::OF_Append)) {
      (void)sys::fs::setLastAccessAndModificationTime(FD, std::chrono::system_clock::now());
      (void)sys::Process::SafelyCloseFileDescriptor(FD);
    }
    return Outcome;
  }
  return std::nullopt;
}

void ResultCache::store(StringRef Key, const FileAccessLog &Reads, const UnitOutcome &Outcome) {
  if (Outcome.Status != UnitStatus::Completed)
    return;
  json::Array Read, Found, Listed;
  json::Object Missing;
  for (const auto &[Path, Version] : Reads.Read) {
    // Changed while the unit was analysed: what was found may not be what the file now says.
    if (versionOf(Path) != Version)
      return;
    std::optional<std::string> Hash = contentHash(Path);
    if (!Hash)
      return;
    Read.push_back(json::Array{Path, *Hash});
  }
  for (const std::string &Path : Reads.Found) {
    if (!sys::fs::exists(Path))
      return;
    Found.push_back(Path);
  }
  std::map<std::string, std::vector<std::string>> MissingByDir;
  for (const std::string &Path : Reads.Missing) {
    if (sys::fs::exists(Path))
      return;
    MissingByDir[sys::path::parent_path(Path).str()].push_back(sys::path::filename(Path).str());
  }
  for (auto &[Dir, Names] : MissingByDir)
    Missing[Dir] = json::Array(Names);
  for (const std::string &Dir : Reads.Listed) {
    std::optional<std::string> Hash = listingHash(Dir);
    if (!Hash)
      return;
    Listed.push_back(json::Array{Dir, *Hash});
  }
  json::Array Entries;
  Entries.push_back(json::Object{{"read", std::move(Read)},
                                 {"found", std::move(Found)},
                                 {"missing", std::move(Missing)},
                                 {"listed", std::move(Listed)},
                                 {"outcome", serializeOutcome(Outcome)}});
  const std::string Path = entryPath(Key);
  // The entries other runs left under this key stay, newest first; a concurrent writer's entry
  // may be lost (then that unit is analysed once more), never mixed with this one.
  if (auto Buffer = MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false)) {
    Expected<json::Value> Earlier = json::parse((*Buffer)->getBuffer());
    if (!Earlier)
      consumeError(Earlier.takeError());
    else if (json::Object *Root = Earlier->getAsObject())
      if (json::Array *Kept = Root->getArray("entries"))
        for (json::Value &Entry : *Kept)
          if (Entries.size() < EntriesPerKey)
            Entries.push_back(std::move(Entry));
  }
  if (sys::fs::create_directories(sys::path::parent_path(Path)))
    return;
  Error Written = writeToOutput(Path, [&](raw_ostream &OS) {
    OS << json::Value(json::Object{{"entries", std::move(Entries)}});
    return Error::success();
  });
  if (Written) // a full disk or a read-only cache costs the next run time, not this run's results
    consumeError(std::move(Written));
  else
    ++Stores;
}

void ResultCache::trim() {
  if (Stores == 0)
    return;
  struct Stored {
    std::string Path;
    uint64_t Size;
    sys::TimePoint<> Used;
  };
  std::vector<Stored> All;
  uint64_t Total = 0;
  std::error_code EC;
  for (sys::fs::recursive_directory_iterator It(Settings.Directory, EC), End; It != End && !EC; It.increment(EC)) {
    sys::fs::file_status Status;
    if (It->type() == sys::fs::file_type::directory_file || sys::fs::status(It->path(), Status))
      continue;
    All.push_back({It->path(), Status.getSize(), Status.getLastModificationTime()});
    Total += Status.getSize();
  }
  if (Total <= Settings.MaxBytes)
    return;
  llvm::sort(All, [](const Stored &A, const Stored &B) { return A.Used < B.Used; });
  for (const Stored &Entry : All) {
    if (Total <= Settings.MaxBytes)
      break;
    if (!sys::fs::remove(Entry.Path))
      Total -= Entry.Size;
  }
}

UnitOutcome analyzeAndStore(ResultCache &Cache, const clang::tooling::CompilationDatabase &Db, const std::string &File,
                            const OptionsProviderFactory &MakeOptions, const FactsUse &Facts) {
  std::string Key = Cache.keyOf(Db, File, MakeOptions, Facts);
  FileAccessLog Reads;
  UnitOutcome Outcome = analyzeUnit(Db, File, MakeOptions, &Reads, Facts);
  Cache.store(Key, Reads, Outcome);
  return Outcome;
}

UnitRunner cachedUnits(ResultCache &Cache, const clang::tooling::CompilationDatabase &Db,
                       const OptionsProviderFactory &MakeOptions, UnitRunner OnMiss) {
  return [&Cache, &Db, MakeOptions, OnMiss = std::move(OnMiss)](const std::string &File, const FactsUse &Facts) {
    if (!namedByTestingHooks(File))
      if (std::optional<UnitOutcome> Hit = Cache.lookup(Cache.keyOf(Db, File, MakeOptions, Facts))) {
        Cache.countHit(Facts.Index != nullptr);
        return std::move(*Hit);
      }
    if (OnMiss)
      return OnMiss(File, Facts);
    return analyzeAndStore(Cache, Db, File, MakeOptions, Facts);
  };
}

} // namespace mapguard
