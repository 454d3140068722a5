#include "model/ProjectFacts.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Index/USRGeneration.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA1.h"
#include "llvm/Support/raw_ostream.h"
#include <mutex>

using namespace clang;

namespace mapguard {

bool FunctionFacts::operator==(const FunctionFacts &Other) const {
  return Name == Other.Name && File == Other.File && Deferred == Other.Deferred && Concurrent == Other.Concurrent &&
         Throws == Other.Throws && Waits == Other.Waits &&
         (LockEffect ? Other.LockEffect && LockEffect->Action == Other.LockEffect->Action &&
                           LockEffect->Kind == Other.LockEffect->Kind
                     : !Other.LockEffect) &&
         GuardLocks == Other.GuardLocks;
}

bool FunctionFacts::tellsMore() const {
  return !Deferred.empty() || !Concurrent.empty() || Throws || Waits || LockEffect || GuardLocks;
}

const FunctionFacts *ProjectFacts::find(llvm::StringRef Usr) const {
  auto It = Functions.find(Usr.str());
  return It == Functions.end() ? nullptr : &It->second;
}

const FunctionFacts *ProjectFacts::ofUnseen(const FunctionDecl *Fn) const {
  if (!Fn || Fn->hasBody() || Functions.empty())
    return nullptr;
  if (Fn->getASTContext().getSourceManager().isInSystemHeader(Fn->getLocation()))
    return nullptr;
  std::string Usr = usrOf(Fn->getCanonicalDecl());
  return Usr.empty() ? nullptr : find(Usr);
}

void ProjectFacts::add(std::string Usr, FunctionFacts Facts) {
  auto [It, Inserted] = Functions.try_emplace(std::move(Usr), Facts);
  if (!Inserted && Facts.File < It->second.File)
    It->second = std::move(Facts);
}

void ProjectFacts::merge(const ProjectFacts &Other) {
  for (const auto &[Usr, Facts] : Other.Functions)
    add(Usr, Facts);
  for (const auto &[Usr, Tallies] : Other.Containers)
    for (const ContainerTally &Tally : Tallies)
      addTally(Usr, Tally);
}

void ProjectFacts::mergeExcept(const ProjectFacts &Other, const llvm::StringSet<> &Files) {
  for (const auto &[Usr, Facts] : Other.Functions)
    if (!Files.contains(Facts.File))
      add(Usr, Facts);
  for (const auto &[Usr, Tallies] : Other.Containers)
    for (const ContainerTally &Tally : Tallies)
      if (!Files.contains(Tally.File))
        addTally(Usr, Tally);
}

std::string ProjectFacts::digestOf(llvm::ArrayRef<std::string> Usrs, llvm::ArrayRef<std::string> LockUsrs) const {
  llvm::SHA1 Hash;
  bool Any = false;
  std::map<llvm::StringRef, bool> Asked; // sorted; whether all its facts count, or its lock facts
  for (const std::string &Usr : LockUsrs)
    Asked.try_emplace(Usr, false);
  for (const std::string &Usr : Usrs)
    Asked[Usr] = true;
  for (const auto &[Usr, AllFacts] : Asked)
    // A body that hands nothing over, throws nothing and locks nothing is what a unit assumes of
    // a body it cannot see (unless a name says otherwise, which its first look already used).
    if (const FunctionFacts *Facts = find(Usr);
        Facts && (AllFacts ? Facts->tellsMore() : Facts->LockEffect || Facts->GuardLocks)) {
      Any = true;
      std::string Text;
      llvm::raw_string_ostream OS(Text);
      OS << Usr << '\n' << fromFacts(*Facts) << '\n';
      Hash.update(Text);
    }
  return Any ? llvm::toHex(Hash.final()) : std::string();
}

llvm::json::Value ProjectFacts::fromFacts(const FunctionFacts &Facts) {
  llvm::json::Array Deferred, Concurrent;
  for (const auto &[Index, NewThread] : Facts.Deferred)
    Deferred.push_back(llvm::json::Array{int64_t(Index), NewThread});
  for (unsigned Index : Facts.Concurrent)
    Concurrent.push_back(int64_t(Index));
  llvm::json::Object Object{{"name", Facts.Name}, {"file", Facts.File}};
  if (!Deferred.empty())
    Object["deferred"] = std::move(Deferred);
  if (!Concurrent.empty())
    Object["concurrent"] = std::move(Concurrent);
  if (Facts.Throws)
    Object["throws"] = *Facts.Throws;
  if (Facts.Waits)
    Object["waits"] = true;
  if (Facts.LockEffect)
    Object["lock"] = Facts.LockEffect->Action == LockAction::Unlock ? "unlock"
                     : Facts.LockEffect->Kind == LockKind::Shared   ? "shared"
                                                                    : "exclusive";
  if (Facts.GuardLocks)
    Object["guard"] = *Facts.GuardLocks == LockKind::Shared ? "shared" : "exclusive";
  return Object;
}

std::optional<FunctionFacts> ProjectFacts::toFacts(const llvm::json::Value &Value) {
  const llvm::json::Object *Object = Value.getAsObject();
  if (!Object)
    return std::nullopt;
  FunctionFacts Facts;
  auto Name = Object->getString("name");
  auto File = Object->getString("file");
  if (!Name || !File)
    return std::nullopt;
  Facts.Name = Name->str();
  Facts.File = File->str();
  if (const llvm::json::Array *Deferred = Object->getArray("deferred"))
    for (const llvm::json::Value &Entry : *Deferred) {
      const llvm::json::Array *Pair = Entry.getAsArray();
      std::optional<int64_t> Index = Pair && Pair->size() == 2 ? (*Pair)[0].getAsInteger() : std::nullopt;
      std::optional<bool> NewThread = Pair && Pair->size() == 2 ? (*Pair)[1].getAsBoolean() : std::nullopt;
      if (!Index || !NewThread)
        return std::nullopt;
      Facts.Deferred.emplace_back(unsigned(*Index), *NewThread);
    }
  if (const llvm::json::Array *Concurrent = Object->getArray("concurrent"))
    for (const llvm::json::Value &Entry : *Concurrent) {
      if (!Entry.getAsInteger())
        return std::nullopt;
      Facts.Concurrent.push_back(unsigned(*Entry.getAsInteger()));
    }
  if (auto Throws = Object->getString("throws"))
    Facts.Throws = Throws->str();
  Facts.Waits = Object->getBoolean("waits").value_or(false);
  if ((Object->get("lock") && !Object->getString("lock")) || (Object->get("guard") && !Object->getString("guard")))
    return std::nullopt;
  if (auto Lock = Object->getString("lock")) {
    if (*Lock == "unlock")
      Facts.LockEffect = LockModel::Role{LockAction::Unlock, LockKind::Exclusive};
    else if (*Lock == "exclusive" || *Lock == "shared")
      Facts.LockEffect = LockModel::Role{LockAction::Lock, *Lock == "shared" ? LockKind::Shared : LockKind::Exclusive};
    else
      return std::nullopt;
  }
  if (auto Guard = Object->getString("guard")) {
    if (*Guard != "exclusive" && *Guard != "shared")
      return std::nullopt;
    Facts.GuardLocks = *Guard == "shared" ? LockKind::Shared : LockKind::Exclusive;
  }
  return Facts;
}

llvm::json::Object ProjectFacts::toJson() const {
  llvm::json::Object Out, OutContainers;
  for (const auto &[Usr, Facts] : Functions)
    Out[Usr] = fromFacts(Facts);
  for (const auto &[Usr, Tallies] : Containers) {
    llvm::json::Array Array;
    for (const ContainerTally &Tally : Tallies)
      Array.push_back(fromTally(Tally));
    OutContainers[Usr] = std::move(Array);
  }
  llvm::json::Object Result{{"functions", std::move(Out)}};
  if (!OutContainers.empty())
    Result["containers"] = std::move(OutContainers);
  return Result;
}

std::optional<ProjectFacts> ProjectFacts::fromJson(const llvm::json::Object &Object) {
  const llvm::json::Object *Entries = Object.getObject("functions");
  if (!Entries)
    return std::nullopt;
  ProjectFacts Result;
  for (const auto &[Usr, Entry] : *Entries) {
    std::optional<FunctionFacts> Facts = toFacts(Entry);
    if (!Facts)
      return std::nullopt;
    Result.add(Usr.str(), std::move(*Facts));
  }
  if (const llvm::json::Object *Tallies = Object.getObject("containers"))
    for (const auto &[Usr, Entry] : *Tallies) {
      const llvm::json::Array *Array = Entry.getAsArray();
      if (!Array)
        return std::nullopt;
      for (const llvm::json::Value &Value : *Array) {
        std::optional<ContainerTally> Tally = toTally(Value);
        if (!Tally)
          return std::nullopt;
        Result.addTally(Usr.str(), std::move(*Tally));
      }
    }
  return Result;
}

llvm::json::Value ProjectFacts::fromTally(const ContainerTally &Tally) {
  llvm::json::Object Held;
  for (const auto &[Mutex, At] : Tally.HeldAt)
    Held[Mutex] = llvm::json::Array{int64_t(At.At), At.Taken};
  llvm::json::Object Object{{"name", Tally.Name}, {"file", Tally.File}, {"counted", int64_t(Tally.Counted)}};
  if (Tally.Written)
    Object["written"] = true;
  if (!Held.empty())
    Object["held"] = std::move(Held);
  return Object;
}

std::optional<ContainerTally> ProjectFacts::toTally(const llvm::json::Value &Value) {
  const llvm::json::Object *Object = Value.getAsObject();
  auto Name = Object ? Object->getString("name") : std::nullopt;
  auto File = Object ? Object->getString("file") : std::nullopt;
  auto Counted = Object ? Object->getInteger("counted") : std::nullopt;
  if (!Name || !File || !Counted || *Counted < 0)
    return std::nullopt;
  ContainerTally Tally;
  Tally.Name = Name->str();
  Tally.File = File->str();
  Tally.Counted = unsigned(*Counted);
  Tally.Written = Object->getBoolean("written").value_or(false);
  if (const llvm::json::Object *Held = Object->getObject("held"))
    for (const auto &[Mutex, Entry] : *Held) {
      const llvm::json::Array *Pair = Entry.getAsArray();
      std::optional<int64_t> At = Pair && Pair->size() == 2 ? (*Pair)[0].getAsInteger() : std::nullopt;
      std::optional<bool> Taken = Pair && Pair->size() == 2 ? (*Pair)[1].getAsBoolean() : std::nullopt;
      if (!At || *At < 0 || !Taken)
        return std::nullopt;
      Tally.HeldAt[Mutex.str()] = {unsigned(*At), *Taken};
    }
  return Tally;
}

bool ContainerTally::operator==(const ContainerTally &Other) const {
  return Name == Other.Name && File == Other.File && Counted == Other.Counted && Written == Other.Written &&
         HeldAt == Other.HeldAt;
}

void ProjectFacts::addTally(const std::string &Usr, ContainerTally Tally) {
  std::vector<ContainerTally> &Tallies = Containers[Usr];
  auto At = llvm::partition_point(Tallies, [&](const ContainerTally &T) { return T.File < Tally.File; });
  if (At != Tallies.end() && At->File == Tally.File)
    *At = std::move(Tally);
  else
    Tallies.insert(At, std::move(Tally));
}

llvm::SmallVector<const ContainerTally *, 2> ProjectFacts::talliesElsewhere(llvm::StringRef Usr,
                                                                            llvm::StringRef File) const {
  llvm::SmallVector<const ContainerTally *, 2> Result;
  auto It = Containers.find(Usr.str());
  if (It != Containers.end())
    for (const ContainerTally &Tally : It->second)
      if (Tally.File != File)
        Result.push_back(&Tally);
  return Result;
}

std::string ProjectFacts::digestOfTallies(const ProjectFacts &Own) const {
  llvm::SHA1 Hash;
  bool Any = false;
  for (const auto &[Usr, OwnTallies] : Own.Containers)
    for (const ContainerTally &Mine : OwnTallies) {
      llvm::SmallVector<const ContainerTally *, 2> Others = talliesElsewhere(Usr, Mine.File);
      bool Locked = !Mine.HeldAt.empty() ||
                    llvm::any_of(Others, [](const ContainerTally *Other) { return !Other->HeldAt.empty(); });
      if (Others.empty() || !Locked)
        continue;
      Any = true;
      std::string Text;
      llvm::raw_string_ostream OS(Text);
      OS << Usr << '\n';
      for (const ContainerTally *Other : Others)
        OS << fromTally(*Other) << '\n';
      Hash.update(Text);
    }
  return Any ? llvm::toHex(Hash.final()) : std::string();
}

std::string ProjectFacts::serialize() const {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  // llvm::json prints an object's keys sorted: the same facts make the same file.
  llvm::json::Object Object = toJson();
  Object["mapguard-project-index"] = Version;
  OS << llvm::formatv("{0:1}", llvm::json::Value(std::move(Object))) << '\n';
  return Text;
}

llvm::Expected<ProjectFacts> ProjectFacts::parse(llvm::StringRef Text) {
  llvm::Expected<llvm::json::Value> Value = llvm::json::parse(Text);
  if (!Value)
    return Value.takeError();
  const llvm::json::Object *Object = Value->getAsObject();
  std::optional<int64_t> FileVersion = Object ? Object->getInteger("mapguard-project-index") : std::nullopt;
  if (!FileVersion || *FileVersion != Version)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "not a mapguard project index of version %d",
                                   int(Version));
  std::optional<ProjectFacts> Facts = fromJson(*Object);
  if (!Facts)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "malformed mapguard project index");
  return std::move(*Facts);
}

