#include "Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

namespace mapguard {

void Progress::unitDone(size_t Done, size_t Total, size_t Findings, llvm::StringRef File) {
  auto Seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - Start).count();
  std::string Elapsed;
  llvm::raw_string_ostream(Elapsed) << llvm::format("%u:%02u", unsigned(Seconds / 60), unsigned(Seconds % 60));
  if (!Terminal) {
    OS << "mapguard: [" << Done << "/" << Total << "] " << File << " (" << Findings << " finding(s), " << Elapsed
       << ")\n";
    return;
  }
  constexpr size_t Width = 30;
  size_t Filled = Total ? Done * Width / Total : Width;
  OS << "\r\x1b[K[" << std::string(Filled, '#') << std::string(Width - Filled, '.') << "] " << Done << "/" << Total
     << " units, " << Findings << " finding(s), " << Elapsed << "  " << llvm::sys::path::filename(File);
  OS.flush();
  BarShown = true;
}

void Progress::finish() {
  if (BarShown)
    OS << "\r\x1b[K";
  BarShown = false;
}

} // namespace mapguard
