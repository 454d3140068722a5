// While a progress bar is drawn on a terminal, whatever else writes to stderr (clang's "Error
// while processing <file>.", a worker's crash report) goes through a pipe and is printed above
// the bar, never into it.
#ifndef MAPGUARD_TOOL_STDERRRELAY_H
#define MAPGUARD_TOOL_STDERRRELAY_H

#include "llvm/ADT/StringRef.h"
#include <functional>
#include <memory>
#include <thread>

namespace mapguard {

class StderrRelay {
public:
  /// Points fd 2 at a pipe whose lines a thread hands to \p Print; nullptr (and stderr left as it
  /// is) when the pipe cannot be made. terminalFd() is the stderr of before, for the bar.
  static std::unique_ptr<StderrRelay> start(std::function<void(llvm::StringRef)> Print);
  /// Points fd 2 back at the terminal and prints what is still in the pipe.
  ~StderrRelay();
  StderrRelay(const StderrRelay &) = delete;
  StderrRelay &operator=(const StderrRelay &) = delete;

  int terminalFd() const { return Terminal; }

private:
  StderrRelay(int Terminal, int ReadEnd, std::function<void(llvm::StringRef)> Print);
  int Terminal;
  int ReadEnd;
  std::thread Reader;
};

} // namespace mapguard

#endif
