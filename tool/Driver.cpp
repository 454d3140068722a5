#include "Driver.h"

#include "ClangTidyCompat.h"
#include "DistinctCommands.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CommonOptionsParser.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include <set>

using namespace clang;
using namespace clang::tidy;

namespace mapguard {
namespace {

llvm::Error configError(const llvm::Twine &Message) {
  return llvm::createStringError(std::make_error_code(std::errc::invalid_argument), Message);
}

bool hasResourceDir(const std::vector<std::string> &Args) {
  return llvm::any_of(Args, [](const std::string &A) { return llvm::StringRef(A).starts_with("-resource-dir"); });
}

} // namespace

llvm::Expected<OptionsProviderFactory> makeOptionsProviderFactory(const ConfigOverrides &Overrides) {
  ClangTidyOptions Defaults;
  Defaults.Checks = DefaultChecks;
  Defaults.WarningsAsErrors = "";
  Defaults.HeaderFilterRegex = "";
  Defaults.SystemHeaders = false;
  Defaults.User = llvm::sys::Process::GetEnv("USER");
  ClangTidyOptions Override;
  // The CLI carries only mapguard's checks; never let a shared .clang-tidy start the static analyzer.
  Override.Checks = Overrides.Checks.value_or("") + ",-clang-analyzer-*";
  // The guard-based checks then report what they saw (WhatWasSeen), for the run's account.
  Override.CheckOptions["MapguardReportSeen"] = ClangTidyOptions::ClangTidyValue("true");
  if (Overrides.HeaderFilter)
    Override.HeaderFilterRegex = *Overrides.HeaderFilter;
  if (Overrides.ExcludeHeaderFilter)
    Override.ExcludeHeaderFilterRegex = *Overrides.ExcludeHeaderFilter;
  ClangTidyGlobalOptions Global;
  if (Overrides.LineFilter)
    if (std::error_code EC = parseLineFilter(*Overrides.LineFilter, Global))
      return configError("invalid --line-filter: " + EC.message());

  std::optional<ClangTidyOptions> Inline;
  if (Overrides.Config && Overrides.ConfigFile)
    return configError("--config and --config-file are mutually exclusive");
  if (Overrides.Config || Overrides.ConfigFile) {
    std::string Text = Overrides.Config.value_or("");
    std::string Source = "<command-line-config>";
    if (Overrides.ConfigFile) {
      auto Buffer = llvm::MemoryBuffer::getFile(*Overrides.ConfigFile);
      if (!Buffer)
        return configError("cannot read config file '" + *Overrides.ConfigFile + "': " + Buffer.getError().message());
      Text = (*Buffer)->getBuffer().str();
      Source = *Overrides.ConfigFile;
    }
    auto Parsed = parseConfiguration(llvm::MemoryBufferRef(Text, Source));
    if (!Parsed)
      return configError("invalid configuration in " + Source + ": " + Parsed.getError().message());
    Inline = std::move(*Parsed);
  }
  return OptionsProviderFactory(
      [=](const llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> &FS) -> std::unique_ptr<ClangTidyOptionsProvider> {
        if (Inline)
          return std::make_unique<ConfigOptionsProvider>(Global, ClangTidyOptions::getDefaults().merge(Defaults, 0),
                                                         *Inline, Override, FS);
        return std::make_unique<FileOptionsProvider>(Global, Defaults, Override, FS);
      });
}

namespace {
/// The compile_commands.json clang's loader would pick from \p Dir (searching upwards), checked
/// first: the loader half-reads a broken one (it prints a YAML error and keeps what it parsed),
/// which would analyse files without their flags and report success.
llvm::Error checkDatabaseAbove(llvm::StringRef Dir) {
  for (llvm::StringRef D = Dir; !D.empty(); D = llvm::sys::path::parent_path(D)) {
    llvm::SmallString<256> Path(D);
    llvm::sys::path::append(Path, "compile_commands.json");
    if (!llvm::sys::fs::exists(Path))
      continue;
    auto Buffer = llvm::MemoryBuffer::getFile(Path);
    if (!Buffer)
      return configError("cannot read compilation database '" + Path + "': " + Buffer.getError().message());
    llvm::Expected<llvm::json::Value> Json = llvm::json::parse((*Buffer)->getBuffer());
    if (!Json)
      return configError("compilation database '" + Path + "' is not valid JSON: " + llvm::toString(Json.takeError()));
    const llvm::json::Array *Entries = Json->getAsArray();
    if (!Entries)
      return configError("compilation database '" + Path + "' is not a JSON array of compile commands");
    for (size_t I = 0; I < Entries->size(); ++I) {
      const llvm::json::Object *Entry = (*Entries)[I].getAsObject();
      if (!Entry || !Entry->getString("directory") || !Entry->getString("file") ||
          (!Entry->getString("command") && !Entry->getArray("arguments")))
        return configError("compilation database '" + Path + "': entry " + llvm::Twine(I + 1) +
                           " needs \"directory\", \"file\" and \"command\" or \"arguments\"");
    }
    return llvm::Error::success();
  }
  return llvm::Error::success();
}
} // namespace

std::string databaseDirectory(const DatabaseRequest &Request) {
  if (Request.Fixed)
    return "";
  llvm::SmallString<256> Dir;
  if (!Request.BuildPath.empty()) {
    Dir = Request.BuildPath;
  } else if (!Request.Files.empty()) {
    Dir = Request.Files.front();
    llvm::sys::path::remove_filename(Dir);
  }
  if (llvm::sys::fs::make_absolute(Dir))
    return "";
  llvm::sys::path::remove_dots(Dir, /*remove_dot_dot=*/true);
  for (llvm::StringRef Current = Dir; !Current.empty(); Current = llvm::sys::path::parent_path(Current)) {
    llvm::SmallString<256> Database(Current);
    llvm::sys::path::append(Database, "compile_commands.json");
    if (llvm::sys::fs::exists(Database))
      return Current.str();
  }
  return "";
}

llvm::Expected<std::unique_ptr<tooling::CompilationDatabase>> loadCompilations(DatabaseRequest Request) {
  std::unique_ptr<tooling::CompilationDatabase> Db = std::move(Request.Fixed);
  std::string Error;
  if (!Db && !Request.BuildPath.empty()) {
    if (!llvm::sys::fs::is_directory(Request.BuildPath))
      return configError("-p '" + Request.BuildPath + "' is not a directory");
    llvm::SmallString<256> Absolute(Request.BuildPath);
    (void)llvm::sys::fs::make_absolute(Absolute); // a relative path is then searched as it is
    if (llvm::Error Broken = checkDatabaseAbove(Absolute))
      return Broken;
    Db = tooling::CompilationDatabase::autoDetectFromDirectory(Request.BuildPath, Error);
    if (!Db)
      return configError("no compilation database in '" + Request.BuildPath + "' or its parents: " + Error);
  }
  if (!Db) {
    llvm::SmallString<256> Start;
    if (!Request.Files.empty()) {
      Start = Request.Files.front();
      if (std::error_code EC = llvm::sys::fs::make_absolute(Start))
        return configError("cannot resolve '" + Start + "': " + EC.message());
      if (llvm::Error Broken = checkDatabaseAbove(llvm::sys::path::parent_path(Start)))
        return Broken;
      Db = tooling::CompilationDatabase::autoDetectFromSource(Start, Error);
    } else {
      if (std::error_code EC = llvm::sys::fs::current_path(Start))
        return configError("cannot read the working directory: " + EC.message());
      if (llvm::Error Broken = checkDatabaseAbove(Start))
        return Broken;
      Db = tooling::CompilationDatabase::autoDetectFromDirectory(Start, Error);
    }
    if (!Db)
      return configError("no compile_commands.json found above '" + Start +
                         "'; pass -p <build-dir>, or compiler flags after '--'");
  }
  // Headers and new files get the flags of their nearest neighbour, as clang-tidy and clangd do.
  Db = tooling::inferMissingCompileCommands(std::move(Db));
  if (!Request.EveryCommand) // a file listed for a static and a shared library is one analysis
    Db = std::make_unique<DistinctCommandsDatabase>(std::move(Db));
  auto Adjusting = std::make_unique<tooling::ArgumentsAdjustingCompilations>(std::move(Db));
  Adjusting->appendArgumentsAdjuster(
      tooling::getInsertArgumentAdjuster(Request.ExtraArgsBefore, tooling::ArgumentInsertPosition::BEGIN));
  // A build's -Werror would turn every compiler warning into an error of the analysis; mapguard
  // reports only its checks and hard errors. --extra-arg comes after, so users can override it.
  Adjusting->appendArgumentsAdjuster(
      tooling::getInsertArgumentAdjuster("-Wno-error", tooling::ArgumentInsertPosition::END));
  Adjusting->appendArgumentsAdjuster(
      tooling::getInsertArgumentAdjuster(Request.ExtraArgs, tooling::ArgumentInsertPosition::END));
  for (const char *Quiet : compat::QuietCompilerArguments) // "N warnings generated." per unit
    Adjusting->appendArgumentsAdjuster(tooling::getInsertArgumentAdjuster(Quiet, tooling::ArgumentInsertPosition::END));
  std::string ResourceDir = Request.ResourceDir;
  Adjusting->appendArgumentsAdjuster([ResourceDir](const tooling::CommandLineArguments &Args, llvm::StringRef) {
    if (ResourceDir.empty() || hasResourceDir(Args) || Args.empty())
      return Args;
    tooling::CommandLineArguments Adjusted = Args;
    Adjusted.insert(Adjusted.begin() + 1, "-resource-dir=" + ResourceDir);
    return Adjusted;
  });
  return std::unique_ptr<tooling::CompilationDatabase>(std::move(Adjusting));
}

std::vector<std::string> filesToAnalyse(const tooling::CompilationDatabase &Db, llvm::ArrayRef<std::string> Given) {
  std::set<std::string> Files;
  if (Given.empty())
    for (const std::string &File : Db.getAllFiles())
      Files.insert(File);
  for (const std::string &File : Given) {
    llvm::SmallString<256> Path(File);
    (void)llvm::sys::fs::make_absolute(Path); // an unresolvable path is reported when it is analysed
    llvm::sys::path::remove_dots(Path, true);
    Files.insert(std::string(Path));
  }
  return {Files.begin(), Files.end()};
}

llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::function_ref<void(llvm::raw_ostream &)> Write) {
  return llvm::writeToOutput(Path, [&](llvm::raw_ostream &OS) {
    Write(OS);
    return llvm::Error::success();
  });
}

} // namespace mapguard
