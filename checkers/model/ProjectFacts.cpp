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
         Throws == Other.Throws && Waits == Other.Waits;
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
}

void ProjectFacts::mergeExcept(const ProjectFacts &Other, const llvm::StringSet<> &Files) {
  for (const auto &[Usr, Facts] : Other.Functions)
    if (!Files.contains(Facts.File))
      add(Usr, Facts);
}

std::string ProjectFacts::digestOf(llvm::ArrayRef<std::string> Usrs) const {
  llvm::SHA1 Hash;
  bool Any = false;
  for (const std::string &Usr : Usrs)
    // A body that hands nothing over and throws nothing is what a unit assumes of a body it
    // cannot see (unless a name says otherwise, which its first look already used).
    if (const FunctionFacts *Facts = find(Usr);
        Facts && (!Facts->Deferred.empty() || !Facts->Concurrent.empty() || Facts->Throws || Facts->Waits)) {
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
  return Facts;
}

llvm::json::Value ProjectFacts::toJson() const {
  llvm::json::Object Out;
  for (const auto &[Usr, Facts] : Functions)
    Out[Usr] = fromFacts(Facts);
  return Out;
}

std::optional<ProjectFacts> ProjectFacts::fromJson(const llvm::json::Value &Value) {
  const llvm::json::Object *Object = Value.getAsObject();
  if (!Object)
    return std::nullopt;
  ProjectFacts Result;
  for (const auto &[Usr, Entry] : *Object) {
    std::optional<FunctionFacts> Facts = toFacts(Entry);
    if (!Facts)
      return std::nullopt;
    Result.add(Usr.str(), std::move(*Facts));
  }
  return Result;
}

std::string ProjectFacts::serialize() const {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  // llvm::json prints an object's keys sorted: the same facts make the same file.
  OS << llvm::formatv("{0:1}", llvm::json::Value(
                                   llvm::json::Object{{"mapguard-project-index", Version}, {"functions", toJson()}}))
     << '\n';
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
  const llvm::json::Value *Functions = Object->get("functions");
  std::optional<ProjectFacts> Facts = Functions ? fromJson(*Functions) : std::nullopt;
  if (!Facts)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "malformed mapguard project index");
  return std::move(*Facts);
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