std::string unitFileOf(const ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  OptionalFileEntryRef Main = SM.getFileEntryRefForID(SM.getMainFileID());
  if (!Main)
    return "";
  llvm::SmallString<256> Path(Main->getName());
  SM.getFileManager().makeAbsolutePath(Path);
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return Path.str().str();
}

std::string usrOf(const Decl *D) {
  llvm::SmallString<128> Usr;
  if (!D || index::generateUSRForDecl(D, Usr))
    return "";
  return Usr.str().str();
}

namespace {
thread_local FactsRequest *Current = nullptr;
// A check's configured index, for the unit on this thread (the editors): set when a check is created.
thread_local FactsRequest Configured;
} // namespace

namespace {
thread_local FactsAskedRecording *Recording = nullptr;
} // namespace

FactsAskedRecording::FactsAskedRecording() : Previous(Recording) { Recording = this; }
FactsAskedRecording::~FactsAskedRecording() { Recording = Previous; }

void noteFactsAsked(const FunctionDecl *Fn) {
  if (!Recording)
    return;
  if (std::string Usr = usrOf(Fn->getCanonicalDecl()); !Usr.empty())
    Recording->Usrs.insert(std::move(Usr));
}

FactsScope::FactsScope(FactsRequest &Request) : Previous(Current) { Current = &Request; }
FactsScope::~FactsScope() { Current = Previous; }

