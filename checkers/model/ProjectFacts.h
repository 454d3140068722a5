// Facts about the functions other translation units define (issue 24): what one unit cannot see.
// Each unit's analysis can collect the facts of the functions it defines, read from their bodies
// (analysis/UnitFacts.h); the CLI merges them into a project index and analyses again the units
// that call such a function; the clang-tidy plugin and mapguard-clangd read the index the CLI
// wrote. A fact is as certain as the same reading of a visible body: a callable parameter handed
// to another thread, a throw the body reaches. Keyed by Clang's USR, which names one function the
// same way in every unit.
#ifndef MAPGUARD_CHECKERS_MODEL_PROJECTFACTS_H
#define MAPGUARD_CHECKERS_MODEL_PROJECTFACTS_H

#include "clang/AST/Decl.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mapguard {

/// What a function's body shows to the units that cannot read it.
struct FunctionFacts {
  std::string Name; // qualified, for messages
  std::string File; // the unit that defines it
  /// The callable parameters it hands over, by index: to another thread (true) or to run later.
  /// A function with a callable parameter is listed even when it hands none over: its body was read.
  std::vector<std::pair<unsigned, bool>> Deferred;
  std::vector<unsigned> Concurrent;  // parameters it runs on several threads at once
  std::optional<std::string> Throws; // what it may throw ("" when the type is not known)
  bool Waits = false;                // it waits for started work (a join, a wait) before it returns
  bool operator==(const FunctionFacts &Other) const;
};

class ProjectFacts {
public:
  /// The format's version: an index of another version is not read (today's behaviour).
  static constexpr int64_t Version = 1;

  const FunctionFacts *find(llvm::StringRef Usr) const;
  /// The facts of \p Fn when this unit cannot read its body (declared here, defined elsewhere,
  /// not a library function); null otherwise.
  const FunctionFacts *ofUnseen(const clang::FunctionDecl *Fn) const;
  void add(std::string Usr, FunctionFacts Facts);
  /// Adds \p Other's functions; of two units that define one function (an inline one, or an ODR
  /// violation) the facts of the unit whose file sorts first are kept.
  void merge(const ProjectFacts &Other);
  /// Adds \p Other's functions that none of \p Files defines (an earlier index, under the units analysed now).
  void mergeExcept(const ProjectFacts &Other, const llvm::StringSet<> &Files);
  size_t size() const { return Functions.size(); }
  const std::map<std::string, FunctionFacts> &functions() const { return Functions; }

  /// A hash of the facts of \p Usrs that this index holds: what a unit that calls them got to
  /// know; empty when it holds none of them, or only bodies that hand nothing over and throw
  /// nothing (what a unit's first look assumed).
  std::string digestOf(llvm::ArrayRef<std::string> Usrs) const;

  llvm::json::Value toJson() const;
  static std::optional<ProjectFacts> fromJson(const llvm::json::Value &Value);
  /// The index file: {"mapguard-project-index": 1, "functions": {usr: facts}}.
  std::string serialize() const;
  static llvm::Expected<ProjectFacts> parse(llvm::StringRef Text);

private:
  static llvm::json::Value fromFacts(const FunctionFacts &Facts);
  static std::optional<FunctionFacts> toFacts(const llvm::json::Value &Value);
  std::map<std::string, FunctionFacts> Functions; // sorted: the file is deterministic
};

/// The USR of \p D; empty when Clang cannot make one.
std::string usrOf(const clang::Decl *D);

/// What the analysis of the unit being analysed on this thread does with project facts. The CLI
/// sets it around each unit (collect in the first look; the merged index in the second); without
/// one, a check configures it from its `ProjectIndex` option or the index file next to the
/// compilation database (the editors).
struct FactsRequest {
  bool Collect = false;                      // report this unit's facts
  std::shared_ptr<const ProjectFacts> Index; // the other units' facts, when known
  bool Reported = false;                     // this unit's facts were reported
};

/// Sets \p Request for this thread until destroyed.
class FactsScope {
public:
  explicit FactsScope(FactsRequest &Request);
  ~FactsScope();
  FactsScope(const FactsScope &) = delete;
  FactsScope &operator=(const FactsScope &) = delete;

private:
  FactsRequest *Previous;
};

/// The request in effect on this thread: the CLI's, else the configured one; null when none.
FactsRequest *factsRequest();
/// The index in effect on this thread; null when none.
const ProjectFacts *projectFacts();

/// For a check being created (the plugin, mapguard-clangd): unless the CLI set a request, uses the
/// index \p Configured names (relative to \p BuildDirectory), or else `mapguard.index` in
/// \p BuildDirectory or the nearest parent that has one, up to the directory that holds the
/// compilation database; without a build directory (clangd), in \p MainFile's directories or their
/// `build/` subdirectories, where clangd looks for the database. A missing, unreadable or
/// stale-format index is today's per-unit behaviour.
void configureProjectIndex(llvm::StringRef Configured, llvm::StringRef BuildDirectory, llvm::StringRef MainFile);

/// Reads an index file, once per path and modification time in a process; null when it cannot.
std::shared_ptr<const ProjectFacts> loadProjectIndex(llvm::StringRef Path);

/// The index file's name, which the CLI writes next to the compilation database.
inline constexpr llvm::StringLiteral ProjectIndexFileName = "mapguard.index";

} // namespace mapguard

#endif
