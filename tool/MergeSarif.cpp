#include "MergeSarif.h"

#include "CheckCatalog.h"
#include "Driver.h"
#include "Sarif.h"
#include "SeenReport.h"
#include "StableSort.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using namespace llvm;
using Json = nlohmann::ordered_json;

namespace mapguard {
namespace {

std::string percentDecode(StringRef Uri) {
  std::string Out;
  for (size_t I = 0; I < Uri.size(); ++I) {
    unsigned Byte = 0;
    if (Uri[I] == '%' && I + 2 < Uri.size() && !Uri.substr(I + 1, 2).getAsInteger(16, Byte)) {
      Out += static_cast<char>(Byte);
      I += 2;
    } else {
      Out += Uri[I];
    }
  }
  return Out;
}

/// The absolute path a result's primary location names, as one run sorts findings by it.
std::string absolutePathOf(const Json &Result, StringRef Root) {
  const Json &Artifact = Result["locations"][0]["physicalLocation"]["artifactLocation"];
  std::string Uri = Artifact.value("uri", "");
  if (Artifact.contains("uriBaseId"))
    return Root.str() + percentDecode(Uri);
  return percentDecode(StringRef(Uri).drop_front(StringRef(Uri).starts_with("file://") ? 7 : 0));
}

/// Where one run places a finding (its file, line, column and check), then its text.
using PlaceKey = std::tuple<std::string, unsigned, unsigned, std::string>;
PlaceKey placeOf(const Json &Result, StringRef Root) {
  const Json &Region = Result["locations"][0]["physicalLocation"]["region"];
  return {absolutePathOf(Result, Root), Region.value("startLine", 0u), Region.value("startColumn", 0u),
          Result.value("ruleId", "")};
}

std::string textOf(const Json &Object) { return Object["message"].value("text", ""); }

/// The file a unit-failure notification names: "'<file>' could not be analysed...".
std::string failedFileOf(const Json &Notification) {
  std::string Message = textOf(Notification);
  StringRef Text = Message;
  size_t End = Text.find("' could not be analysed");
  return Text.starts_with("'") && End != StringRef::npos ? Text.substr(1, End - 1).str() : Text.str();
}

Error invalid(const SarifInput &Log, const Twine &Why) {
  return createStringError(std::errc::invalid_argument, "'%s' %s", Log.Name.c_str(), Why.str().c_str());
}
} // namespace

Expected<std::string> mergeSarifLogs(ArrayRef<SarifInput> Logs, const std::optional<std::string> &SourceRoot) {
  if (Logs.empty())
    return createStringError(std::errc::invalid_argument, "merge-sarif: no input logs");
  std::vector<Json> Runs;
  Json First;
  for (const SarifInput &Log : Logs) {
    Json Parsed = Json::parse(Log.Text, nullptr, /*allow_exceptions=*/false);
    if (Parsed.is_discarded() || !Parsed.is_object())
      return invalid(Log, "is not JSON");
    if (Parsed.value("version", "") != "2.1.0" || !Parsed.contains("runs") || Parsed["runs"].size() != 1)
      return invalid(Log, "is not a SARIF 2.1.0 log with one run");
    const Json &Run = Parsed["runs"][0];
    const Json &Driver = Run["tool"]["driver"];
    if (Driver.value("name", "") != "mapguard")
      return invalid(Log, "was not written by mapguard");
    if (!Runs.empty()) {
      const Json &FirstRun = First["runs"][0];
      if (Driver.value("version", "") != FirstRun["tool"]["driver"].value("version", ""))
        return invalid(Log, "was written by another mapguard version than '" + Logs.front().Name + "'");
      if (!SourceRoot && Run.value("originalUriBaseIds", Json()) != FirstRun.value("originalUriBaseIds", Json()))
        return invalid(Log, "has another source root than '" + Logs.front().Name + "' (--source-root)");
    } else {
      First = Parsed;
    }
    Runs.push_back(Run);
  }
  std::string Root;
  if (SourceRoot) {
    Root = *SourceRoot;
    if (!Root.empty() && !StringRef(Root).ends_with("/"))
      Root += "/";
    if (Root.empty())
      First["runs"][0].erase("originalUriBaseIds");
    else
      First["runs"][0]["originalUriBaseIds"] = sourceRootBaseIds(Root);
  } else if (const Json &Base = First["runs"][0].value("originalUriBaseIds", Json()); Base.contains("%SRCROOT%")) {
    Root = percentDecode(StringRef(Base["%SRCROOT%"].value("uri", "")).drop_front(7));
  }

  // Rules: the catalog's, then any other check's, sorted, as one run lists them.
  std::map<std::string, Json> OtherRules;
  Json Rules = Json::array();
  for (const Json &Rule : First["runs"][0]["tool"]["driver"]["rules"])
    if (findCheck(Rule.value("id", "")))
      Rules.push_back(Rule);
  for (const Json &Run : Runs)
    for (const Json &Rule : Run["tool"]["driver"]["rules"])
      if (!findCheck(Rule.value("id", "")))
        OtherRules.try_emplace(Rule.value("id", ""), Rule);
  for (auto &[Id, Rule] : OtherRules)
    Rules.push_back(Rule);
  std::map<std::string, size_t> RuleIndex;
  for (size_t I = 0; I < Rules.size(); ++I)
    RuleIndex[Rules[I].value("id", "")] = I;

  // Results: one per place and check (the text that sorts first), in one run's order.
  std::map<PlaceKey, Json> ByPlace;
  std::map<std::string, Json> Failures;
  bool Successful = true;
  for (const Json &Run : Runs) {
    for (const Json &Result : Run.value("results", Json::array())) {
      if (Result.value("baselineState", "") == "absent")
        continue;
      auto [It, Inserted] = ByPlace.try_emplace(placeOf(Result, Root), Result);
      if (!Inserted && textOf(Result) < textOf(It->second))
        It->second = Result;
    }
    for (const Json &Invocation : Run.value("invocations", Json::array())) {
      Successful &= Invocation.value("executionSuccessful", true);
      for (const Json &Notification : Invocation.value("toolExecutionNotifications", Json::array()))
        if (textOf(Notification).find("results were left out") == std::string::npos)
          Failures.try_emplace(failedFileOf(Notification), Notification);
    }
  }
  // The map's order is one run's: by file, position and check. Fingerprints count identical
  // lines in one file in that order: ":1", ":2", ...
  std::map<std::string, unsigned> Occurrences;
  std::vector<Json> Results;
  Results.reserve(ByPlace.size());
  for (auto &[Place, Result] : ByPlace) {
    Json &Hash = Result["partialFingerprints"]["primaryLocationLineHash"];
    std::string Line = StringRef(Hash.get<std::string>()).rsplit(':').first.str();
    unsigned N = ++Occurrences[std::get<0>(Place) + "\n" + Line];
    Hash = Line + ":" + std::to_string(N);
    Result["ruleIndex"] = RuleIndex[Result.value("ruleId", "")];
    Results.push_back(std::move(Result));
  }
  stableSort(Results, [](const Json &A, const Json &B) { return sarifSeverityRank(A) < sarifSeverityRank(B); });
  size_t Dropped = Results.size() > CodeScanningMaxResults ? Results.size() - CodeScanningMaxResults : 0;
  Results.resize(Results.size() - Dropped);

  Json Notifications = Json::array();
  for (auto &[File, Notification] : Failures)
    Notifications.push_back(Notification);
  if (Dropped)
    Notifications.push_back(droppedResultsNotification(Dropped, Results.size(), CodeScanningMaxResults));
  // What the parts saw, as one run over all their units would have seen it.
  SeenAccumulator Seen;
  for (const Json &Part : Runs)
    if (const Json &Properties = Part.value("properties", Json::object()); Properties.contains("mapguard.seen"))
      Seen.add(Properties["mapguard.seen"]);
  Json &Run = First["runs"][0];
  if (WhatWasSeen All = Seen.take(); All.Reported)
    Run["properties"]["mapguard.seen"] = seenJson(All);
  Run["tool"]["driver"]["rules"] = Rules;
  Json Invocation{{"executionSuccessful", Successful && Failures.empty()}};
  if (!Notifications.empty())
    Invocation["toolExecutionNotifications"] = Notifications;
  Run["invocations"] = Json::array({Invocation});
  Json MergedResults = Json::array();
  for (Json &Result : Results)
    MergedResults.push_back(std::move(Result));
  Run["results"] = MergedResults;
  return First.dump(2) + "\n";
}

int mergeSarifMain(int Argc, const char **Argv) {
  // Parsed by hand: the main command's positional file list is registered in the same process.
  constexpr const char *Usage =
      "usage: mapguard merge-sarif <log.sarif> ... [-o <merged.sarif>] [--source-root=<dir>]\n"
      "  The SARIF logs of a sharded run (--shard K/N) merged into one, as one run over all the units\n"
      "  writes it. --source-root: the logs may come from different places (Bazel sandboxes); their\n"
      "  relative paths are relative to <dir> (empty: left for the reader to resolve).\n"
      "  Exit codes: 0 merged, 2 usage error or a log that is not mapguard's.\n";
  std::vector<std::string> Inputs;
  std::string Output;
  std::optional<std::string> SourceRoot;
  for (int I = 1; I < Argc; ++I) {
    StringRef Arg = Argv[I];
    if (Arg == "-h" || Arg == "--help") {
      outs() << Usage;
      return ExitClean;
    }
    if (Arg == "-o" || Arg == "--output") {
      if (I + 1 == Argc) {
        errs() << "mapguard merge-sarif: '" << Arg << "' needs a file\n" << Usage;
        return ExitUsage;
      }
      Output = Argv[++I];
    } else if (Arg.consume_front("--source-root=")) {
      SourceRoot = Arg.str();
    } else if (Arg.consume_front("--output=") || Arg.consume_front("-o")) {
      Output = Arg.str();
    } else if (Arg.starts_with("-") && Arg != "-") {
      errs() << "mapguard merge-sarif: unknown option '" << Arg << "'\n" << Usage;
      return ExitUsage;
    } else {
      Inputs.push_back(Arg.str());
    }
  }
  if (Inputs.empty()) {
    errs() << Usage;
    return ExitUsage;
  }
  std::vector<SarifInput> Logs;
  for (const std::string &Path : Inputs) {
    auto Buffer = MemoryBuffer::getFileOrSTDIN(Path);
    if (!Buffer) {
      WithColor::error(errs(), "mapguard") << "cannot read '" << Path << "': " << Buffer.getError().message() << "\n";
      return ExitUsage;
    }
    Logs.push_back({Path, (*Buffer)->getBuffer().str()});
  }
  Expected<std::string> Merged = mergeSarifLogs(Logs, SourceRoot);
  if (!Merged) {
    WithColor::error(errs(), "mapguard") << toString(Merged.takeError()) << "\n";
    return ExitUsage;
  }
  if (Output.empty()) {
    outs() << *Merged;
    return ExitClean;
  }
  if (Error E = writeFileAtomically(Output, [&](raw_ostream &OS) { OS << *Merged; })) {
    WithColor::error(errs(), "mapguard") << "cannot write '" << Output << "': " << toString(std::move(E)) << "\n";
    return ExitUsage;
  }
  return ExitClean;
}

} // namespace mapguard
