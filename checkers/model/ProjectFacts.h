// Facts about the functions other translation units define (issue 24): what one unit cannot see.
// Each unit's analysis can collect the facts of the functions it defines, read from their bodies
// (analysis/UnitFacts.h); the CLI merges them into a project index and analyses again the units
// that call such a function; the clang-tidy plugin and mapguard-clangd read the index the CLI
// wrote. A fact is as certain as the same reading of a visible body: a callable parameter handed
// to another thread, a throw the body reaches. Keyed by Clang's USR, which names one function the
// same way in every unit.
#ifndef MAPGUARD_CHECKERS_MODEL_PROJECTFACTS_H
#define MAPGUARD_CHECKERS_MODEL_PROJECTFACTS_H

#include "model/LockModel.h"
#include "clang/AST/Decl.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include <map>
#include <memory>
#include <optional>
#include <set>
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
  /// A member function of a lock class: leaves a lock of its object taken (Lock, with its kind)
  /// or released (Unlock), as its body reads (`void RwLock::rdlock() { pthread_rwlock_rdlock(&rw_); }`).
  std::optional<LockModel::Role> LockEffect;
  /// A constructor of a scoped guard: locks the mutex it is given, which the destructor unlocks.
  std::optional<LockKind> GuardLocks;
  /// Whether it carries a fact a unit that cannot read its body does not assume: a body that
  /// hands nothing over, throws nothing and locks nothing is what a first look takes it for.
  bool tellsMore() const;
  bool operator==(const FunctionFacts &Other) const;
};

/// One unit's accesses to a shared container (a member, a global), made in the functions its
/// main file defines: what guard inference counts there, for the units that see other accesses of
/// the same container (a class whose member functions are split over two files, a helper in
/// another file). Keyed by the container's USR; mutexes by theirs.
struct ContainerTally {
  std::string Name;     // qualified, for messages
  std::string File;     // the unit
  unsigned Counted = 0; // accesses that count for the guard
  bool Written = false; // some of them change the container
  struct Held {
    unsigned At = 0;    // accesses holding it
    bool Taken = false; // some of them in a function that takes the lock itself
    bool operator==(const Held &Other) const { return At == Other.At && Taken == Other.Taken; }
  };
  std::map<std::string, Held> HeldAt; // by the mutex's USR
  bool operator==(const ContainerTally &Other) const;
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
  size_t containerCount() const { return Containers.size(); }
  const std::map<std::string, FunctionFacts> &functions() const { return Functions; }

  /// A unit's tally of a container (replacing that unit's earlier one).
  void addTally(const std::string &Usr, ContainerTally Tally);
  /// The tallies of the container \p Usr by the units other than \p File.
  llvm::SmallVector<const ContainerTally *, 2> talliesElsewhere(llvm::StringRef Usr, llvm::StringRef File) const;
  const std::map<std::string, std::vector<ContainerTally>> &containers() const { return Containers; }

  /// A hash of the facts of \p Usrs, and of the lock facts of \p LockUsrs (the functions of lock
  /// classes a unit looked up), that this index holds: what a unit that calls them got to know;
  /// empty when it holds none of them, or only bodies that do what a unit's first look assumed.
  std::string digestOf(llvm::ArrayRef<std::string> Usrs, llvm::ArrayRef<std::string> LockUsrs = {}) const;
  /// A hash of the other units' tallies of the containers \p Own counts (\p Own being one unit's
  /// own facts): empty when no other unit accesses them, or when no unit holds a lock at any access.
  std::string digestOfTallies(const ProjectFacts &Own) const;

  /// {"functions": {usr: facts}, "containers": {usr: [tally]}}
  llvm::json::Object toJson() const;
  static std::optional<ProjectFacts> fromJson(const llvm::json::Object &Object);
  /// The index file: {"mapguard-project-index": 1, "functions": {usr: facts}, "containers":
  /// {usr: [tally]}}.
  std::string serialize() const;
  static llvm::Expected<ProjectFacts> parse(llvm::StringRef Text);

private:
  static llvm::json::Value fromFacts(const FunctionFacts &Facts);
  static std::optional<FunctionFacts> toFacts(const llvm::json::Value &Value);
  static llvm::json::Value fromTally(const ContainerTally &Tally);
  static std::optional<ContainerTally> toTally(const llvm::json::Value &Value);
  std::map<std::string, FunctionFacts> Functions;                // sorted: the file is deterministic
  std::map<std::string, std::vector<ContainerTally>> Containers; // each sorted by file
};

/// The USR of \p D; empty when Clang cannot make one.
std::string usrOf(const clang::Decl *D);

/// The absolute path of \p Ctx's main file, as the CLI names its units.
std::string unitFileOf(const clang::ASTContext &Ctx);

/// What the analysis of the unit being analysed on this thread does with project facts. The CLI
/// sets it around each unit (collect in the first look; the merged index in the second); without
/// one, a check configures it from its `ProjectIndex` option or the index file next to the
/// compilation database (the editors).
struct FactsRequest {
  bool Collect = false;                      // report this unit's facts
  std::shared_ptr<const ProjectFacts> Index; // the other units' facts, when known
  bool Reported = false;                     // this unit's facts were reported
  bool GuardChecksReport = false;            // a guard-based check runs: it reports them, with its container tallies
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

/// Records, while it lives, the user functions without a visible body whose facts the models on
/// this thread look up (whether or not an index is there): what the unit would use (its needs).
class FactsAskedRecording {
public:
  FactsAskedRecording();
  ~FactsAskedRecording();
  FactsAskedRecording(const FactsAskedRecording &) = delete;
  FactsAskedRecording &operator=(const FactsAskedRecording &) = delete;
  const std::set<std::string> &usrs() const { return Usrs; }

private:
  friend void noteFactsAsked(const clang::FunctionDecl *Fn);
  std::set<std::string> Usrs;
  FactsAskedRecording *Previous;
};
void noteFactsAsked(const clang::FunctionDecl *Fn);

/// Reads an index file, once per path and modification time in a process; null when it cannot.
std::shared_ptr<const ProjectFacts> loadProjectIndex(llvm::StringRef Path);

/// The index file's name, which the CLI writes next to the compilation database.
inline constexpr llvm::StringLiteral ProjectIndexFileName = "mapguard.index";

} // namespace mapguard

#endif
