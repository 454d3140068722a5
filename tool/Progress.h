// Progress of a run on stderr: a bar redrawn in place on a terminal, a line per unit otherwise.
#ifndef MAPGUARD_TOOL_PROGRESS_H
#define MAPGUARD_TOOL_PROGRESS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>

namespace mapguard {

class Progress {
public:
  Progress(llvm::raw_ostream &OS, bool Terminal) : OS(OS), Terminal(Terminal) {}
  void unitDone(size_t Done, size_t Total, size_t Findings, llvm::StringRef File);
  /// Clears the bar so the next output starts on a clean line.
  void finish();

private:
  llvm::raw_ostream &OS;
  bool Terminal;
  bool BarShown = false;
  std::chrono::steady_clock::time_point Start = std::chrono::steady_clock::now();
};

} // namespace mapguard

#endif
