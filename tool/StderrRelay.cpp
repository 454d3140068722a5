#include "StderrRelay.h"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace mapguard {

std::unique_ptr<StderrRelay> StderrRelay::start(std::function<void(llvm::StringRef)> Print) {
  int Pipe[2];
  if (pipe2(Pipe, O_CLOEXEC) != 0)
    return nullptr;
  int Terminal = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  // Worker processes inherit fd 2, the pipe's write end (dup2 clears close-on-exec), and nothing
  // else of it: the reader sees the end of the pipe once fd 2 is restored and they have exited.
  if (Terminal < 0 || dup2(Pipe[1], STDERR_FILENO) < 0) {
    if (Terminal >= 0)
      close(Terminal);
    close(Pipe[0]);
    close(Pipe[1]);
    return nullptr;
  }
  close(Pipe[1]);
  return std::unique_ptr<StderrRelay>(new StderrRelay(Terminal, Pipe[0], std::move(Print)));
}

StderrRelay::StderrRelay(int Terminal, int ReadEnd, std::function<void(llvm::StringRef)> Print)
    : Terminal(Terminal), ReadEnd(ReadEnd) {
  Reader = std::thread([ReadEnd, Print = std::move(Print)] {
    std::string Pending;
    char Buffer[4096];
    for (;;) {
      ssize_t Read = read(ReadEnd, Buffer, sizeof(Buffer));
      if (Read < 0 && errno == EINTR)
        continue;
      if (Read <= 0)
        break;
      Pending.append(Buffer, static_cast<size_t>(Read));
      // Whole lines only: a line written in pieces is printed once it is complete.
      size_t End = Pending.rfind('\n');
      if (End != std::string::npos) {
        Print(llvm::StringRef(Pending).take_front(End + 1));
        Pending.erase(0, End + 1);
      }
    }
    if (!Pending.empty())
      Print(Pending + "\n");
  });
}

StderrRelay::~StderrRelay() {
  dup2(Terminal, STDERR_FILENO); // the last write end closes: the reader reaches the end
  Reader.join();
  close(ReadEnd);
  close(Terminal);
}

} // namespace mapguard
