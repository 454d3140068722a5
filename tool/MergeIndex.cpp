// `mapguard merge-index`: the project indexes of a sharded run's parts (`mapguard index --shard
// K/N`) merged into one, as a run over every unit writes it.
#include "MergeIndex.h"

#include "Driver.h"
#include "model/ProjectFacts.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace mapguard {
namespace {
int failMerge(const Twine &Message) {
  WithColor::error(errs(), "mapguard merge-index") << Message << "\n";
  return ExitUsage;
}
} // namespace

int mergeIndexMain(int Argc, const char **Argv) {
  constexpr const char *Usage =
      "usage: mapguard merge-index <part.index> ... -o <mapguard.index>\n"
      "  The project indexes of the parts of a sharded run (mapguard index --shard K/N) merged into one,\n"
      "  as one run over all the units writes it; each part's analysis (--shard K/N) then reads it with\n"
      "  --project-index-file.\n"
      "  Exit codes: 0 merged, 2 usage error or a file that is not a mapguard index of this version.\n";
  std::vector<std::string> Inputs;
  std::string Output;
  for (int I = 1; I < Argc; ++I) {
    StringRef Arg = Argv[I];
    if (Arg == "-h" || Arg == "--help") {
      outs() << Usage;
      return ExitClean;
    }
    if (Arg == "-o" || Arg == "--output") {
      if (I + 1 == Argc) {
        errs() << "mapguard merge-index: '" << Arg << "' needs a file\n" << Usage;
        return ExitUsage;
      }
      Output = Argv[++I];
    } else if (Arg.consume_front("--output=") || Arg.consume_front("-o")) {
      Output = Arg.str();
    } else if (Arg.starts_with("-")) {
      errs() << "mapguard merge-index: unknown option '" << Arg << "'\n" << Usage;
      return ExitUsage;
    } else {
      Inputs.push_back(Arg.str());
    }
  }
  if (Inputs.empty() || Output.empty()) {
    errs() << Usage;
    return ExitUsage;
  }
  ProjectFacts Merged;
  for (const std::string &Path : Inputs) {
    auto Buffer = MemoryBuffer::getFile(Path);
    if (!Buffer)
      return failMerge("cannot read '" + Path + "': " + Buffer.getError().message());
    auto Part = ProjectFacts::parse((*Buffer)->getBuffer());
    if (!Part)
      return failMerge("'" + Path + "' is not a mapguard project index of this version: " + toString(Part.takeError()));
    Merged.merge(*Part);
  }
  std::error_code EC;
  raw_fd_ostream OS(Output, EC);
  if (!EC)
    OS << Merged.serialize();
  OS.close();
  if (EC || OS.has_error()) {
    std::string Why = (EC ? EC : OS.error()).message();
    OS.clear_error();
    return failMerge("cannot write '" + Output + "': " + Why);
  }
  return ExitClean;
}

} // namespace mapguard
