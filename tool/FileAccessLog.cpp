#include "FileAccessLog.h"

#include "llvm/Support/Path.h"

using namespace llvm;

namespace mapguard {
namespace {

class RecordingFileSystem : public vfs::ProxyFileSystem {
public:
  RecordingFileSystem(IntrusiveRefCntPtr<vfs::FileSystem> Base, FileAccessLog &Log)
      : ProxyFileSystem(std::move(Base)), Log(Log) {}

  ErrorOr<vfs::Status> status(const Twine &Path) override {
    ErrorOr<vfs::Status> Result = ProxyFileSystem::status(Path);
    std::string Absolute = absolute(Path);
    if (!Result)
      Log.Missing.insert(std::move(Absolute));
    else if (!Log.Read.count(Absolute))
      Log.Found.insert(std::move(Absolute));
    return Result;
  }
  bool exists(const Twine &Path) override { return static_cast<bool>(status(Path)); }
  ErrorOr<std::unique_ptr<vfs::File>> openFileForRead(const Twine &Path) override {
    ErrorOr<std::unique_ptr<vfs::File>> Result = ProxyFileSystem::openFileForRead(Path);
    std::string Absolute = absolute(Path);
    ErrorOr<vfs::Status> Opened = Result ? (*Result)->status() : Result.getError();
    if (!Opened) {
      Log.Missing.insert(std::move(Absolute));
      return Result;
    }
    Log.Found.erase(Absolute);
    Log.Read.try_emplace(std::move(Absolute),
                         FileAccessLog::Version{Opened->getSize(), Opened->getLastModificationTime()});
    return Result;
  }
  vfs::directory_iterator dir_begin(const Twine &Dir, std::error_code &EC) override {
    vfs::directory_iterator Entries = ProxyFileSystem::dir_begin(Dir, EC);
    (EC ? Log.Missing : Log.Listed).insert(absolute(Dir));
    return Entries;
  }

private:
  std::string absolute(const Twine &Path) const {
    SmallString<256> Absolute;
    Path.toVector(Absolute);
    (void)makeAbsolute(Absolute); // against this file system's working directory, as clang sees it
    sys::path::remove_dots(Absolute, /*remove_dot_dot=*/false); // ".." may cross a symlink
    return std::string(Absolute);
  }

  FileAccessLog &Log;
};

} // namespace

IntrusiveRefCntPtr<vfs::FileSystem> recordingFileSystem(IntrusiveRefCntPtr<vfs::FileSystem> Base, FileAccessLog &Log) {
  return makeIntrusiveRefCnt<RecordingFileSystem>(std::move(Base), Log);
}

} // namespace mapguard
