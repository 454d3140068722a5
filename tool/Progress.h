// Progress of a run on stderr: a bar redrawn in place on a terminal, a line per unit otherwise.
// While the bar is drawn, other writes to stderr are relayed above it (StderrRelay).
#ifndef MAPGUARD_TOOL_PROGRESS_H
#define MAPGUARD_TOOL_PROGRESS_H

#include "Analysis.h"
#include "StderrRelay.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace mapguard {

class Progress {
public:
  /// \p Terminal: draw a bar on \p OS (stderr), and relay stderr's other writers above it.
  Progress(llvm::raw_ostream &OS, bool Terminal);
  ~Progress();
  /// Off a terminal, a line per unit with that unit's findings (`(2 finding(s), 5 in all, 0:07)`);
  /// on one, the bar with the findings so far.
  void unitDone(const UnitProgress &Unit);
  /// Clears the bar and gives stderr back, so the next output starts on a clean line.
  void finish();

private:
  void printAbove(llvm::StringRef Text);

  std::mutex Mutex; // the relay's thread prints too
  llvm::raw_ostream *OS;
  llvm::raw_ostream &Stderr;
  bool Terminal;
  std::string Bar; // as last drawn; empty: none shown
  std::unique_ptr<llvm::raw_fd_ostream> TerminalStream;
  std::unique_ptr<StderrRelay> Relay;
  std::chrono::steady_clock::time_point Start = std::chrono::steady_clock::now();
};

} // namespace mapguard

#endif
