// Changed-lines mode (--diff): the lines a git diff adds, as a clang-tidy line filter, so a hook
// in a legacy code base reports only what a commit touches (as clang-tidy-diff does).
#ifndef MAPGUARD_TOOL_CHANGEDLINES_H
#define MAPGUARD_TOOL_CHANGEDLINES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mapguard {

/// Added or modified lines per file, as inclusive [first, last] ranges.
struct ChangedLines {
  std::string Root;                                                        // the repository's top level
  std::map<std::string, std::vector<std::pair<unsigned, unsigned>>> Files; // path relative to Root
  std::vector<std::string> absolutePaths() const;
};

/// The lines `git diff -U0` output adds.
ChangedLines parseUnifiedDiff(llvm::StringRef Diff, llvm::StringRef RepoRoot);

/// Runs git in the working directory: lines changed since \p Revision in the work tree and index
/// (staged and unstaged). "HEAD" in a repository without commits means everything.
llvm::Expected<ChangedLines> changedLinesSince(llvm::StringRef Revision);

/// clang-tidy's --line-filter JSON for \p Lines; files without changed lines are left out. Names
/// are relative to the repository, as clang-tidy matches them as suffixes of the path it sees
/// (which may be relative to a unit's build directory).
std::string toLineFilter(const ChangedLines &Lines);

} // namespace mapguard

#endif
