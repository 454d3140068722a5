// What a run saw (issue 26): the facts of its units gathered into one account — shared containers
// and their guards, the project's mutex classes and how each was recognised, lock-like classes
// that could not be modelled — and that account as JSON (the --json report, the SARIF run's
// properties) and as text (the run's summary on stderr). Shared by the analysis, which gathers the
// units' facts (Analysis.h holds the account in its result), and merge-sarif, which gathers the
// parts'.
#ifndef MAPGUARD_TOOL_SEENREPORT_H
#define MAPGUARD_TOOL_SEENREPORT_H

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace mapguard {

/// What the analysis saw, from the checks' facts (checkers/analysis/WhatWasSeen.h): the shared
/// containers of the project's code and their guards, the project's mutex classes and how each was
/// recognised, and the lock-like classes it could not model. Each once, however many units saw it.
struct SeenAccess {
  std::string File, What; // What: "erase", "read", "iteration", ...
  unsigned Line = 0;
};
/// An insertion that annotates a declaration (`mapguard annotate`).
struct SeenEdit {
  std::string File, Text, Target; // Target: the declaration annotated
  unsigned Offset = 0, Line = 0;
  bool operator<(const SeenEdit &O) const { return std::tie(File, Offset, Text) < std::tie(O.File, O.Offset, O.Text); }
  bool operator==(const SeenEdit &O) const { return File == O.File && Offset == O.Offset && Text == O.Text; }
};
struct SeenContainer {
  std::string Name, File, Guard, Mutex; // Guard: "annotated", "inferred" or "none"
  unsigned Line = 0, HeldAt = 0, Counted = 0;
  std::vector<SeenAccess> Without; // the counted accesses that do not hold the guard, in every unit
  // An inferred guard: the annotations that make the compiler enforce it, or why it cannot.
  std::vector<SeenEdit> Edits;
  std::string LeftOut;
  bool InTemplate = false; // seen only in a class template's definition, never in an instance
};
struct SeenClass {
  std::string Name, File,
      How; // How: "options", "attributes", "base", "members" or "project index"; none for unmodelled ones
  unsigned Line = 0;
};
struct WhatWasSeen {
  bool Reported = false;                 // some unit ran a check that reports facts
  std::vector<SeenContainer> Containers; // by file and line
  std::vector<SeenClass> LockClasses;    // by name
  std::vector<SeenClass> Unmodelled;     // by name
  size_t count(llvm::StringRef Guard) const {
    return static_cast<size_t>(llvm::count_if(Containers, [&](const SeenContainer &C) { return C.Guard == Guard; }));
  }
};

/// Gathers facts ({"containers": [...], "lockClasses": [...], "unmodelled": [...]}, as a unit's
/// checks or a SARIF log's run report them), each container and class once: a header's container,
/// seen from several units, with the guard of the unit that saw most of its accesses, the
/// accesses without it of all, and annotations only if every unit could write them; a class
/// template's member as its instances show it, when a unit instantiates it.
class SeenAccumulator {
public:
  void add(const nlohmann::ordered_json &Facts);
  /// The account, sorted; a class some unit could not model that another recognised is modelled.
  WhatWasSeen take();

private:
  bool Reported = false;
  std::map<std::tuple<std::string, unsigned, std::string>, SeenContainer> Containers; // file, line, name
  std::map<std::string, SeenClass> LockClasses, Unmodelled;
};

/// The account as JSON: the facts' lists and a summary of counts.
nlohmann::ordered_json seenJson(const WhatWasSeen &Seen);

/// The account in a line, and a line per class that could not be modelled (what to do about it).
void printSeen(llvm::raw_ostream &OS, const WhatWasSeen &Seen);

/// `--explain-guards`: per class (or namespace), each shared container of the analysed units, its
/// guard and the evidence, and the accesses that do not hold it.
void printGuards(llvm::raw_ostream &OS, const WhatWasSeen &Seen);

} // namespace mapguard

#endif