FactsRequest *factsRequest() { return Current ? Current : (Configured.Index ? &Configured : nullptr); }

const ProjectFacts *projectFacts() {
  FactsRequest *Request = factsRequest();
  return Request ? Request->Index.get() : nullptr;
}

std::shared_ptr<const ProjectFacts> loadProjectIndex(llvm::StringRef Path) {
  llvm::sys::fs::file_status Status;
  if (Path.empty() || llvm::sys::fs::status(Path, Status) || !llvm::sys::fs::is_regular_file(Status))
    return nullptr;
  static std::mutex Mutex;
  static std::map<std::string, std::pair<llvm::sys::TimePoint<>, std::shared_ptr<const ProjectFacts>>> Loaded;
  std::lock_guard<std::mutex> Lock(Mutex);
  auto &[Modified, Facts] = Loaded[Path.str()];
  if (Facts && Modified == Status.getLastModificationTime())
    return Facts;
  Facts = nullptr;
  Modified = Status.getLastModificationTime();
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return nullptr;
  llvm::Expected<ProjectFacts> Parsed = ProjectFacts::parse((*Buffer)->getBuffer());
  if (!Parsed) {
    llvm::consumeError(Parsed.takeError()); // a stale or foreign file: per-unit behaviour
    return nullptr;
  }
  Facts = std::make_shared<const ProjectFacts>(std::move(*Parsed));
  return Facts;
}

