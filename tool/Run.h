// One mapguard run, from parsed command-line settings to an exit code: the CLI's main only
// parses options and calls this.
#ifndef MAPGUARD_TOOL_RUN_H
#define MAPGUARD_TOOL_RUN_H

#include "Driver.h"
#include "ResultCache.h"
#include "Sarif.h"
#include "Shard.h"

namespace mapguard {

enum class OutputFormat { Text, Sarif, Json };

struct RunRequest {
  ConfigOverrides Config;
  DatabaseRequest Database;
  std::optional<std::string> DiffRevision; // --diff: only lines changed since this revision
  std::string BaselinePath;                // --baseline: gate on findings not in this SARIF log
  OutputFormat Format = OutputFormat::Text;
  std::string SarifFile, JsonFile, ExportFixes;
  // --checkpoint-interval: while a run goes on, SarifFile and JsonFile are rewritten with the
  // units done so far at most this often (marked partial), so an interrupted run keeps them.
  unsigned CheckpointSeconds = 30;
  SarifOptions Sarif; // tool version, docs, source root (default: the working directory)
  bool Fix = false, Quiet = false, ListChecks = false, ExplainConfig = false, ExplainGuards = false;
  // `mapguard annotate`: instead of the findings, the annotations of the inferred guards; Fix
  // inserts them, ExportFixes writes them.
  bool Annotate = false;
  // `mapguard index`: only the project index (the facts of the units, merged), written to
  // ProjectIndexFile or next to the database; no findings. With --shard, this part's facts alone.
  bool IndexOnly = false;
  unsigned Jobs = 0;
  std::optional<ShardSpec> Shard;     // --shard K/N: only this part of the units
  std::optional<CacheSettings> Cache; // nothing: --no-cache
  // --unit-timeout: each unit in a worker process (this executable, with these arguments), killed
  // past the limit. A worker is told its unit and where to write its outcome.
  unsigned UnitTimeoutSeconds = 0;
  // --allow-system-header-errors: a unit whose compiler errors are all in system headers does not
  // make the run fail (exit code 3); it is still named, and its findings are reported.
  bool AllowSystemHeaderErrors = false;
  // The project index (issue 24): on unless --no-project-index; a run over every unit of the
  // database writes it next to the database (or to --project-index-file), where the plugin and
  // mapguard-clangd find it; a partial run (--diff, --shard, files named) starts from it.
  bool ProjectIndex = true;
  std::string ProjectIndexFile;
  std::string Executable;
  std::vector<std::string> Arguments;
  std::string WorkerUnit, WorkerOutput, WorkerFacts, WorkerFactsDigest;
};

/// Runs the analysis and writes its outputs; returns the documented exit code.
int runMapguard(RunRequest Request);

} // namespace mapguard

#endif
