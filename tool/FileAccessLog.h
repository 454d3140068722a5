// What a unit's analysis learnt from the file system, recorded through the file system clang is
// given: the files it read, the paths it found and did not read, the paths it looked for and did
// not find, the directories it listed. A cached result is valid while all of these still hold.
#ifndef MAPGUARD_TOOL_FILEACCESSLOG_H
#define MAPGUARD_TOOL_FILEACCESSLOG_H

#include "llvm/ADT/IntrusiveRefCntPtr.h"
#include "llvm/Support/Chrono.h"
#include "llvm/Support/VirtualFileSystem.h"
#include <map>
#include <set>
#include <string>

namespace mapguard {

struct FileAccessLog {
  struct Version {
    uint64_t Size = 0;
    llvm::sys::TimePoint<> Modified;
    bool operator==(const Version &O) const { return Size == O.Size && Modified == O.Modified; }
    bool operator!=(const Version &O) const { return !(*this == O); }
  };
  std::map<std::string, Version> Read; // absolute path -> the file as it was when opened
  std::set<std::string> Found;         // existed (status), contents not read
  std::set<std::string> Missing;       // looked up and not found (include search, config files)
  std::set<std::string> Listed;        // directories whose entries were enumerated
};

/// \p Base, with every lookup made through it written to \p Log (which must outlive it).
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
recordingFileSystem(llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Base, FileAccessLog &Log);

} // namespace mapguard

#endif
