#include "Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

namespace mapguard {

Progress::Progress(llvm::raw_ostream &OS, bool Terminal) : OS(&OS), Stderr(OS), Terminal(Terminal) {
  if (!Terminal)
    return;
  std::lock_guard<std::mutex> Lock(Mutex); // the relay may print before the stream is set
  Relay = StderrRelay::start([this](llvm::StringRef Text) { printAbove(Text); });
  if (Relay) {
    TerminalStream = std::make_unique<llvm::raw_fd_ostream>(Relay->terminalFd(), /*shouldClose=*/false,
                                                            /*unbuffered=*/true);
    this->OS = TerminalStream.get();
  }
}

Progress::~Progress() { finish(); }

void Progress::unitDone(const UnitProgress &Unit) {
  auto Seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - Start).count();
  std::string Elapsed;
  llvm::raw_string_ostream(Elapsed) << llvm::format("%u:%02u", unsigned(Seconds / 60), unsigned(Seconds % 60));
  std::lock_guard<std::mutex> Lock(Mutex);
  if (!Terminal) {
    *OS << "mapguard: [" << Unit.Done << "/" << Unit.Total << "] " << Unit.File << " (" << Unit.UnitFindings
        << " finding(s), " << Unit.FindingsSoFar << " in all, " << Elapsed << ")\n";
    return;
  }
  constexpr size_t Width = 30;
  size_t Filled = Unit.Total ? Unit.Done * Width / Unit.Total : Width;
  Bar.clear();
  llvm::raw_string_ostream(Bar) << "[" << std::string(Filled, '#') << std::string(Width - Filled, '.') << "] "
                                << Unit.Done << "/" << Unit.Total << " units, " << Unit.FindingsSoFar << " finding(s), "
                                << Elapsed << "  " << llvm::sys::path::filename(Unit.File);
  *OS << "\r\x1b[K" << Bar;
  OS->flush();
}

void Progress::printAbove(llvm::StringRef Text) {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (!Bar.empty())
    *OS << "\r\x1b[K";
  *OS << Text;
  if (!Bar.empty())
    *OS << Bar;
  OS->flush();
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    if (!Bar.empty())
      *OS << "\r\x1b[K";
    Bar.clear();
    OS->flush();
  }
  Relay.reset(); // prints what is left in the pipe, with no bar under it
  OS = &Stderr;
  TerminalStream.reset();
}

} // namespace mapguard
