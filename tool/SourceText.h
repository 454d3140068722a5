// A source file's text by line and column, for the machine-readable outputs (SARIF, JSON).
#ifndef MAPGUARD_TOOL_SOURCETEXT_H
#define MAPGUARD_TOOL_SOURCETEXT_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mapguard {

/// Line and column (1-based, in Unicode code points, as the log's columnKind says) of byte offsets.
class SourceText {
public:
  explicit SourceText(const std::string &Path) {
    if (auto Buffer = llvm::MemoryBuffer::getFile(Path))
      Text = (*Buffer)->getBuffer().str();
    LineStarts.push_back(0);
    for (size_t I = 0; I < Text.size(); ++I)
      if (Text[I] == '\n')
        LineStarts.push_back(I + 1);
  }
  std::pair<unsigned, unsigned> position(unsigned Offset) const {
    Offset = std::min<unsigned>(Offset, Text.size());
    size_t Line = std::upper_bound(LineStarts.begin(), LineStarts.end(), Offset) - LineStarts.begin();
    size_t Start = LineStarts[Line - 1];
    unsigned Column = 1;
    for (size_t I = Start; I < Offset; ++I)
      if ((static_cast<unsigned char>(Text[I]) & 0xC0) != 0x80) // count UTF-8 lead bytes only
        ++Column;
    return {static_cast<unsigned>(Line), Column};
  }
  llvm::StringRef line(unsigned Line) const {
    if (Line == 0 || Line > LineStarts.size())
      return {};
    size_t Start = LineStarts[Line - 1];
    size_t End = Line < LineStarts.size() ? LineStarts[Line] : Text.size();
    return llvm::StringRef(Text).slice(Start, End).rtrim("\r\n");
  }

private:
  std::string Text;
  std::vector<size_t> LineStarts;
};

/// Each file read once per output.
class SourceCache {
public:
  const SourceText &get(const std::string &Path) {
    auto It = Sources.find(Path);
    if (It == Sources.end())
      It = Sources.emplace(Path, SourceText(Path)).first;
    return It->second;
  }

private:
  std::map<std::string, SourceText> Sources;
};

/// A diagnostic's file as an absolute, normalised path (clang-tidy may give it relative to the
/// unit's build directory).
inline std::string absolutePath(llvm::StringRef File, llvm::StringRef BuildDir) {
  llvm::SmallString<256> Path(File);
  if (!llvm::sys::path::is_absolute(File) && !BuildDir.empty()) {
    Path = BuildDir;
    llvm::sys::path::append(Path, File);
  }
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return std::string(Path);
}

} // namespace mapguard

#endif
