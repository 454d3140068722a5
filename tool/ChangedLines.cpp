#include "ChangedLines.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include <nlohmann/json.hpp>
#include <optional>

namespace mapguard {
namespace {

/// git's empty tree: what a first commit is compared against.
constexpr const char *EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

struct GitOutput {
  int Status = -1;
  std::string Out, Err;
};

llvm::Expected<GitOutput> runGit(llvm::ArrayRef<llvm::StringRef> Args) {
  auto Git = llvm::sys::findProgramByName("git");
  if (!Git)
    return llvm::createStringError(Git.getError(), "--diff needs git on the PATH");
  llvm::SmallString<128> OutPath, ErrPath;
  if (std::error_code EC = llvm::sys::fs::createTemporaryFile("mapguard-git", "out", OutPath))
    return llvm::errorCodeToError(EC);
  if (std::error_code EC = llvm::sys::fs::createTemporaryFile("mapguard-git", "err", ErrPath))
    return llvm::errorCodeToError(EC);
  std::vector<llvm::StringRef> Argv{*Git, "-c", "core.quotePath=false"};
  Argv.insert(Argv.end(), Args.begin(), Args.end());
  std::optional<llvm::StringRef> Redirects[] = {std::nullopt, llvm::StringRef(OutPath), llvm::StringRef(ErrPath)};
  GitOutput Result;
  Result.Status = llvm::sys::ExecuteAndWait(*Git, Argv, std::nullopt, Redirects);
  for (auto [Path, Text] : {std::pair{&OutPath, &Result.Out}, std::pair{&ErrPath, &Result.Err}}) {
    if (auto Buffer = llvm::MemoryBuffer::getFile(*Path))
      *Text = (*Buffer)->getBuffer().str();
    (void)llvm::sys::fs::remove(*Path);
  }
  return Result;
}

llvm::Expected<std::string> gitLine(llvm::ArrayRef<llvm::StringRef> Args, llvm::StringRef What) {
  auto Result = runGit(Args);
  if (!Result)
    return Result.takeError();
  if (Result->Status != 0)
    return llvm::createStringError(std::errc::invalid_argument, "%s: %s", What.str().c_str(),
                                   llvm::StringRef(Result->Err).trim().str().c_str());
  return llvm::StringRef(Result->Out).trim().str();
}

/// "b/dir/file.cpp" (or its quoted form) -> "dir/file.cpp".
llvm::StringRef diffPath(llvm::StringRef Path) {
  Path = Path.rtrim("\r\t ");
  if (Path.size() >= 2 && Path.front() == '"' && Path.back() == '"')
    Path = Path.drop_front().drop_back();
  return Path.starts_with("b/") ? Path.drop_front(2) : Path;
}

} // namespace

ChangedLines parseUnifiedDiff(llvm::StringRef Diff, llvm::StringRef RepoRoot) {
  ChangedLines Lines;
  Lines.Root = RepoRoot.str();
  std::string File;
  llvm::SmallVector<llvm::StringRef> DiffLines;
  Diff.split(DiffLines, '\n');
  bool InHeader = false; // between "diff --git" and the first hunk: an added line may start with "++ "
  for (llvm::StringRef Line : DiffLines) {
    if (Line.starts_with("diff --git ")) {
      InHeader = true;
      File.clear();
      continue;
    }
    if (InHeader && Line.consume_front("+++ ")) {
      File.clear();
      if (Line.trim() == "/dev/null") // a deleted file has no lines to report
        continue;
      File = diffPath(Line).str();
      continue;
    }
    if (File.empty() || !Line.consume_front("@@ "))
      continue;
    InHeader = false;
    // "@@ -a[,b] +c[,d] @@": d lines added from line c; d == 0 is a pure deletion.
    auto Plus = Line.find('+');
    if (Plus == llvm::StringRef::npos)
      continue;
    llvm::StringRef Range = Line.drop_front(Plus + 1).take_until([](char C) { return C == ' '; });
    auto [StartText, CountText] = Range.split(',');
    unsigned Start = 0, Count = 1;
    if (StartText.getAsInteger(10, Start) || (!CountText.empty() && CountText.getAsInteger(10, Count)))
      continue;
    if (Count > 0)
      Lines.Files[File].push_back({Start, Start + Count - 1});
  }
  return Lines;
}

llvm::Expected<ChangedLines> changedLinesSince(llvm::StringRef Revision) {
  auto Root = gitLine({"rev-parse", "--show-toplevel"}, "--diff needs a git work tree");
  if (!Root)
    return Root.takeError();
  std::string Base = Revision.str();
  auto Resolved = gitLine({"rev-parse", "--verify", "--quiet", Base + "^{commit}"}, "unknown revision '" + Base + "'");
  if (!Resolved) {
    bool Unborn = Revision == "HEAD" && !gitLine({"rev-parse", "--verify", "--quiet", "HEAD"}, "");
    if (!Unborn)
      return Resolved.takeError();
    llvm::consumeError(Resolved.takeError());
    Base = EmptyTree;
  }
  auto Diff = runGit({"diff", "-U0", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", Base, "--"});
  if (!Diff)
    return Diff.takeError();
  if (Diff->Status != 0)
    return llvm::createStringError(std::errc::invalid_argument, "git diff %s failed: %s", Base.c_str(),
                                   llvm::StringRef(Diff->Err).trim().str().c_str());
  return parseUnifiedDiff(Diff->Out, *Root);
}

std::vector<std::string> ChangedLines::absolutePaths() const {
  std::vector<std::string> Paths;
  for (const auto &Entry : Files) {
    llvm::SmallString<256> Path(Root);
    llvm::sys::path::append(Path, Entry.first);
    Paths.push_back(std::string(Path));
  }
  return Paths;
}

std::string toLineFilter(const ChangedLines &Lines) {
  nlohmann::json Filter = nlohmann::json::array();
  for (const auto &[File, Ranges] : Lines.Files) {
    nlohmann::json Pairs = nlohmann::json::array();
    for (auto [First, Last] : Ranges)
      Pairs.push_back({First, Last});
    Filter.push_back({{"name", File}, {"lines", Pairs}});
  }
  return Filter.dump();
}

} // namespace mapguard