void configureProjectIndex(llvm::StringRef ConfiguredPath, llvm::StringRef BuildDirectory, llvm::StringRef MainFile) {
  if (Current)
    return; // the CLI decides
  llvm::SmallString<256> Path;
  if (!ConfiguredPath.empty()) {
    if (llvm::sys::path::is_relative(ConfiguredPath))
      Path = BuildDirectory;
    llvm::sys::path::append(Path, ConfiguredPath);
    Configured.Index = loadProjectIndex(Path);
    return;
  }
  Configured.Index = nullptr;
  auto TryIn = [&](llvm::StringRef Dir, llvm::StringRef Sub) {
    Path = Dir;
    llvm::sys::path::append(Path, Sub, ProjectIndexFileName);
    return (Configured.Index = loadProjectIndex(Path)) != nullptr;
  };
  // clang-tidy: the compile command's directory, up to the database's.
  for (llvm::StringRef Dir = BuildDirectory; !Dir.empty(); Dir = llvm::sys::path::parent_path(Dir)) {
    if (TryIn(Dir, ""))
      return;
    Path = Dir;
    llvm::sys::path::append(Path, "compile_commands.json");
    if (llvm::sys::fs::exists(Path))
      return; // the database's own directory is as far as a build's index can be
  }
  // clangd, which has no build directory here: where it looks for the database, the file's
  // directories and their build/ subdirectories.
  if (BuildDirectory.empty())
    for (llvm::StringRef Dir = llvm::sys::path::parent_path(MainFile); !Dir.empty();
         Dir = llvm::sys::path::parent_path(Dir))
      if (TryIn(Dir, "") || TryIn(Dir, "build"))
        return;
}

} // namespace mapguard
